import { z } from "zod";

export const RISK_LIST_KINDS = ["FINGERPRINT", "EMAIL", "IP", "BIN"] as const;

export const addListEntrySchema = z.object({
  list: z.enum(["DENY", "ALLOW"]),
  kind: z.enum(RISK_LIST_KINDS),
  value: z.string().trim().min(1).max(320),
  /** Empty: the entry applies to every merchant. */
  merchantId: z.string().max(64).nullish(),
  note: z.string().trim().max(500).nullish(),
});

export const removeListEntrySchema = z.object({ id: z.string().min(1).max(64) });

export type AddListEntryInput = z.infer<typeof addListEntrySchema>;
