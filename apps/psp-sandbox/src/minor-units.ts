import { currencyExponent, parseCurrency } from "@paycore/core/money/currency";

/** Returns the ISO 4217 exponent (USD 2, JPY 0, KWD 3), or null for an unknown or unsupported code. */
export function exponentOf(currency: string): number | null {
  const code = parseCurrency(currency.toUpperCase());
  return code === null ? null : currencyExponent(code);
}

/**
 * Formats an integer count of minor units as a major-unit decimal string, exactly (no floating
 * point): 1234n USD → "12.34", -500n USD → "-5.00", 500n JPY → "500", 1234n KWD → "1.234".
 */
export function formatMinorUnits(amountMinor: bigint, currency: string): string {
  const exponent = exponentOf(currency);
  if (exponent === null) throw new Error(`unknown currency ${currency}`);
  const sign = amountMinor < 0n ? "-" : "";
  const digits = (amountMinor < 0n ? -amountMinor : amountMinor).toString();
  if (exponent === 0) return `${sign}${digits}`;
  const padded = digits.padStart(exponent + 1, "0");
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/** Half-up rounding of amountMinor × basisPoints / 10 000, for non-negative amounts. */
export function basisPointsOf(amountMinor: bigint, basisPoints: bigint): bigint {
  return (amountMinor * basisPoints + 5_000n) / 10_000n;
}
