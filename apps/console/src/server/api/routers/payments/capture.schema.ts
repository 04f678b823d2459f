import { z } from "zod";
import { plainText } from "../../text.schema";

export const captureSchema = z.object({
  paymentId: plainText().min(1).max(64),
  /** In the payment currency's major units ("12.50"); the operator types it (no default to the whole amount). */
  amount: z
    .string()
    .trim()
    .regex(/^\d{1,18}(\.\d{1,6})?$/, "expected an amount like 12.50"),
  /** Generated when the form renders: a double submit captures once. */
  idempotencyKey: z.string().min(8).max(200),
});

export type CaptureInput = z.infer<typeof captureSchema>;

export const cancelSchema = z.object({
  paymentId: plainText().min(1).max(64),
  reason: z.string().trim().min(1, "Give a reason.").max(500),
  idempotencyKey: z.string().min(8).max(200),
});

export type CancelInput = z.infer<typeof cancelSchema>;
