import { DomainError, invariant } from "../errors/domain-error";
import { type CurrencyCode, currencyExponent, supportedCurrencies } from "./currency";

export interface Money {
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
}

/**
 * The largest amount of one payment, capture or refund is a number of major units times 10^exponent, minus one
 * minor unit: just under ten billion major units (USD 9 999 999 999.99, JPY 9 999 999 999), and just under ten
 * trillion for the currencies worth less than about a tenth of a US cent, where honest payments have many more
 * digits. Every maximum is below 10^15, so a thousand maximal payments in one currency still sum inside a signed
 * 64-bit integer (9.2 × 10^18), and per-payment columns (captured, refunded) can never overflow. Sums across
 * payments are still taken as numeric in SQL and bigint in JS, never as int64.
 */
const MAX_MAJOR_UNITS = 10n ** 10n;
const MAX_MAJOR_UNITS_HIGH_NOMINAL = 10n ** 13n;
/** Over roughly 1,000 units to the US dollar (2026). */
const HIGH_NOMINAL_CURRENCIES: ReadonlySet<string> = new Set([
  "BIF",
  "CDF",
  "COP",
  "GNF",
  "IDR",
  "IRR",
  "KHR",
  "KPW",
  "LAK",
  "LBP",
  "MGA",
  "MMK",
  "MNT",
  "PYG",
  "SLE",
  "SYP",
  "TZS",
  "UGX",
  "UZS",
  "VND",
]);

/** The largest amount, in minor units, of one payment, capture or refund in this currency. */
export function maxAmountMinor(currency: CurrencyCode): bigint {
  const major = HIGH_NOMINAL_CURRENCIES.has(currency) ? MAX_MAJOR_UNITS_HIGH_NOMINAL : MAX_MAJOR_UNITS;
  return major * 10n ** BigInt(currencyExponent(currency)) - 1n;
}

/** The largest per-currency maximum: what an amount may be before its currency is known (GraphQL scalars). */
export const MAX_AMOUNT_MINOR: bigint = supportedCurrencies()
  .map(maxAmountMinor)
  .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))[0] as bigint;

/** The most digits an amount written as text may have: MAX_AMOUNT_MINOR's (15). */
export const MAX_AMOUNT_DIGITS = MAX_AMOUNT_MINOR.toString().length;

// Leading zeros are rejected so that every amount has exactly one spelling; that keeps
// request hashes for idempotency stable and avoids octal-looking surprises.
const CANONICAL_DIGITS = /^(?:0|[1-9][0-9]*)$/;

/** An amount read from text: its value, or why the text is not one (`too_long`: canonical digits, too many). */
export type MinorDigitsReading =
  | { ok: true; amountMinor: bigint }
  | { ok: false; reason: "not_canonical" | "too_long" };

/**
 * The one rule for an amount of minor units written as text, used by the core, the API's MinorUnits scalar and
 * the sandbox PSPs: ASCII digits only, no sign, no decimal point, no leading zero except "0" itself, and at most
 * MAX_AMOUNT_DIGITS digits. The length is checked before BigInt() so that a megabyte of digits costs nothing.
 */
export function readMinorDigits(text: string): MinorDigitsReading {
  if (!CANONICAL_DIGITS.test(text)) return { ok: false, reason: "not_canonical" };
  if (text.length > MAX_AMOUNT_DIGITS) return { ok: false, reason: "too_long" };
  return { ok: true, amountMinor: BigInt(text) };
}

export interface ParseAmountOptions {
  allowZero?: boolean;
  /** Path reported on errors; defaults to ["amount"]. */
  field?: string[];
  /** Checks the currency's own maximum; without it only the largest of all maximums. */
  currency?: CurrencyCode;
}

/**
 * Parses an untrusted amount in minor units. Accepts a bigint, a safe-integer number, or a
 * string of ASCII digits. Numbers above 2^53-1 are rejected because they have already lost
 * precision by the time we see them: such amounts must be sent as strings.
 */
export function parseAmountMinor(input: unknown, options?: ParseAmountOptions): bigint {
  const field = options?.field ?? ["amount"];
  const invalid = (message: string) => new DomainError("AMOUNT_INVALID", message, { field });

  let value: bigint;
  if (typeof input === "bigint") {
    value = input;
  } else if (typeof input === "number") {
    if (Number.isNaN(input) || !Number.isFinite(input)) {
      throw invalid("amount must be a finite integer number of minor units");
    }
    if (!Number.isInteger(input)) {
      throw invalid("amount must be an integer number of minor units, not a fraction");
    }
    if (!Number.isSafeInteger(input)) {
      throw invalid("amounts above 9007199254740991 must be sent as a string of digits");
    }
    value = BigInt(input);
  } else if (typeof input === "string") {
    const reading = readMinorDigits(input);
    if (!reading.ok && reading.reason === "not_canonical") {
      throw invalid("amount must be a string of digits without sign, decimal point, spaces or leading zeros");
    }
    if (!reading.ok) throw tooLarge(field, options?.currency);
    value = reading.amountMinor;
  } else {
    throw invalid("amount must be an integer number of minor units");
  }

  if (value < 0n) {
    throw invalid("amount must not be negative");
  }
  if (value === 0n && !options?.allowZero) {
    throw invalid("amount must be greater than zero");
  }
  if (value > MAX_AMOUNT_MINOR) {
    throw tooLarge(field, options?.currency);
  }
  if (options?.currency !== undefined) assertAmountWithinMaximum(value, options.currency, field);
  return value;
}

/** AMOUNT_TOO_LARGE above the currency's maximum (see maxAmountMinor). */
export function assertAmountWithinMaximum(
  amountMinor: bigint,
  currency: CurrencyCode,
  field: string[] = ["amount"],
): void {
  if (amountMinor > maxAmountMinor(currency)) throw tooLarge(field, currency);
}

function tooLarge(field: string[], currency: CurrencyCode | undefined): DomainError {
  if (currency === undefined) {
    return new DomainError("AMOUNT_TOO_LARGE", `amount must be at most ${MAX_AMOUNT_MINOR} minor units`, {
      field,
    });
  }
  const maximum = maxAmountMinor(currency);
  return new DomainError(
    "AMOUNT_TOO_LARGE",
    `amount must be at most ${maximum} minor units in ${currency} (${formatMoney(money(maximum, currency))})`,
    { field },
  );
}

export function money(amountMinor: bigint, currency: CurrencyCode): Money {
  // Guards untyped callers: a JS number here would silently lose precision later.
  invariant(typeof amountMinor === "bigint", "money amount must be a bigint of minor units");
  currencyExponent(currency);
  return Object.freeze({ amountMinor, currency });
}

/**
 * The one minor-to-decimal formatter, for the core, the console and the sandbox PSPs: 123456n USD → "1234.56",
 * -500n USD → "-5.00", 500n JPY → "500", 1234n KWD → "1.234". String arithmetic, never floats, so amounts past
 * 2^53 keep every digit.
 */
export function formatMinorUnits(amountMinor: bigint, currency: CurrencyCode): string {
  const exponent = currencyExponent(currency);
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor).toString();
  const sign = negative ? "-" : "";
  if (exponent === 0) return `${sign}${digits}`;
  const padded = digits.padStart(exponent + 1, "0");
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/** "1234.56 USD", "500 JPY", "1.234 KWD". */
export function formatMoney(value: Money): string {
  return `${formatMinorUnits(value.amountMinor, value.currency)} ${value.currency}`;
}
