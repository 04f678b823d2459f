import { z } from "zod";
import { freeText } from "../../text.schema";

/** A merchant's fee and risk settings; the review threshold must stay below the decline threshold. */
export const merchantSettingsFields = {
  feeRateBps: z.number().int().min(0).max(10_000),
  /** Minor units of the payment's currency, as digits. */
  feeFixedMinor: z
    .string()
    .trim()
    .regex(/^\d{1,15}$/, "expected a whole number of minor units, 0 or more"),
  riskReviewThreshold: z.number().int().min(0).max(99),
  riskDeclineThreshold: z.number().int().min(1).max(100),
};

export function thresholdsOrdered(settings: { riskReviewThreshold: number; riskDeclineThreshold: number }) {
  return settings.riskReviewThreshold < settings.riskDeclineThreshold;
}

export const THRESHOLDS_MESSAGE = {
  message: "The review threshold must be below the decline threshold.",
  path: ["riskReviewThreshold"],
};

export const createMerchantSchema = z
  .object({ name: freeText().min(1, "Give a name.").max(200), ...merchantSettingsFields })
  .refine(thresholdsOrdered, THRESHOLDS_MESSAGE);

export type CreateMerchantInput = z.infer<typeof createMerchantSchema>;
