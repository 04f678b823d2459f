// Amounts on screen: bigint minor units → the core's exact decimal string → Intl.NumberFormat, which formats decimal
// strings without going through a float. The exponent comes from the core's one table of currencies.
import { currencyExponent, exponentOf, parseCurrency } from "@paycore/core/money/currency";
import { formatMinorUnits, formatMoney } from "@paycore/core/money/money";

/** "€1,234.56", "¥500", "KWD 1.234": symbol and decimals per currency. */
export function formatAmount(minor: string | bigint, currency: string, locale = "en-US"): string {
  const code = parseCurrency(currency);
  if (code === null) return `${minor} ${currency}`;
  const exponent = currencyExponent(code);
  const decimal = formatMinorUnits(BigInt(minor), code);
  try {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency: code,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    }).format(decimal as Intl.StringNumericLiteral);
  } catch {
    return formatMoney({ amountMinor: BigInt(minor), currency: code });
  }
}

/** "12.5" EUR → 1250n; null when not a plain non-negative decimal with at most the currency's decimals. */
export function decimalToMinor(input: string, currency: string): bigint | null {
  const exponent = exponentOf(currency);
  const text = input.trim();
  if (exponent === null || !/^\d{1,18}(\.\d+)?$/.test(text)) return null;
  const [whole = "0", fraction = ""] = text.split(".");
  if (fraction.length > exponent) return null;
  return BigInt(whole + fraction.padEnd(exponent, "0"));
}
