import { z } from "zod";

export const mailListSchema = z.object({
  /** The last id of the previous page (messages are newest first). */
  before: z
    .string()
    .regex(/^\d{1,19}$/)
    .nullish(),
  /** Only mail to this exact address. */
  to: z.string().trim().max(254).nullish(),
  first: z.number().int().min(1).max(100).default(50),
});

export type MailListInput = z.infer<typeof mailListSchema>;

export const mailDetailSchema = z.object({ id: z.string().regex(/^\d{1,19}$/) });

export type MailDetailInput = z.infer<typeof mailDetailSchema>;
