// Balance arithmetic: the three parts from account totals, the total, and the payout rule.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { assertBalanced, capturePosting, type JournalEntryDraft, refundPosting } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import { assertPayoutFits, balanceParts, totalBalance } from "./balance";
import {
  payoutCreatedPosting,
  payoutPaidPosting,
  payoutReturnedPosting,
  payoutReversalPosting,
  releasePosting,
} from "./payout-postings";

const EUR = "EUR" as CurrencyCode;

function ledger(entries: JournalEntryDraft[]) {
  const totals: Record<string, { debitsMinor: bigint; creditsMinor: bigint }> = {};
  for (const entry of entries) {
    assertBalanced(entry);
    for (const line of entry.lines) {
      const t = totals[line.account] ?? { debitsMinor: 0n, creditsMinor: 0n };
      totals[line.account] = t;
      if (line.direction === "DEBIT") t.debitsMinor += line.amountMinor;
      else t.creditsMinor += line.amountMinor;
    }
  }
  return totals;
}

describe("balance parts", () => {
  it("puts a capture's share in pending and the release moves it to available", () => {
    const capture = capturePosting({ amountMinor: 10_000n, currency: EUR, feeMinor: 320n });
    expect(balanceParts(ledger([capture]))).toEqual({
      availableMinor: 0n,
      pendingMinor: 9_680n,
      reservedMinor: 0n,
    });
    const released = ledger([capture, releasePosting({ amountMinor: 9_680n, currency: EUR })]);
    expect(balanceParts(released)).toEqual({ availableMinor: 9_680n, pendingMinor: 0n, reservedMinor: 0n });
  });

  it("lets a refund take available below zero while the capture is still pending", () => {
    const parts = balanceParts(
      ledger([
        capturePosting({ amountMinor: 10_000n, currency: EUR, feeMinor: 320n }),
        refundPosting({ amountMinor: 4_000n, currency: EUR }),
      ]),
    );
    expect(parts).toEqual({ availableMinor: -4_000n, pendingMinor: 9_680n, reservedMinor: 0n });
    expect(totalBalance(parts)).toBe(5_680n);
  });

  it("reverses a failed, cancelled or returned payout exactly", () => {
    const base = [
      capturePosting({ amountMinor: 10_000n, currency: EUR, feeMinor: 0n }),
      releasePosting({ amountMinor: 10_000n, currency: EUR }),
      payoutCreatedPosting({ amountMinor: 6_000n, currency: EUR }),
    ];
    expect(balanceParts(ledger(base)).availableMinor).toBe(4_000n);
    for (const kind of ["payout.failed", "payout.canceled"] as const) {
      const totals = ledger([...base, payoutReversalPosting({ kind, amountMinor: 6_000n, currency: EUR })]);
      expect(balanceParts(totals).availableMinor).toBe(10_000n);
      expect(totals.payouts_in_transit?.creditsMinor).toBe(totals.payouts_in_transit?.debitsMinor);
    }
    const returned = ledger([
      ...base,
      payoutPaidPosting({ amountMinor: 6_000n, currency: EUR }),
      payoutReturnedPosting({ amountMinor: 6_000n, currency: EUR }),
    ]);
    expect(balanceParts(returned).availableMinor).toBe(10_000n);
    expect(returned.payout_bank?.creditsMinor).toBe(returned.payout_bank?.debitsMinor);
  });
});

describe("assertPayoutFits", () => {
  it("allows up to the available balance", () => {
    expect(() => assertPayoutFits(5_000n, 5_000n)).not.toThrow();
    expect(() => assertPayoutFits(5_000n, 1n)).not.toThrow();
  });

  it.each([
    [5_000n, 5_001n, "PAYOUT_INSUFFICIENT_BALANCE"],
    [0n, 1n, "PAYOUT_INSUFFICIENT_BALANCE"],
    [-1n, 1n, "PAYOUT_BALANCE_NEGATIVE"],
  ] as const)("refuses %s available for %s with %s", (available, amount, code) => {
    try {
      assertPayoutFits(available, amount);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(code);
    }
  });
});
