import { DomainError, invariant } from "../errors/domain-error";
import { type CurrencyCode, currencyExponent } from "./currency";

export interface Money {
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
}

/** 10^18 - 1: fits a signed 64-bit BIGINT column with headroom for sums. */
export const MAX_AMOUNT_MINOR: bigint = 999_999_999_999_999_999n;

const MAX_AMOUNT_DIGITS = MAX_AMOUNT_MINOR.toString().length;

// Leading zeros are rejected so that every amount has exactly one spelling; that keeps
// request hashes for idempotency stable and avoids octal-looking surprises.
const CANONICAL_DIGITS = /^(?:0|[1-9][0-9]*)$/;

export interface ParseAmountOptions {
  allowZero?: boolean;
  /** Path reported on errors; defaults to ["amount"]. */
  field?: string[];
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
    if (!CANONICAL_DIGITS.test(input)) {
      throw invalid("amount must be a string of digits without sign, decimal point, spaces or leading zeros");
    }
    // Digit-count check first so a megabyte of digits never reaches BigInt().
    if (input.length > MAX_AMOUNT_DIGITS) {
      throw tooLarge(field);
    }
    value = BigInt(input);
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
    throw tooLarge(field);
  }
  return value;
}

function tooLarge(field: string[]): DomainError {
  return new DomainError("AMOUNT_TOO_LARGE", `amount must be at most ${MAX_AMOUNT_MINOR} minor units`, {
    field,
  });
}

export function money(amountMinor: bigint, currency: CurrencyCode): Money {
  // Guards untyped callers: a JS number here would silently lose precision later.
  invariant(typeof amountMinor === "bigint", "money amount must be a bigint of minor units");
  currencyExponent(currency);
  return Object.freeze({ amountMinor, currency });
}

/** "1234.56 USD", "500 JPY", "1.234 KWD": decimal placement by string arithmetic, never floats. */
export function formatMoney(value: Money): string {
  const exponent = currencyExponent(value.currency);
  const negative = value.amountMinor < 0n;
  const digits = (negative ? -value.amountMinor : value.amountMinor).toString();
  const sign = negative ? "-" : "";
  if (exponent === 0) {
    return `${sign}${digits} ${value.currency}`;
  }
  const padded = digits.padStart(exponent + 1, "0");
  const whole = padded.slice(0, -exponent);
  const fraction = padded.slice(-exponent);
  return `${sign}${whole}.${fraction} ${value.currency}`;
}
