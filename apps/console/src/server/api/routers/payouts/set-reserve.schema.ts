import { z } from "zod";
import { plainText } from "../../text.schema";

export const setReserveSchema = z.object({
  merchantId: plainText().min(1).max(64),
  mode: z.enum(["TEST", "LIVE"]),
  currency: z.string().regex(/^[A-Za-z]{3}$/, "a three-letter currency code"),
  /** Basis points of each released capture held (the core bounds it: 0 to 5000). */
  rollingBps: z.number().int().min(0).max(5_000),
  rollingDays: z.number().int().min(0).max(180),
  fixedMinor: z.string().regex(/^(0|[1-9][0-9]{0,17})$/, "a whole number of minor units"),
  /** Why: required when the fixed reserve is above the four-eyes threshold (the core checks it). */
  reason: z.string().max(500).optional(),
});
export type SetReserveInput = z.infer<typeof setReserveSchema>;
