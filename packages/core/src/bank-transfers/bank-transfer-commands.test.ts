// Pins what the bank-transfer commands write for each credit and for an expiry: the status change through the
// payment state table, the audit event, the outbox message, the entries and the queued returns; and the
// notification fields they refuse before anything is read.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import type { MerchantId, PaymentId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import type { PaymentRecord } from "../payments/payment-record";
import type { LockedTransfer } from "../ports/bank-transfer-store";
import { type IncomingCredit, virtualIbanFor } from "./bank-transfer";
import { decideCreditWrite, parseIncomingCredit } from "./bank-transfer-commands";

const EUR = "EUR" as CurrencyCode;
const paymentId = "pay_01JF0000000000000000000000" as PaymentId;
const merchantId = "mer_01JF0000000000000000000000" as MerchantId;

function locked(status: PaymentRecord["status"], received = 0n): LockedTransfer {
  return {
    transfer: {
      paymentId,
      merchantId,
      mode: "TEST",
      reference: "PCABCDEFGH1234",
      iban: virtualIbanFor("PCABCDEFGH1234"),
      bic: "PYCRNL2A",
      currency: EUR,
      amountDueMinor: 10_000n,
      amountReceivedMinor: received,
      expiresAt: new Date("2026-12-10T00:00:00Z"),
    },
    payment: { id: paymentId, merchantId, mode: "TEST", status, version: 3 } as PaymentRecord,
    fee: { rateBps: 290, fixedMinor: 30n },
  };
}

const credit = (amountMinor: bigint, currency = EUR): IncomingCredit => ({
  eventId: "bev_1",
  transferId: "btr_1",
  amountMinor,
  currency,
  reference: "PCABCDEFGH1234",
  iban: null,
  receivedAt: new Date("2026-12-09T00:00:00Z"),
});

describe("decideCreditWrite", () => {
  it("captures on the whole amount, fee from the merchant's schedule, nothing returned", () => {
    const write = decideCreditWrite(locked("AWAITING_FUNDS"), credit(10_000n));
    expect(write.outcome).toBe("completed");
    expect(write.patch).toEqual({ status: "CAPTURED", amountCapturedMinor: 10_000n });
    expect(write.events.map((e) => [e.type, e.oldStatus, e.newStatus, e.source])).toEqual([
      ["payment.captured", "AWAITING_FUNDS", "CAPTURED", "WEBHOOK"],
    ]);
    expect(write.outbox).toEqual([{ topic: "payment.captured", payload: { paymentId, status: "CAPTURED" } }]);
    expect(write.journal[0]?.lines).toContainEqual({
      account: "fee_revenue",
      direction: "CREDIT",
      amountMinor: 320n,
    });
    expect(write.returns).toEqual([]);
  });

  it("keeps a short payment waiting, with no status change and no outbox message", () => {
    const write = decideCreditWrite(locked("AWAITING_FUNDS"), credit(4_000n));
    expect(write).toMatchObject({ outcome: "partial", patch: {}, outbox: [], amountReceivedMinor: 4_000n });
    expect(write.events[0]).toMatchObject({ oldStatus: "AWAITING_FUNDS", newStatus: "AWAITING_FUNDS" });
  });

  it("queues the excess of an overpayment for return to the transfer it came with", () => {
    const write = decideCreditWrite(locked("AWAITING_FUNDS", 4_000n), credit(7_000n));
    expect(write.outcome).toBe("overpaid");
    expect(write.returns).toEqual([
      expect.objectContaining({ transferId: "btr_1", amountMinor: 1_000n, currency: EUR, reason: "excess" }),
    ]);
  });

  it.each([
    ["a captured payment", locked("CAPTURED"), credit(10_000n), "not_awaiting_funds"],
    ["a cancelled payment", locked("CANCELLED"), credit(10_000n), "not_awaiting_funds"],
    [
      "another currency",
      locked("AWAITING_FUNDS"),
      credit(10_000n, "USD" as CurrencyCode),
      "not_awaiting_funds",
    ],
  ])("returns a credit for %s in full, changing no status", (_name, state, incoming, reason) => {
    const write = decideCreditWrite(state, incoming);
    expect(write.outcome).toBe("returned");
    expect(write.patch).toEqual({});
    expect(write.returns).toEqual([
      expect.objectContaining({ amountMinor: 10_000n, currency: incoming.currency, reason }),
    ]);
    expect(write.journal.map((e) => e.kind)).toEqual(["bank_transfer.owed"]);
  });
});

describe("parseIncomingCredit", () => {
  const valid = {
    eventId: "bev_1",
    transferId: "btr_1",
    amount: "100",
    currency: "EUR",
    reference: "pcab cdef gh12 34",
    iban: null,
    receivedAt: "2026-12-09T00:00:00Z",
  };

  it("normalises the quoted reference (spaces, case)", () => {
    expect(parseIncomingCredit(valid).reference).toBe("PCABCDEFGH1234");
  });

  it.each([
    ["eventId", { eventId: "bev 1" }],
    ["transferId", { transferId: "" }],
    ["amount", { amount: "1.00" }],
    ["amount", { amount: "0" }],
    ["currency", { currency: "EURO" }],
    ["reference", { reference: null }],
    ["receivedAt", { receivedAt: "yesterday" }],
  ])("refuses a bad %s", (field, change) => {
    try {
      parseIncomingCredit({ ...valid, ...change });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).field).toEqual([field]);
    }
  });
});
