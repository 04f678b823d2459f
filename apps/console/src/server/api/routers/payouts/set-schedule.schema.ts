import { z } from "zod";
import { plainText } from "../../text.schema";

/** Minor units as digits (the core checks the currency's maximum). */
const minorUnits = z.string().regex(/^(0|[1-9][0-9]{0,17})$/, "a whole number of minor units");

export const setScheduleSchema = z.object({
  merchantId: plainText().min(1).max(64),
  mode: z.enum(["TEST", "LIVE"]),
  currency: z.string().regex(/^[A-Za-z]{3}$/, "a three-letter currency code"),
  /** MANUAL turns the schedule off: no automatic payouts. */
  interval: z.enum(["DAILY", "WEEKLY", "MONTHLY", "MANUAL"]),
  /** ISO weekday, WEEKLY only. */
  weeklyAnchor: z.number().int().min(1).max(7).nullable(),
  /** Day of the month, MONTHLY only. */
  monthlyAnchor: z.number().int().min(1).max(31).nullable(),
  delayDays: z.number().int().min(0).max(30),
  minimumMinor: minorUnits,
});
export type SetScheduleInput = z.infer<typeof setScheduleSchema>;
