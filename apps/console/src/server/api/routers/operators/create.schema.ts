import { PASSWORD_LENGTH_MAX } from "@paycore/core/operators/operator";
import { z } from "zod";
import { plainText } from "../../text.schema";

// Shapes and outer bounds only; the core command checks the email, the role and the password policy once for
// every caller.
export const createOperatorSchema = z.object({
  email: plainText().trim().min(3).max(320),
  role: z.enum(["VIEWER", "OPERATOR", "ADMIN"]),
  /** Absent: a password is generated and shown once. */
  password: z.string().max(PASSWORD_LENGTH_MAX).nullish(),
});

export type CreateOperatorInput = z.infer<typeof createOperatorSchema>;
