import { REFUND_REASON_MAX_LENGTH } from "@paycore/core/payments/payment-commands";
import { z } from "zod";
import { plainText } from "../../text.schema";

export const refundSchema = z.object({
  paymentId: plainText().min(1).max(64),
  /** In the payment currency's major units ("12.50"); required: a console refund never defaults to the rest. */
  amount: z
    .string()
    .trim()
    .regex(/^\d{1,18}(\.\d{1,6})?$/, "expected an amount like 12.50"),
  reason: z.string().trim().min(1, "Give a reason.").max(REFUND_REASON_MAX_LENGTH),
  /** Generated when the form renders: a double submit makes one refund. */
  idempotencyKey: z.string().min(8).max(200),
});

export type RefundInput = z.infer<typeof refundSchema>;
