import { z } from "zod";
import { plainText } from "../../text.schema";

export const setPausedSchema = z.object({
  merchantId: plainText().min(1).max(64),
  mode: z.enum(["TEST", "LIVE"]),
  paused: z.boolean(),
  reason: plainText().max(500).optional(),
});
export type SetPausedInput = z.infer<typeof setPausedSchema>;

export const retryPayoutSchema = z.object({
  merchantId: plainText().min(1).max(64),
  mode: z.enum(["TEST", "LIVE"]),
  payoutId: plainText().min(1).max(64),
});
export type RetryPayoutInput = z.infer<typeof retryPayoutSchema>;
