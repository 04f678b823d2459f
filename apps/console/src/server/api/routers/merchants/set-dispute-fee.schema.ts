import { z } from "zod";
import { plainText } from "../../text.schema";

export const setDisputeFeeSchema = z.object({
  merchantId: plainText().min(1).max(64),
  currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD"),
  /** Minor units of the currency, as digits; null removes the merchant's own fee (the default applies). */
  feeMinor: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,14})$/, "a whole number of minor units, at most 15 digits")
    .nullable(),
});

export type SetDisputeFeeInput = z.infer<typeof setDisputeFeeSchema>;
