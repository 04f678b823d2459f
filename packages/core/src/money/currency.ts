import { data } from "currency-codes";
import { invariant } from "../errors/domain-error";

export type CurrencyCode = string & { readonly __brand: "CurrencyCode" };

// ISO 4217 lists these with minor unit "N.A." (precious metals, bond units, SDR, testing,
// no-currency). currency-codes collapses "N.A." to 0, which would make them look like
// zero-decimal money, so they are excluded by name. Everything else comes from the data.
const NO_MINOR_UNIT_CODES: ReadonlySet<string> = new Set([
  "XAG",
  "XAU",
  "XBA",
  "XBB",
  "XBC",
  "XBD",
  "XDR",
  "XPD",
  "XPT",
  "XSU",
  "XTS",
  "XUA",
  "XXX",
]);

const EXPONENTS: ReadonlyMap<string, number> = new Map(
  data
    .filter((record) => !NO_MINOR_UNIT_CODES.has(record.code) && Number.isInteger(record.digits))
    .map((record) => [record.code, record.digits] as const),
);

/** Returns null for anything that is not an exact, upper-case ISO 4217 currency with a defined minor unit. */
export function parseCurrency(input: string): CurrencyCode | null {
  // currency-codes upper-cases its argument; the API contract is case-sensitive.
  if (typeof input !== "string" || !/^[A-Z]{3}$/.test(input)) {
    return null;
  }
  return EXPONENTS.has(input) ? (input as CurrencyCode) : null;
}

export function currencyExponent(currency: CurrencyCode): number {
  const exponent = EXPONENTS.get(currency);
  invariant(exponent !== undefined, `currency ${String(currency)} was not produced by parseCurrency`);
  return exponent;
}

/** The exponent of a currency given as text (USD 2, JPY 0, KWD 3), or null when it is not a supported code. */
export function exponentOf(currency: string): number | null {
  const code = parseCurrency(currency);
  return code === null ? null : currencyExponent(code);
}

/** All supported currencies, sorted; handy for docs and for generators in property tests. */
export function supportedCurrencies(): CurrencyCode[] {
  return [...EXPONENTS.keys()].sort() as CurrencyCode[];
}
