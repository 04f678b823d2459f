import { readMinorDigits } from "@paycore/core/money/money";
import { z } from "zod";
import { freeText } from "../../text.schema";

// Shapes only: the core's MerchantCommands checks the ranges and that the review threshold stays below the
// decline threshold, once for every caller.
export const merchantSettingsFields = {
  feeRateBps: z.number().int(),
  /** Minor units of the payment's currency, as digits. */
  feeFixedMinor: z
    .string()
    .trim()
    .refine(
      (text) => readMinorDigits(text).ok,
      "expected a whole number of minor units, 0 or more, no leading zeros",
    ),
  riskReviewThreshold: z.number().int(),
  riskDeclineThreshold: z.number().int(),
};

export const createMerchantSchema = z.object({
  name: freeText().min(1, "Give a name.").max(200),
  ...merchantSettingsFields,
});

export type CreateMerchantInput = z.infer<typeof createMerchantSchema>;
