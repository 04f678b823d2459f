// Property: whatever the amounts, rates, fees and currencies, every leg of a conversion balances in its own
// currency, the merchant and fee lines never exceed the converted amount, and a full refund at the captured
// rate returns exactly what the merchant was credited plus the fee.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertBalanced, type JournalEntryDraft } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import { captureConversion, refundConversion } from "./fx-postings";
import { reduce } from "./fx-rate";

const CURRENCIES = ["USD", "EUR", "JPY", "KWD", "GBP", "CLP", "BHD"] as CurrencyCode[];
const pair = fc
  .tuple(fc.constantFrom(...CURRENCIES), fc.constantFrom(...CURRENCIES))
  .filter(([a, b]) => a !== b);
const ratio = fc.bigInt({ min: 1n, max: 10_000_000_000n }).map((n) => reduce(n, 1_000_000n));

function totals(entries: JournalEntryDraft[]) {
  const byCurrency = new Map<string, bigint>();
  for (const entry of entries)
    for (const line of entry.lines)
      byCurrency.set(
        entry.currency,
        (byCurrency.get(entry.currency) ?? 0n) +
          (line.direction === "DEBIT" ? line.amountMinor : -line.amountMinor),
      );
  return byCurrency;
}

describe("conversion postings", () => {
  it("balance per currency, for captures and refunds", () => {
    fc.assert(
      fc.property(
        pair,
        ratio,
        ratio,
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.bigInt({ min: 0n, max: 100_000n }),
        ([from, to], captured, today, amount, rateBps, fxFeeBps, fixed) => {
          const when = new Date(0);
          const capture = captureConversion({
            amountMinor: amount,
            currency: from,
            fee: { rateBps, fixedMinor: fixed },
            fx: {
              settlementCurrency: to,
              rate: { base: from, quote: to, ...captured, source: "T", asOf: when, path: "DIRECT" },
              fxFeeBps,
            },
          });
          const refund = refundConversion({
            amountMinor: amount,
            currency: from,
            fx: {
              settlementCurrency: to,
              capturedAt: captured,
              today: { base: from, quote: to, ...today, source: "T", asOf: when, path: "DIRECT" },
            },
          });
          const entries = [capture.sourceEntry, refund.sourceEntry];
          for (const leg of [capture.conversion.settlementEntry, refund.conversion.settlementEntry])
            if (leg) entries.push(leg);
          for (const entry of entries) assertBalanced(entry);
          for (const total of totals(entries).values()) expect(total).toBe(0n);
          expect(capture.conversion.feeMinor <= capture.conversion.settlementMinor).toBe(true);
          // The merchant bears a full refund at the captured rate: what it was credited plus the fee.
          expect(refund.conversion.originalSettlementMinor).toBe(capture.conversion.settlementMinor);
          expect(refund.conversion.gainLossMinor).toBe(
            capture.conversion.settlementMinor - refund.conversion.settlementMinor,
          );
        },
      ),
      { numRuns: 1500 },
    );
  });
});
