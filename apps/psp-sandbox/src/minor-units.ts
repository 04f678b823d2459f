import { exponentOf as exponentOfCode, parseCurrency } from "@paycore/core/money/currency";
import { formatMinorUnits as formatCurrencyMinorUnits } from "@paycore/core/money/money";

/**
 * The core's exponent (USD 2, JPY 0, KWD 3) for a currency as a PSP writes it: Stripe in lower case, Adyen in
 * upper case. Null for an unknown or unsupported code.
 */
export function exponentOf(currency: string): number | null {
  return exponentOfCode(currency.toUpperCase());
}

/** The core's one minor-to-decimal formatter, for a currency in either case: 1234n "usd" → "12.34". */
export function formatMinorUnits(amountMinor: bigint, currency: string): string {
  const code = parseCurrency(currency.toUpperCase());
  if (code === null) throw new Error(`unknown currency ${currency}`);
  return formatCurrencyMinorUnits(amountMinor, code);
}

/** Half-up rounding of amountMinor × basisPoints / 10 000, for non-negative amounts. */
export function basisPointsOf(amountMinor: bigint, basisPoints: bigint): bigint {
  return (amountMinor * basisPoints + 5_000n) / 10_000n;
}
