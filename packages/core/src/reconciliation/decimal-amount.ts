// Settlement reports write amounts in major units ("12.34", "-0.500", "1,234.56" never). The one exact reader:
// string arithmetic on the currency's own exponent, never a float, so 10^15 minor units keep every digit.
import { type CurrencyCode, currencyExponent } from "../money/currency";

/** Bounds a cell before any BigInt work: 19 digits plus sign and point covers every int64 amount. */
const DECIMAL_LENGTH_MAX = 24;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * "12.34" USD → 1234n, "500" JPY → 500n, "1.234" KWD → 1234n, "-5.00" USD → -500n, "" → 0n. Null when the text
 * is not a plain decimal, or carries more fraction digits than the currency has (beyond trailing zeros).
 */
export function parseDecimalMinor(text: string, currency: CurrencyCode): bigint | null {
  const trimmed = text.trim();
  if (trimmed === "") return 0n;
  if (trimmed.length > DECIMAL_LENGTH_MAX) return null;
  const match = DECIMAL.exec(trimmed);
  if (match === null) return null;
  const [, sign, whole = "", fractionRaw = ""] = match;
  const exponent = currencyExponent(currency);
  // "12.340" in USD is still exact; "12.345" in USD is not.
  const fraction = fractionRaw.replace(/0+$/, "");
  if (fraction.length > exponent) return null;
  const minor = BigInt(whole + fraction.padEnd(exponent, "0"));
  return sign === "-" ? -minor : minor;
}
