import { exponentOf as exponentOfCode, parseCurrency } from "@paycore/core/money/currency";
import { parseDecimalAmount } from "@paycore/core/money/decimal-amount";
import { formatMinorUnits as formatCurrencyMinorUnits } from "@paycore/core/money/money";
import { REPORT_AMOUNT_MINOR_MAX } from "@paycore/core/reconciliation/settlement-line";

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

/**
 * A report cell back in minor units, by the core's one decimal rule (signed, a report line's bound): "-12.34"
 * "usd" → -1234n; an empty cell is zero. The sandbox reads only what it wrote, so anything else is a bug.
 */
export function readMinorUnits(text: string, currency: string): bigint {
  if (text === "") return 0n;
  const code = parseCurrency(currency.toUpperCase());
  if (code === null) throw new Error(`unknown currency ${currency}`);
  const reading = parseDecimalAmount(text, code, { negative: true, maximumMinor: REPORT_AMOUNT_MINOR_MAX });
  if (!reading.ok) throw new Error(`"${text}" is not an amount in ${currency} (${reading.reason})`);
  return reading.amountMinor;
}

/** Half-up rounding of amountMinor × basisPoints / 10 000, for non-negative amounts. */
export function basisPointsOf(amountMinor: bigint, basisPoints: bigint): bigint {
  return (amountMinor * basisPoints + 5_000n) / 10_000n;
}
