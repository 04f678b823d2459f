// Money on a page or in a document, in the reader's locale: the one localised formatter, shared by the console,
// the API's hosted pages and the platform's receipts and invoices. Pure: Intl is part of the language, and the
// locale is always the caller's, never the machine's.
import { type CurrencyCode, currencyExponent, parseCurrency } from "./currency";
import { formatMinorUnits } from "./money";

// A page or document formats a handful of currencies in one locale: a small cache, cleared when full (a locale
// comes from Accept-Language, so its variety is bounded here, not by the caller).
const LOCALISED_FORMATS_MAX = 64;
const localisedFormats = new Map<string, Intl.NumberFormat>();

/**
 * A tag Intl cannot place would fall back to the process's default locale, which depends on the machine: a
 * malformed or unsupported tag gets en-US instead, the same everywhere.
 */
function supportedLocale(locale: string): string {
  try {
    return Intl.NumberFormat.supportedLocalesOf(locale)[0] ?? "en-US";
  } catch {
    return "en-US";
  }
}

function localisedFormat(locale: string, currency: CurrencyCode): Intl.NumberFormat {
  const key = `${currency} ${locale}`;
  let format = localisedFormats.get(key);
  if (format === undefined) {
    const exponent = currencyExponent(currency);
    format = new Intl.NumberFormat(supportedLocale(locale), {
      style: "currency",
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    if (localisedFormats.size >= LOCALISED_FORMATS_MAX) localisedFormats.clear();
    localisedFormats.set(key, format);
  }
  return format;
}

/**
 * The one localised money formatter, for the console, the hosted checkout and 3-D Secure pages, and receipts and
 * invoices: "$1,234.56", "¥500", "KWD 1.234", "1.234,56 €" (de-DE), "-$5.00", with the currency's own decimals
 * (JPY 0, USD 2, KWD 3). Exact for any bigint: Intl.NumberFormat formats formatMinorUnits' decimal string, never a
 * number (Node 20's ICU reads a string as an exact decimal). A malformed or unknown `locale` falls back to en-US;
 * a currency that is not an ISO 4217 code with a minor unit shows the raw minor units and the code, never a guess.
 */
export function formatLocalisedAmount(amountMinor: bigint, currency: string, locale = "en-US"): string {
  const code = parseCurrency(currency);
  if (code === null) return `${amountMinor} ${currency}`;
  return localisedFormat(locale, code).format(
    formatMinorUnits(amountMinor, code) as Intl.StringNumericLiteral,
  );
}
