import { z } from "zod";
import { plainText } from "../../text.schema";

export const auditListSchema = z.object({
  /** An action prefix ("payment.refund"), a target id, or an operator's email. */
  search: plainText().trim().max(320).nullish(),
  /** The last id of the previous page (entries are newest first). */
  before: z
    .string()
    .regex(/^\d{1,19}$/)
    .nullish(),
  first: z.number().int().min(1).max(100).default(50),
});

export type AuditListInput = z.infer<typeof auditListSchema>;
