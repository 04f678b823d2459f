// Formatting shared by the hosted pages, PDFs and emails of documents (receipts, credit notes): amounts through
// the core's exact minor-to-decimal formatter and Intl.NumberFormat (never a float), and HTML escaping.
import { currencyExponent, parseCurrency } from "@paycore/core/money/currency";
import { formatMinorUnits, formatMoney } from "@paycore/core/money/money";

/** "$1,234.56", "¥500", "KWD 1.234": symbol and decimals per currency, in `locale`. */
export function formatAmount(amountMinor: bigint, currency: string, locale = "en-US"): string {
  const code = parseCurrency(currency);
  if (code === null) return `${amountMinor} ${currency}`;
  const exponent = currencyExponent(code);
  const decimal = formatMinorUnits(amountMinor, code);
  try {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency: code,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    }).format(decimal as Intl.StringNumericLiteral);
  } catch {
    return formatMoney({ amountMinor, currency: code });
  }
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** "Visa", "Mastercard", "American Express" from the stored brand code. */
export function cardBrandName(brand: string): string {
  const names: Record<string, string> = {
    visa: "Visa",
    mastercard: "Mastercard",
    amex: "American Express",
    discover: "Discover",
    jcb: "JCB",
    diners: "Diners Club",
    unionpay: "UnionPay",
  };
  return names[brand] ?? brand;
}

/** "2026-12-07" in UTC: documents show the day, the same in every time zone. */
export function documentDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}
