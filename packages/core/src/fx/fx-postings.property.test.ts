// Property: whatever the amounts, rates, fees and currencies, every leg of a conversion balances in its own
// currency, the merchant and fee lines never exceed the converted amount, and a full refund at the captured
// rate returns exactly what the merchant was credited plus the fee; a dispute withdrawn then reinstated leaves the
// merchant short by exactly its fee at the captured rate (or less, by one rounding), whatever today's rates.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertBalanced, type JournalEntryDraft } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import { captureConversion, disputeConversion, refundConversion } from "./fx-postings";
import { convertMinor, reduce } from "./fx-rate";

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
            refundedBeforeMinor: 0n,
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

  it("balance per currency for a dispute and its reversal; the merchant bears the amount at the captured rate", () => {
    fc.assert(
      fc.property(
        pair,
        ratio,
        ratio,
        ratio,
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 100_000n }),
        ([from, to], captured, atDispute, atWin, amount, fee) => {
          const when = new Date(0);
          const applied = (r: typeof captured) => ({
            base: from,
            quote: to,
            ...r,
            source: "T",
            asOf: when,
            path: "DIRECT" as const,
          });
          const withdrawal = disputeConversion({
            movement: "withdrawal",
            amountMinor: amount,
            feeMinor: fee,
            currency: from,
            fx: { settlementCurrency: to, capturedAt: captured, today: applied(atDispute) },
          });
          const reinstatement = disputeConversion({
            movement: "reinstatement",
            amountMinor: amount,
            feeMinor: 0n,
            currency: from,
            fx: { settlementCurrency: to, capturedAt: captured, today: applied(atWin) },
          });
          const entries = [withdrawal.sourceEntry, reinstatement.sourceEntry];
          for (const leg of [withdrawal.conversion.settlementEntry, reinstatement.conversion.settlementEntry])
            if (leg) entries.push(leg);
          for (const entry of entries) assertBalanced(entry);
          for (const total of totals(entries).values()) expect(total).toBe(0n);
          // The merchant's balance: out (amount + fee) at the captured rate, back the amount at the captured rate.
          const merchant = (entry: JournalEntryDraft | null) =>
            (entry?.lines ?? [])
              .filter((line) => line.account === "merchant_balance")
              .reduce(
                (sum, line) => sum + (line.direction === "CREDIT" ? line.amountMinor : -line.amountMinor),
                0n,
              );
          const net =
            merchant(withdrawal.conversion.settlementEntry) +
            merchant(reinstatement.conversion.settlementEntry);
          const capturedRate = { base: from, quote: to, ...captured };
          expect(-net).toBe(convertMinor(amount + fee, capturedRate) - convertMinor(amount, capturedRate));
          expect(withdrawal.conversion.gainLossMinor).toBe(
            (withdrawal.conversion.originalSettlementMinor ?? 0n) - withdrawal.conversion.settlementMinor,
          );
          expect(reinstatement.conversion.gainLossMinor).toBe(
            reinstatement.conversion.settlementMinor -
              (reinstatement.conversion.originalSettlementMinor ?? 0n),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
