// Exchange rates as exact fractions, and the one conversion rule between currencies of any exponents.
//
// A rate says how many major units of the quote currency one major unit of the base currency buys
// (EUR→USD 1.0842: 1 EUR = 1.0842 USD), the way the ECB and every rate file write it. It is kept as a
// reduced bigint fraction read exactly from its decimal text, never a float. Converting an amount of minor
// units scales by both currencies' exponents (from the one table in ../money/currency.ts) and rounds once,
// at the end, half to even ("banker's rounding"): a result exactly halfway between two minor units goes to
// the even one, so rounding errors do not drift one way over many conversions. No other rounding is used
// for money conversion anywhere in the product (docs/api.md, "Multiple currencies").
import { DomainError, invariant } from "../errors/domain-error";
import { type CurrencyCode, currencyExponent } from "../money/currency";

/** An exact positive fraction. */
export interface Ratio {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** One major unit of `base` is worth numerator/denominator major units of `quote`. */
export interface ExchangeRate extends Ratio {
  readonly base: CurrencyCode;
  readonly quote: CurrencyCode;
}

/** The most digits a rate may have on either side of its decimal point (ECB rates have at most 5 decimals). */
export const RATE_INTEGER_DIGITS_MAX = 12;
export const RATE_FRACTION_DIGITS_MAX = 12;
const RATE_TEXT = new RegExp(
  `^(0|[1-9][0-9]{0,${RATE_INTEGER_DIGITS_MAX - 1}})(?:\\.([0-9]{1,${RATE_FRACTION_DIGITS_MAX}}))?$`,
);

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** The fraction in lowest terms (denominator positive). */
export function reduce(numerator: bigint, denominator: bigint): Ratio {
  invariant(denominator !== 0n, "a ratio needs a non-zero denominator");
  const sign = denominator < 0n ? -1n : 1n;
  const divisor = gcd(numerator, denominator) || 1n;
  return { numerator: (sign * numerator) / divisor, denominator: (sign * denominator) / divisor };
}

/**
 * A positive decimal rate read exactly: "1.0842" → 5421/5000. Plain digits with an optional point (no sign,
 * exponent, grouping or spaces), at most 12 digits before and 12 after the point; zero is refused. Returns
 * null for anything else, so callers word the error with its line or field.
 */
export function parseRateText(text: string): Ratio | null {
  if (typeof text !== "string") return null;
  const match = RATE_TEXT.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? "";
  const numerator = BigInt((match[1] as string) + fraction);
  if (numerator === 0n) return null;
  return reduce(numerator, 10n ** BigInt(fraction.length));
}

/** The rate written as a decimal with at most `digits` decimals (half-even), for display only. */
export function formatRatio(ratio: Ratio, digits = 10): string {
  const scaled = divideHalfEven(ratio.numerator * 10n ** BigInt(digits), ratio.denominator);
  const text = scaled.toString().padStart(digits + 1, "0");
  const whole = text.slice(0, text.length - digits);
  const fraction = text.slice(text.length - digits).replace(/0+$/, "");
  return fraction.length > 0 ? `${whole}.${fraction}` : whole;
}

/** quote→base from base→quote, exact. */
export function invertRate(rate: ExchangeRate): ExchangeRate {
  return { base: rate.quote, quote: rate.base, ...reduce(rate.denominator, rate.numerator) };
}

/**
 * A cross rate through a common base (the ECB publishes only EUR→X): from EUR→A and EUR→B, A→B is
 * (EUR→B)/(EUR→A), exact. Nothing is rounded; only the final conversion of an amount rounds.
 */
export function crossRate(viaToFrom: ExchangeRate, viaToTo: ExchangeRate): ExchangeRate {
  invariant(viaToFrom.base === viaToTo.base, "a cross rate needs two rates from the same base");
  return {
    base: viaToFrom.quote,
    quote: viaToTo.quote,
    ...reduce(viaToTo.numerator * viaToFrom.denominator, viaToTo.denominator * viaToFrom.numerator),
  };
}

/** n/d rounded half to even (d > 0); exact for any sign of n. */
export function divideHalfEven(n: bigint, d: bigint): bigint {
  invariant(d > 0n, "divideHalfEven needs a positive divisor");
  const negative = n < 0n;
  const magnitude = negative ? -n : n;
  let q = magnitude / d;
  const twiceRemainder = 2n * (magnitude % d);
  if (twiceRemainder > d || (twiceRemainder === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/**
 * `amountMinor` of `rate.base` in minor units of `rate.quote`, rounded half to even:
 * amount × rate × 10^(quote exponent) / 10^(base exponent). 100.00 USD at USD→JPY 151.37 is 15137 JPY;
 * 1000 JPY at JPY→KWD 0.00203 is 2.030 KWD (2030 fils).
 */
export function convertMinor(amountMinor: bigint, rate: ExchangeRate): bigint {
  invariant(typeof amountMinor === "bigint", "amounts are bigint minor units");
  invariant(rate.numerator > 0n && rate.denominator > 0n, "a rate is a positive fraction");
  const fromExponent = BigInt(currencyExponent(rate.base));
  const toExponent = BigInt(currencyExponent(rate.quote));
  return divideHalfEven(
    amountMinor * rate.numerator * 10n ** toExponent,
    rate.denominator * 10n ** fromExponent,
  );
}

/** A stored rate with where it came from and the time it applies to. */
export interface DatedRate extends ExchangeRate {
  readonly source: string;
  readonly asOf: Date;
}

/** The rate a conversion used, to lock on what it converted (the payment). */
export interface AppliedRate extends ExchangeRate {
  readonly source: string;
  readonly asOf: Date;
  /** How it was found: a stored pair, its inverse, or a cross through EUR. */
  readonly path: "DIRECT" | "INVERSE" | "CROSS";
}

export const CROSS_CURRENCY = "EUR" as CurrencyCode;

/**
 * The rate in force from `from` to `to` among the latest stored rates (one per base/quote pair, the newest
 * `asOf`): the pair itself, else its inverse, else a cross through EUR from two EUR-based rates (the older
 * of the two dates the result). Null when none can be made. Staleness is checked separately (assertFresh).
 */
export function findRate(
  from: CurrencyCode,
  to: CurrencyCode,
  latest: (base: CurrencyCode, quote: CurrencyCode) => DatedRate | undefined,
): AppliedRate | null {
  invariant(from !== to, "no rate is needed within one currency");
  const direct = latest(from, to);
  if (direct) return { ...direct, path: "DIRECT" };
  const reverse = latest(to, from);
  if (reverse) return { ...invertRate(reverse), source: reverse.source, asOf: reverse.asOf, path: "INVERSE" };
  const viaFrom = from === CROSS_CURRENCY ? undefined : latest(CROSS_CURRENCY, from);
  const viaTo = to === CROSS_CURRENCY ? undefined : latest(CROSS_CURRENCY, to);
  if (viaFrom && viaTo) {
    const olderFirst = viaFrom.asOf <= viaTo.asOf ? viaFrom : viaTo;
    return {
      ...crossRate(viaFrom, viaTo),
      source: viaFrom.source === viaTo.source ? viaFrom.source : `${viaFrom.source}+${viaTo.source}`,
      asOf: olderFirst.asOf,
      path: "CROSS",
    };
  }
  return null;
}

/**
 * The rate from `from` to `to`, refused when there is none (FX_RATE_MISSING) or when it is older than
 * `maxAgeMs` at `now` (FX_RATE_STALE): a conversion is never made with a guessed or outdated rate.
 */
export function rateInForce(
  from: CurrencyCode,
  to: CurrencyCode,
  latest: (base: CurrencyCode, quote: CurrencyCode) => DatedRate | undefined,
  now: Date,
  maxAgeMs: number,
  field: string[] = ["currency"],
): AppliedRate {
  const rate = findRate(from, to, latest);
  if (rate === null)
    throw new DomainError("FX_RATE_MISSING", `No exchange rate from ${from} to ${to} has been imported.`, {
      field,
    });
  if (now.getTime() - rate.asOf.getTime() > maxAgeMs)
    throw new DomainError(
      "FX_RATE_STALE",
      `The exchange rate from ${from} to ${to} is from ${rate.asOf.toISOString()}, older than allowed; import newer rates.`,
      { field },
    );
  return rate;
}
