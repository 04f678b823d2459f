// Amounts on screen and typed by operators, through the core's one localised formatter and one decimal reader
// (packages/core/src/money/): the console keeps only the adaptation to what its pages hold (digit strings,
// currency codes as text).
import { parseCurrency } from "@paycore/core/money/currency";
import { parseDecimalAmount } from "@paycore/core/money/decimal-amount";
import { formatLocalisedAmount } from "@paycore/core/money/localised-amount";

/** "€1,234.56", "¥500", "KWD 1.234": symbol and decimals per currency. */
export function formatAmount(minor: string | bigint, currency: string, locale = "en-US"): string {
  return formatLocalisedAmount(BigInt(minor), currency, locale);
}

/**
 * "12.5" EUR → 1250n, by the core's rules (parseDecimalAmount): no sign, no grouping, no leading zeros, exact
 * trailing zeros allowed, at most one payment's maximum. Null when the text is not such an amount in a supported
 * currency.
 */
export function decimalToMinor(input: string, currency: string): bigint | null {
  const code = parseCurrency(currency);
  if (code === null) return null;
  const reading = parseDecimalAmount(input, code);
  return reading.ok ? reading.amountMinor : null;
}
