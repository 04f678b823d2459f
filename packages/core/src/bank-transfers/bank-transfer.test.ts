// Pins what an incoming credit does to a bank-transfer payment (exact, partial, over, late, after payment), the
// entries each posts (balanced, the capture exactly the amount due), and the instructions' formats.
import { describe, expect, it } from "vitest";
import type { MerchantId, PaymentId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import {
  type BankTransferRecord,
  creditPostings,
  decideCredit,
  expiryPosting,
  ibanChecksumValid,
  newBankTransferReference,
  REFERENCE_PATTERN,
  returnPosting,
  virtualIbanFor,
} from "./bank-transfer";

const EUR = "EUR" as CurrencyCode;
const expiresAt = new Date("2026-12-10T00:00:00Z");
const before = new Date("2026-12-09T00:00:00Z");
const after = new Date("2026-12-11T00:00:00Z");

function transfer(received = 0n): BankTransferRecord {
  return {
    paymentId: "pay_01JF0000000000000000000000" as PaymentId,
    merchantId: "mer_01JF0000000000000000000000" as MerchantId,
    mode: "TEST",
    reference: "PCABCDEFGH1234",
    iban: virtualIbanFor("PCABCDEFGH1234"),
    bic: "PYCRNL2A",
    currency: EUR,
    amountDueMinor: 10_000n,
    amountReceivedMinor: received,
    expiresAt,
  };
}

function sums(entry: { lines: Array<{ direction: string; amountMinor: bigint }> }) {
  const total = (direction: string) =>
    entry.lines.filter((l) => l.direction === direction).reduce((sum, l) => sum + l.amountMinor, 0n);
  return { debits: total("DEBIT"), credits: total("CREDIT") };
}

describe("decideCredit", () => {
  it.each([
    [
      "exact",
      0n,
      10_000n,
      before,
      { kind: "completed", amountReceivedMinor: 10_000n, appliedFromEarlierMinor: 0n, excessMinor: 0n },
    ],
    ["partial", 0n, 4_000n, before, { kind: "partial", amountReceivedMinor: 4_000n }],
    [
      "partial then completed",
      4_000n,
      6_000n,
      before,
      { kind: "completed", amountReceivedMinor: 10_000n, appliedFromEarlierMinor: 4_000n, excessMinor: 0n },
    ],
    [
      "over",
      0n,
      12_500n,
      before,
      { kind: "completed", amountReceivedMinor: 12_500n, appliedFromEarlierMinor: 0n, excessMinor: 2_500n },
    ],
    [
      "partial then over",
      4_000n,
      7_000n,
      before,
      {
        kind: "completed",
        amountReceivedMinor: 11_000n,
        appliedFromEarlierMinor: 4_000n,
        excessMinor: 1_000n,
      },
    ],
    ["late", 0n, 10_000n, after, { kind: "returned", reason: "expired" }],
  ] as const)("%s", (_name, received, amount, receivedAt, expected) => {
    expect(decideCredit(transfer(received), true, { amountMinor: amount, receivedAt })).toEqual(expected);
  });

  it("returns a credit for a payment no longer awaiting funds (already paid, or expired and cancelled)", () => {
    expect(decideCredit(transfer(), false, { amountMinor: 10_000n, receivedAt: before })).toEqual({
      kind: "returned",
      reason: "not_awaiting_funds",
    });
  });
});

describe("creditPostings", () => {
  const credit = { eventId: "bev_1", amountMinor: 0n, currency: EUR };

  it("captures exactly the amount due, from this credit and earlier partials, fee to revenue", () => {
    const decision = decideCredit(transfer(4_000n), true, { amountMinor: 7_000n, receivedAt: before });
    const entries = creditPostings(decision, { ...credit, amountMinor: 7_000n }, 10_000n, 320n);
    expect(entries.map((e) => [e.kind, e.sourceEventKey])).toEqual([
      ["payment.captured", "bank:bev_1"],
      ["bank_transfer.owed", "bank:bev_1:excess"],
    ]);
    const [capture, excess] = entries;
    expect(sums(capture!)).toEqual({ debits: 10_000n, credits: 10_000n });
    expect(capture!.lines).toContainEqual({ account: "fee_revenue", direction: "CREDIT", amountMinor: 320n });
    expect(capture!.lines).toContainEqual({
      account: "bank_transfer_unapplied",
      direction: "DEBIT",
      amountMinor: 4_000n,
    });
    expect(excess!.lines).toEqual([
      { account: "bank_transfer_cash", direction: "DEBIT", amountMinor: 1_000n },
      { account: "bank_transfer_owed", direction: "CREDIT", amountMinor: 1_000n },
    ]);
  });

  it("holds a partial credit as unapplied, and owes a returned one", () => {
    const partial = creditPostings(
      { kind: "partial", amountReceivedMinor: 4_000n },
      { ...credit, amountMinor: 4_000n },
      10_000n,
      0n,
    );
    expect(partial).toHaveLength(1);
    expect(partial[0]!.lines.map((l) => l.account)).toEqual([
      "bank_transfer_cash",
      "bank_transfer_unapplied",
    ]);
    const returned = creditPostings(
      { kind: "returned", reason: "expired" },
      { ...credit, amountMinor: 500n },
      10_000n,
      0n,
    );
    expect(returned[0]!.lines.map((l) => l.account)).toEqual(["bank_transfer_cash", "bank_transfer_owed"]);
  });

  it("posts the expiry and the return balanced, each under its own source key", () => {
    expect(expiryPosting(transfer().paymentId, EUR, 0n)).toBeNull();
    const expiry = expiryPosting(transfer().paymentId, EUR, 4_000n);
    expect(sums(expiry!)).toEqual({ debits: 4_000n, credits: 4_000n });
    const sent = returnPosting("bret_1", EUR, 4_000n);
    expect(sent.sourceEventKey).toBe("return:bret_1");
    expect(sums(sent)).toEqual({ debits: 4_000n, credits: 4_000n });
  });
});

describe("instructions", () => {
  it("makes references of the documented shape, from the given randomness", () => {
    for (let seed = 0; seed < 50; seed++) {
      const reference = newBankTransferReference((size) => new Uint8Array(size).fill(seed * 5));
      expect(reference).toMatch(REFERENCE_PATTERN);
    }
  });

  it("makes virtual IBANs with valid check digits and no long digit run", () => {
    for (let seed = 0; seed < 50; seed++) {
      const iban = virtualIbanFor(newBankTransferReference());
      expect(ibanChecksumValid(iban)).toBe(true);
      expect(iban).toMatch(/^NL\d{2}PYCR\d{10}$/);
    }
    expect(ibanChecksumValid("NL91ABNA0417164300")).toBe(true);
    expect(ibanChecksumValid("NL92ABNA0417164300")).toBe(false);
  });
});
