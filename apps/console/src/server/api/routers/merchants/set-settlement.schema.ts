import { z } from "zod";
import { plainText } from "../../text.schema";

export const setSettlementSchema = z.object({
  merchantId: plainText().min(1).max(64),
  /** ISO 4217 codes; the core checks each and refuses duplicates. */
  settlementCurrencies: z.array(z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD")).max(10),
  fxFeeBps: z.number().int(),
});

export type SetSettlementInput = z.infer<typeof setSettlementSchema>;
