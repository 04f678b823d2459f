// The one reader of amounts written in major units ("12.34 USD"), for whoever has a decimal from a person or a file:
// the console's forms and filters, settlement reports. Wire amounts are minor-unit digit strings and go through
// readMinorDigits/parseAmountMinor (money.ts) instead. String arithmetic on the currency's own exponent (the one
// table in currency.ts), never a float, so 10^15 minor units keep every digit.
import { type CurrencyCode, currencyExponent } from "./currency";
import { maxAmountMinor } from "./money";

/**
 * Bounds the text before any regular expression or BigInt work: a sign, 19 digits, a point and a fraction long
 * enough for any exponent plus exact trailing zeros ("12.3400000000") fit; anything longer is not an amount.
 */
export const DECIMAL_AMOUNT_LENGTH_MAX = 40;

// A whole part with no leading zero except "0" itself (the rule readMinorDigits has for minor units), then an
// optional point followed by at least one digit. No "+", no grouping, no exponent, no lone point.
const DECIMAL_AMOUNT = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export interface DecimalAmountRules {
  /** Accept a leading "-" (settlement reports write fees and refunds negative). Default: refused ("negative"). */
  readonly negative?: boolean;
  /**
   * The largest magnitude accepted, in minor units. Default: maxAmountMinor(currency), one payment's maximum; a
   * reader of sums (a report's payout line) passes its own bound.
   */
  readonly maximumMinor?: bigint;
}

/** An amount read from major units: its minor units, or why the text is not one. */
export type DecimalAmountReading =
  | { ok: true; amountMinor: bigint }
  | {
      ok: false;
      /**
       * `malformed`: not the grammar (grouping, "+", exponent, "12.", ".5", leading zeros, empty);
       * `too_long`: over DECIMAL_AMOUNT_LENGTH_MAX characters; `negative`: a sign the rules do not allow;
       * `too_precise`: a non-zero digit past the currency's exponent; `too_large`: over the rules' maximum.
       */
      reason: "malformed" | "too_long" | "negative" | "too_precise" | "too_large";
    };

/**
 * Reads `text` as an amount in `currency`'s major units. The rules, the same for every caller:
 * - surrounding white space is ignored; the rest is ASCII: an optional "-" (only with `rules.negative`), a whole
 *   part without leading zeros ("0.50" yes, "00.50" and "007" no), an optional point with at least one digit;
 * - no grouping separators ("1,234.56"), no "+", no exponent ("1e3"), no lone point ("12.", ".5");
 * - a fraction longer than the currency's exponent is accepted only when the extra digits are zeros, because the
 *   value is still exact ("12.340" USD is 1234n, "500.0" JPY is 500n); "12.345" USD is refused, never rounded;
 * - the magnitude is at most `rules.maximumMinor` (default: one payment's maximum in the currency).
 * "12.34" USD → 1234n, "500" JPY → 500n, "1.234" KWD → 1234n, "-5.00" USD (negative allowed) → -500n.
 */
export function parseDecimalAmount(
  text: string,
  currency: CurrencyCode,
  rules: DecimalAmountRules = {},
): DecimalAmountReading {
  const trimmed = text.trim();
  if (trimmed.length > DECIMAL_AMOUNT_LENGTH_MAX) return { ok: false, reason: "too_long" };
  const match = DECIMAL_AMOUNT.exec(trimmed);
  if (match === null) return { ok: false, reason: "malformed" };
  const [, sign, whole = "", fractionWritten = ""] = match;
  if (sign === "-" && rules.negative !== true) return { ok: false, reason: "negative" };
  const exponent = currencyExponent(currency);
  const fraction = fractionWritten.replace(/0+$/, "");
  if (fraction.length > exponent) return { ok: false, reason: "too_precise" };
  const magnitude = BigInt(whole + fraction.padEnd(exponent, "0"));
  if (magnitude > (rules.maximumMinor ?? maxAmountMinor(currency))) return { ok: false, reason: "too_large" };
  return { ok: true, amountMinor: sign === "-" ? -magnitude : magnitude };
}
