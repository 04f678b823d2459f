import { OPERATOR_NOTE_MAX_LENGTH } from "@paycore/core/payments/payment-commands";
import { z } from "zod";
import { plainText } from "../../text.schema";

export const reviewDecisionSchema = z.object({
  paymentId: plainText().min(1).max(64),
  note: z.string().trim().min(1, "Write a note.").max(OPERATOR_NOTE_MAX_LENGTH),
  /** Generated when the buttons render: a double click decides once. */
  idempotencyKey: z.string().min(8).max(200),
});

export type ReviewDecisionInput = z.infer<typeof reviewDecisionSchema>;
