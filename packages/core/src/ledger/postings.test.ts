// Checks the exact lines of capture and refund journal entries and that unbalanced drafts are rejected as bugs.
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import {
  assertBalanced,
  balanceFromTotals,
  capturePosting,
  type JournalEntryDraft,
  type LedgerAccountCode,
  type PostingLine,
  refundPosting,
} from "./postings";

const USD = parseCurrency("USD") as CurrencyCode;

function draft(lines: PostingLine[]): JournalEntryDraft {
  return { kind: "payment.captured", currency: USD, lines };
}

describe("capturePosting", () => {
  it.each([
    [
      "amount with a fee",
      1000n,
      59n,
      [
        { account: "psp_receivable", direction: "DEBIT", amountMinor: 1000n },
        { account: "merchant_pending", direction: "CREDIT", amountMinor: 941n },
        { account: "fee_revenue", direction: "CREDIT", amountMinor: 59n },
      ],
    ],
    [
      "no fee",
      1000n,
      0n,
      [
        { account: "psp_receivable", direction: "DEBIT", amountMinor: 1000n },
        { account: "merchant_pending", direction: "CREDIT", amountMinor: 1000n },
      ],
    ],
    [
      "fee equal to the amount",
      20n,
      20n,
      [
        { account: "psp_receivable", direction: "DEBIT", amountMinor: 20n },
        { account: "fee_revenue", direction: "CREDIT", amountMinor: 20n },
      ],
    ],
  ] as [string, bigint, bigint, PostingLine[]][])("posts %s", (_label, amountMinor, feeMinor, lines) => {
    expect(capturePosting({ amountMinor, currency: USD, feeMinor })).toEqual({
      kind: "payment.captured",
      currency: USD,
      lines,
    });
  });

  it.each([
    ["a zero amount", 0n, 0n],
    ["a negative fee", 100n, -1n],
    ["a fee above the amount", 100n, 101n],
  ])("rejects %s", (_label, amountMinor, feeMinor) => {
    expect(() => capturePosting({ amountMinor, currency: USD, feeMinor })).toThrow(InvariantError);
  });
});

describe("refundPosting", () => {
  it("moves the full refunded amount out of the merchant balance", () => {
    expect(refundPosting({ amountMinor: 400n, currency: USD })).toEqual({
      kind: "refund.succeeded",
      currency: USD,
      lines: [
        { account: "merchant_balance", direction: "DEBIT", amountMinor: 400n },
        { account: "psp_receivable", direction: "CREDIT", amountMinor: 400n },
      ],
    });
  });

  it("rejects a zero refund", () => {
    expect(() => refundPosting({ amountMinor: 0n, currency: USD })).toThrow(InvariantError);
  });
});

describe("assertBalanced", () => {
  it.each([
    ["a single line", [{ account: "psp_receivable", direction: "DEBIT", amountMinor: 0n }]],
    ["no lines", []],
    [
      "unequal sides",
      [
        { account: "psp_receivable", direction: "DEBIT", amountMinor: 100n },
        { account: "merchant_balance", direction: "CREDIT", amountMinor: 99n },
      ],
    ],
    [
      "a zero line",
      [
        { account: "psp_receivable", direction: "DEBIT", amountMinor: 100n },
        { account: "merchant_balance", direction: "CREDIT", amountMinor: 100n },
        { account: "fee_revenue", direction: "CREDIT", amountMinor: 0n },
      ],
    ],
    [
      "a negative line that would balance",
      [
        { account: "psp_receivable", direction: "DEBIT", amountMinor: 100n },
        { account: "merchant_balance", direction: "CREDIT", amountMinor: 150n },
        { account: "fee_revenue", direction: "CREDIT", amountMinor: -50n },
      ],
    ],
    [
      "an unknown account",
      [
        { account: "cash" as LedgerAccountCode, direction: "DEBIT", amountMinor: 100n },
        { account: "merchant_balance", direction: "CREDIT", amountMinor: 100n },
      ],
    ],
  ] as [string, PostingLine[]][])("rejects %s", (_label, lines) => {
    expect(() => assertBalanced(draft(lines))).toThrow(InvariantError);
  });

  it("accepts a balanced entry", () => {
    expect(() =>
      assertBalanced(
        draft([
          { account: "psp_receivable", direction: "DEBIT", amountMinor: 100n },
          { account: "merchant_balance", direction: "CREDIT", amountMinor: 100n },
        ]),
      ),
    ).not.toThrow();
  });
});

describe("balanceFromTotals", () => {
  it.each([
    ["psp_receivable", 1000n, 400n, 600n],
    ["merchant_balance", 400n, 941n, 541n],
    ["fee_revenue", 0n, 59n, 59n],
    ["merchant_balance", 1000n, 941n, -59n],
  ] as [LedgerAccountCode, bigint, bigint, bigint][])(
    "%s with debits %s and credits %s -> %s",
    (account, debitsMinor, creditsMinor, expected) => {
      expect(balanceFromTotals(account, { debitsMinor, creditsMinor })).toBe(expected);
    },
  );
});
