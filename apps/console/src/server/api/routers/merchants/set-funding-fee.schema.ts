import { z } from "zod";
import { plainText } from "../../text.schema";

export const setFundingFeeSchema = z.object({
  merchantId: plainText().min(1).max(64),
  fundingType: z.enum(["credit", "debit", "prepaid"]),
  /** Null removes the merchant's rule for this funding type (such cards pay the default again). */
  fee: z
    .object({
      rateBps: z.number().int().min(0).max(10_000),
      /** Hundredths of a major unit, as digits; null: the currency's usual fixed fee. */
      fixedHundredths: z
        .string()
        .regex(/^(0|[1-9][0-9]{0,14})$/, "a whole number of hundredths, at most 15 digits")
        .nullable(),
    })
    .nullable(),
});

export type SetFundingFeeInput = z.infer<typeof setFundingFeeSchema>;
