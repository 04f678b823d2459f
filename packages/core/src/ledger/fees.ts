import { invariant } from "../errors/domain-error";
import { divideHalfEven } from "../fx/fx-rate";
import { type CurrencyCode, currencyExponent } from "../money/currency";

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
