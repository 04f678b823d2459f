// Property: capture and refund postings always balance, and the merchant's balance (available + pending) + fee_revenue
// always equals psp_receivable.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { computeFee } from "./fees";
import {
  assertBalanced,
  balanceFromTotals,
  capturePosting,
  type JournalEntryDraft,
  LEDGER_ACCOUNTS,
  type LedgerAccountCode,
  refundPosting,
} from "./postings";

const USD = parseCurrency("USD") as CurrencyCode;

const scheduleArb = fc.record({
  rateBps: fc.integer({ min: 0, max: 10_000 }),
  fixedMinor: fc.bigInt({ min: 0n, max: 1_000n }),
});

type Op = { kind: "capture"; amountMinor: bigint } | { kind: "refund"; fraction: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("capture" as const), amountMinor: fc.bigInt({ min: 1n, max: 10n ** 12n }) }),
  fc.record({ kind: fc.constant("refund" as const), fraction: fc.integer({ min: 1, max: 100 }) }),
);

function emptyTotals(): Record<LedgerAccountCode, { debitsMinor: bigint; creditsMinor: bigint }> {
  const totals = {} as Record<LedgerAccountCode, { debitsMinor: bigint; creditsMinor: bigint }>;
  for (const account of Object.keys(LEDGER_ACCOUNTS) as LedgerAccountCode[]) {
    totals[account] = { debitsMinor: 0n, creditsMinor: 0n };
  }
  return totals;
}

describe("posting properties", () => {
  it("every capture and refund posting balances", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 999_999_999_999_999_999n }),
        scheduleArb,
        (amountMinor, schedule) => {
          assertBalanced(
            capturePosting({ amountMinor, currency: USD, feeMinor: computeFee(amountMinor, schedule) }),
          );
          assertBalanced(refundPosting({ amountMinor, currency: USD }));
        },
      ),
    );
  });

  it("keeps the merchant balance + fee_revenue equal to psp_receivable after any captures and refunds", () => {
    fc.assert(
      fc.property(scheduleArb, fc.array(opArb, { maxLength: 40 }), (schedule, ops) => {
        const totals = emptyTotals();
        let refundableMinor = 0n;
        let feesMinor = 0n;

        const post = (entry: JournalEntryDraft) => {
          assertBalanced(entry);
          for (const line of entry.lines) {
            if (line.direction === "DEBIT") totals[line.account].debitsMinor += line.amountMinor;
            else totals[line.account].creditsMinor += line.amountMinor;
          }
        };

        for (const op of ops) {
          if (op.kind === "capture") {
            const feeMinor = computeFee(op.amountMinor, schedule);
            post(capturePosting({ amountMinor: op.amountMinor, currency: USD, feeMinor }));
            refundableMinor += op.amountMinor;
            feesMinor += feeMinor;
          } else if (refundableMinor > 0n) {
            const amountMinor = (refundableMinor * BigInt(op.fraction)) / 100n || 1n;
            post(refundPosting({ amountMinor, currency: USD }));
            refundableMinor -= amountMinor;
          }

          const receivable = balanceFromTotals("psp_receivable", totals.psp_receivable);
          // The merchant's whole balance: available (merchant_balance) plus pending (merchant_pending).
          const merchant =
            balanceFromTotals("merchant_balance", totals.merchant_balance) +
            balanceFromTotals("merchant_pending", totals.merchant_pending);
          const fees = balanceFromTotals("fee_revenue", totals.fee_revenue);
          expect(merchant + fees).toBe(receivable);
          expect(receivable).toBe(refundableMinor);
          expect(fees).toBe(feesMinor);
        }
      }),
    );
  });
});
