// Automatic payouts per merchant, mode and currency: DAILY, WEEKLY (on an ISO weekday, 1 Monday .. 7 Sunday) or
// MONTHLY (on a day of the month, 1..31; a shorter month runs on its last day), delayDays after that day's
// midnight UTC, paying the whole available balance once it reaches the minimum; or MANUAL: the schedule is off
// (no automatic payouts; the merchant pays out with createPayout), it never runs. Pure: validation and run times.
import { DomainError } from "../errors/domain-error";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { parseAmountMinor } from "../money/money";

export const PAYOUT_INTERVALS = ["DAILY", "WEEKLY", "MONTHLY", "MANUAL"] as const;
export type PayoutInterval = (typeof PAYOUT_INTERVALS)[number];
export const SCHEDULE_DELAY_DAYS_MAX = 30;

export interface ScheduleTiming {
  interval: PayoutInterval;
  delayDays: number;
  /** ISO weekday of a WEEKLY schedule (1 Monday .. 7 Sunday). */
  weeklyAnchor: number;
  /** Day of the month of a MONTHLY schedule (1..31). */
  monthlyAnchor: number;
}

export interface ScheduleInput {
  currency: string;
  interval: string;
  delayDays: number;
  minimum: unknown;
  weeklyAnchor?: number | null;
  monthlyAnchor?: number | null;
}

export interface ParsedSchedule extends ScheduleTiming {
  currency: CurrencyCode;
  minimumMinor: bigint;
}

function invalid(message: string, field: string): DomainError {
  return new DomainError("INVALID_INPUT", message, { field: [field] });
}

export function parseScheduleInput(input: ScheduleInput): ParsedSchedule {
  const currency = parseCurrency(input.currency);
  if (currency === null)
    throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as EUR.", {
      field: ["currency"],
    });
  if (!(PAYOUT_INTERVALS as readonly string[]).includes(input.interval))
    throw invalid("interval must be DAILY, WEEKLY, MONTHLY or MANUAL.", "interval");
  const interval = input.interval as PayoutInterval;
  if (!Number.isInteger(input.delayDays) || input.delayDays < 0 || input.delayDays > SCHEDULE_DELAY_DAYS_MAX)
    throw invalid(`delayDays must be an integer from 0 to ${SCHEDULE_DELAY_DAYS_MAX}.`, "delayDays");
  const weeklyAnchor = input.weeklyAnchor ?? 1;
  if (!Number.isInteger(weeklyAnchor) || weeklyAnchor < 1 || weeklyAnchor > 7)
    throw invalid("weeklyAnchor must be a weekday from 1 (Monday) to 7 (Sunday).", "weeklyAnchor");
  if (input.weeklyAnchor != null && interval !== "WEEKLY")
    throw invalid("weeklyAnchor applies to a WEEKLY schedule only.", "weeklyAnchor");
  const monthlyAnchor = input.monthlyAnchor ?? 1;
  if (!Number.isInteger(monthlyAnchor) || monthlyAnchor < 1 || monthlyAnchor > 31)
    throw invalid("monthlyAnchor must be a day of the month from 1 to 31.", "monthlyAnchor");
  if (input.monthlyAnchor != null && interval !== "MONTHLY")
    throw invalid("monthlyAnchor applies to a MONTHLY schedule only.", "monthlyAnchor");
  const minimumMinor = parseAmountMinor(input.minimum, { currency, field: ["minimum"], allowZero: true });
  return { currency, interval, delayDays: input.delayDays, weeklyAnchor, monthlyAnchor, minimumMinor };
}

const DAY_MS = 24 * 60 * 60_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The next run strictly after `now`, in UTC: the next anchor day's midnight (tomorrow for DAILY) plus delayDays.
 * A monthly anchor past the month's end runs on the month's last day.
 */
export function nextRun(timing: ScheduleTiming, now: Date): Date {
  if (timing.interval === "MANUAL") throw new Error("a MANUAL schedule never runs");
  const delay = timing.delayDays * DAY_MS;
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  // Candidates start from today's anchor (which may still be ahead once the delay is added) and move on.
  for (let step = 0; step < 400; step++) {
    let candidate: number;
    if (timing.interval === "DAILY") candidate = midnight + step * DAY_MS;
    else if (timing.interval === "WEEKLY") {
      const isoToday = ((new Date(midnight).getUTCDay() + 6) % 7) + 1;
      const ahead = (timing.weeklyAnchor - isoToday + 7) % 7;
      candidate = midnight + (ahead + 7 * step) * DAY_MS;
    } else {
      const year = now.getUTCFullYear();
      const month = now.getUTCMonth() + step;
      const y = year + Math.floor(month / 12);
      const m = ((month % 12) + 12) % 12;
      candidate = Date.UTC(y, m, Math.min(timing.monthlyAnchor, daysInMonth(y, m)));
    }
    if (candidate + delay > now.getTime()) return new Date(candidate + delay);
  }
  throw new Error("nextRun found no run within 400 periods");
}

/** When a schedule runs next: null for MANUAL (off: the payout-dispatch worker never picks it). */
export function nextRunOf(timing: ScheduleTiming, now: Date): Date | null {
  return timing.interval === "MANUAL" ? null : nextRun(timing, now);
}
