import { RISK_LIST_KINDS } from "@paycore/core/ports/risk-list-store";
import { z } from "zod";
import { freeText, plainText } from "../../text.schema";

export const addListEntrySchema = z.object({
  list: z.enum(["DENY", "ALLOW"]),
  kind: z.enum(RISK_LIST_KINDS),
  value: plainText().trim().min(1).max(320),
  /** Empty: the entry applies to every merchant. */
  merchantId: plainText().max(64).nullish(),
  note: freeText({ multiline: true }).max(500).nullish(),
});

export const removeListEntrySchema = z.object({ id: plainText().min(1).max(64) });

export type AddListEntryInput = z.infer<typeof addListEntrySchema>;
