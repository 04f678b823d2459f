import { PASSWORD_LENGTH_MAX } from "@paycore/platform/passwords";
import { z } from "zod";
import { plainText } from "../../text.schema";

export const signInSchema = z.object({
  email: plainText().trim().min(3).max(320),
  password: z.string().min(1).max(PASSWORD_LENGTH_MAX),
});

export type SignInInput = z.infer<typeof signInSchema>;
