import { invariant } from "../errors/domain-error";
import { divideHalfEven } from "../fx/fx-rate";
import { type CurrencyCode, currencyExponent } from "../money/currency";
import type { FundingType } from "../vault/funding-type";

/** The card funding types a fee rule can name (an "unknown" card takes the default). */
export const FEE_FUNDING_TYPES = ["credit", "debit", "prepaid"] as const;
export type FeeFundingType = (typeof FEE_FUNDING_TYPES)[number];

/**
 * A merchant's fee for cards of one funding type (issue 18): its own rate, and optionally its own fixed fee in
 * hundredths of a major unit (scaled to each currency's exponent like the default). Null fixed: the fixed fee the
 * currency would take without the rule (the merchant's own for that currency, else the default).
 */
export interface FundingTypeFee {
  rateBps: number;
  fixedHundredths: bigint | null;
}

/**
 * A percentage in basis points (integer 0..10000) plus a fixed fee. Resolved for one currency (feeScheduleIn),
 * `fixedMinor` is in that currency's minor units. A merchant's schedule (before resolving) states its fixed fee
 * per currency in `fixedByCurrency`, and for every other currency `fixedMinor` in hundredths of a major unit
 * (the default 30 is 0.30), scaled by the currency's exponent.
 */
export interface FeeSchedule {
  rateBps: number;
  fixedMinor: bigint;
  /** The merchant's fixed fee per currency, in that currency's minor units (merchant_fixed_fees). */
  fixedByCurrency?: Readonly<Record<string, bigint>>;
  /** The merchant's fee per card funding type; a card of another (or unknown) funding type takes the above. */
  byFundingType?: Readonly<Partial<Record<FeeFundingType, FundingTypeFee>>>;
}

/** Minor units per hundredth of a major unit are 10^(exponent - 2): the default's scale. */
const HUNDREDTHS_EXPONENT = 2;

/**
 * The fixed fee in `currency`'s minor units: the merchant's own for that currency, else `fixedMinor` read as
 * hundredths of a major unit and scaled to the currency's exponent, rounded half to even (the rounding every
 * conversion uses). The default 0.30 is 30 cents in USD and EUR, 0 yen in JPY (0.30 yen rounds to 0), 300
 * fils in KWD; a merchant sets its own per currency to change any of them.
 */
export function fixedFeeIn(schedule: FeeSchedule, currency: CurrencyCode): bigint {
  const own = schedule.fixedByCurrency?.[currency];
  if (own !== undefined) return own;
  const exponent = currencyExponent(currency);
  return exponent >= HUNDREDTHS_EXPONENT
    ? schedule.fixedMinor * 10n ** BigInt(exponent - HUNDREDTHS_EXPONENT)
    : divideHalfEven(schedule.fixedMinor, 10n ** BigInt(HUNDREDTHS_EXPONENT - exponent));
}

/** The schedule for one currency: its rate, and its fixed fee in that currency's minor units. */
export function feeScheduleIn(schedule: FeeSchedule, currency: CurrencyCode): FeeSchedule {
  return { rateBps: schedule.rateBps, fixedMinor: fixedFeeIn(schedule, currency) };
}

/** Whether any fee rule names a funding type (only then does a capture need its card's funding type). */
export function hasFundingTypeFees(schedule: FeeSchedule): boolean {
  return schedule.byFundingType !== undefined && Object.keys(schedule.byFundingType).length > 0;
}

/**
 * The schedule for a card of `fundingType`: a rule for it replaces the rate, and the fixed fee when it sets one
 * (then in hundredths of a major unit for every currency, the merchant's per-currency fixed fees set aside).
 * Without a rule, for a card whose funding type is unknown, or for a payment that is not a card (null), the
 * schedule is unchanged. Still to be resolved per currency by feeScheduleIn.
 */
export function feeScheduleForFunding(schedule: FeeSchedule, fundingType: FundingType | null): FeeSchedule {
  const rule =
    fundingType !== null && fundingType !== "unknown" ? schedule.byFundingType?.[fundingType] : undefined;
  if (rule === undefined) return schedule;
  if (rule.fixedHundredths === null)
    return {
      rateBps: rule.rateBps,
      fixedMinor: schedule.fixedMinor,
      ...(schedule.fixedByCurrency ? { fixedByCurrency: schedule.fixedByCurrency } : {}),
    };
  return { rateBps: rule.rateBps, fixedMinor: rule.fixedHundredths };
}

export const DEFAULT_FEE_SCHEDULE: FeeSchedule = Object.freeze({ rateBps: 290, fixedMinor: 30n });

const BPS_PER_WHOLE = 10_000n;

export function assertFeeSchedule(schedule: FeeSchedule): void {
  invariant(
    Number.isInteger(schedule.rateBps) && schedule.rateBps >= 0 && schedule.rateBps <= 10_000,
    "fee rateBps must be an integer between 0 and 10000",
  );
  invariant(
    typeof schedule.fixedMinor === "bigint" && schedule.fixedMinor >= 0n,
    "fee fixedMinor must be a non-negative bigint",
  );
}

/**
 * Percentage part rounded half-up, plus the fixed part, capped at the amount so that a
 * small capture never leaves the merchant owing us money.
 */
export function computeFee(amountMinor: bigint, schedule: FeeSchedule): bigint {
  assertFeeSchedule(schedule);
  invariant(amountMinor >= 0n, "fees are computed on non-negative amounts");
  if (amountMinor === 0n) {
    return 0n;
  }
  // Adding half the divisor before truncating division is half-up for non-negative values.
  const percentMinor = (amountMinor * BigInt(schedule.rateBps) + BPS_PER_WHOLE / 2n) / BPS_PER_WHOLE;
  const fee = percentMinor + schedule.fixedMinor;
  return fee > amountMinor ? amountMinor : fee;
}
