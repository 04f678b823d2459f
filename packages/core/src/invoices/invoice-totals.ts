// An invoice's amounts, exactly, in integer minor units. Each line is quantity x unit amount; its tax is computed
// per line and rounded half-to-even to the currency's minor unit (so a long invoice's rounding does not drift one
// way), then the invoice sums the rounded lines. A tax rate is in basis points of a percent-free fraction:
// 1950 = 19.50 %, at most 10000 (100 %).
// - exclusive: the line amount is net; tax = round(net x rate / 10000); gross = net + tax.
// - inclusive: the line amount is gross; net = round(gross x 10000 / (10000 + rate)); tax = gross - net, so
//   net + tax is exactly what the customer was shown.
import { DomainError } from "../errors/domain-error";
import type { CurrencyCode } from "../money/currency";
import { maxAmountMinor } from "../money/money";

export const TAX_RATE_BPS_MAX = 10_000;
export const INVOICE_LINES_MAX = 100;
export const LINE_QUANTITY_MAX = 1_000_000;

export type TaxBehavior = "EXCLUSIVE" | "INCLUSIVE";

export interface InvoiceLineInput {
  quantity: number;
  unitAmountMinor: bigint;
  /** Null: the line is not taxed. */
  taxRateBps: number | null;
  taxBehavior: TaxBehavior;
}

export interface LineAmounts {
  netMinor: bigint;
  taxMinor: bigint;
  grossMinor: bigint;
}

export interface InvoiceAmounts extends LineAmounts {
  lines: LineAmounts[];
}

/** n / d rounded half to even, for n >= 0 and d > 0. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n || denominator <= 0n) throw new RangeError("divideHalfEven takes n >= 0 and d > 0");
  const quotient = numerator / denominator;
  const twiceRemainder = (numerator % denominator) * 2n;
  if (twiceRemainder > denominator) return quotient + 1n;
  if (twiceRemainder === denominator) return quotient % 2n === 0n ? quotient : quotient + 1n;
  return quotient;
}

export function assertTaxRate(taxRateBps: number | null, field: string[]): void {
  if (taxRateBps === null) return;
  if (!Number.isInteger(taxRateBps) || taxRateBps < 0 || taxRateBps > TAX_RATE_BPS_MAX)
    throw new DomainError(
      "INVALID_INPUT",
      `taxRateBps must be an integer from 0 to ${TAX_RATE_BPS_MAX} (basis points: 1950 = 19.5%).`,
      { field },
    );
}

export function lineAmounts(line: InvoiceLineInput): LineAmounts {
  const amount = BigInt(line.quantity) * line.unitAmountMinor;
  const rate = BigInt(line.taxRateBps ?? 0);
  if (line.taxBehavior === "INCLUSIVE") {
    const netMinor = divideHalfEven(amount * 10_000n, 10_000n + rate);
    return { netMinor, taxMinor: amount - netMinor, grossMinor: amount };
  }
  const taxMinor = divideHalfEven(amount * rate, 10_000n);
  return { netMinor: amount, taxMinor, grossMinor: amount + taxMinor };
}

/** The lines' amounts and their sums; a total above the currency's maximum is AMOUNT_TOO_LARGE. */
export function invoiceAmounts(lines: readonly InvoiceLineInput[], currency: CurrencyCode): InvoiceAmounts {
  const computed = lines.map(lineAmounts);
  const sum = (pick: (line: LineAmounts) => bigint) =>
    computed.reduce((total, line) => total + pick(line), 0n);
  const amounts = {
    lines: computed,
    netMinor: sum((line) => line.netMinor),
    taxMinor: sum((line) => line.taxMinor),
    grossMinor: sum((line) => line.grossMinor),
  };
  if (amounts.grossMinor > maxAmountMinor(currency))
    throw new DomainError("AMOUNT_TOO_LARGE", `the invoice total exceeds the ${currency} maximum.`, {
      field: ["lines"],
    });
  return amounts;
}
