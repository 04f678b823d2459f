import { PASSWORD_LENGTH_MAX } from "@paycore/core/operators/operator";
import { z } from "zod";
import { operatorIdSchema } from "./operator-id.schema";

export const resetOperatorPasswordSchema = operatorIdSchema.extend({
  /** Absent: a password is generated and shown once. */
  password: z.string().max(PASSWORD_LENGTH_MAX).nullish(),
});

export type ResetOperatorPasswordInput = z.infer<typeof resetOperatorPasswordSchema>;
