// Goal: a try the former direct pay path of the invoice page left PENDING (an unknown PSP outcome) is settled when
// the page is visited: a captured payment marks the invoice paid with its try, a declined one fails the try, one
// still pending stays pending, and an invoice that is not open is left alone.
import { describe, expect, it } from "vitest";
import type { InvoiceId, MerchantId } from "../ids/ids";
import type { InvoicePaymentTry, InvoiceRecord, InvoiceStore } from "../ports/invoice-store";
import type { InvoiceCommands } from "./invoice-commands";
import { InvoicePayments, type InvoicePaymentView } from "./invoice-payment";

function openInvoice(): InvoiceRecord {
  return {
    id: "in_01KAAAAAAAAAAAAAAAAAAAAAAA" as InvoiceId,
    merchantId: "mer_01KAAAAAAAAAAAAAAAAAAAAAAA" as MerchantId,
    mode: "TEST",
    status: "OPEN",
    currency: "EUR",
    customerEmail: null,
    memo: null,
    dueDate: null,
    number: 7n,
    netMinor: 1000n,
    taxMinor: 0n,
    totalMinor: 1000n,
    accessToken: "0".repeat(32),
    paymentId: null,
    version: 2,
    finalizedAt: new Date(0),
    paidAt: null,
    voidedAt: null,
    createdAt: new Date(0),
    lines: [],
  };
}

/** One try left PENDING with its payment, as the database keeps it. */
function harness(payment: InvoicePaymentView | null) {
  const tries: InvoicePaymentTry[] = [
    {
      id: "inpay_01KAAAAAAAAAAAAAAAAAAAAAAA",
      invoiceId: openInvoice().id,
      paymentId: "pay_1",
      status: "PENDING",
      amountMinor: 1000n,
      currency: "EUR",
    },
  ];
  const paid: Array<{ paymentId: string; tryId: string | null }> = [];
  const store = {
    async findLivePaymentTry(invoiceId: InvoiceId) {
      const live = tries.find((t) => t.invoiceId === invoiceId && t.status !== "FAILED");
      return live ? { ...live } : null;
    },
    async failPaymentTry(tryId: string) {
      const found = tries.find((t) => t.id === tryId && t.status === "PENDING");
      if (found) found.status = "FAILED";
    },
  } as unknown as InvoiceStore;
  const invoices = {
    async markPaid(
      _actor: unknown,
      _key: string,
      _id: string,
      proof: { paymentId: string; tryId: string | null },
    ) {
      paid.push(proof);
      const settled = tries.find((t) => t.id === proof.tryId);
      if (settled) settled.status = "SUCCEEDED";
      return { value: { ...openInvoice(), status: "PAID", paymentId: proof.paymentId }, replayed: false };
    },
  } as unknown as InvoiceCommands;
  const subject = new InvoicePayments({
    store,
    invoices,
    async findPayment(_invoice, paymentId) {
      return payment !== null && payment.id === paymentId ? payment : null;
    },
  });
  return { subject, tries, paid };
}

const captured: InvoicePaymentView = {
  id: "pay_1",
  status: "CAPTURED",
  amountCapturedMinor: 1000n,
  currency: "EUR",
};

describe("InvoicePayments.refresh", () => {
  it("a captured payment marks the invoice paid with its try", async () => {
    const h = harness(captured);
    expect(await h.subject.refresh(openInvoice())).toMatchObject({ kind: "paid", paymentId: "pay_1" });
    expect(h.paid).toEqual([
      {
        paymentId: "pay_1",
        status: "CAPTURED",
        amountCapturedMinor: 1000n,
        currency: "EUR",
        tryId: h.tries[0]?.id,
      },
    ]);
    expect(h.tries.map((t) => t.status)).toEqual(["SUCCEEDED"]);
  });

  it.each(["DECLINED", "FAILED", "CANCELLED"])(
    "a %s payment fails the try and leaves the invoice open",
    async (status) => {
      const h = harness({ ...captured, status, amountCapturedMinor: 0n });
      expect(await h.subject.refresh(openInvoice())).toMatchObject({ kind: "failed", status });
      expect(h.paid).toEqual([]);
      expect(h.tries.map((t) => t.status)).toEqual(["FAILED"]);
      expect(await h.subject.refresh(openInvoice())).toBeNull();
    },
  );

  it("a payment still pending, or not found, keeps the try pending", async () => {
    for (const payment of [{ ...captured, status: "PENDING", amountCapturedMinor: 0n }, null]) {
      const h = harness(payment);
      expect(await h.subject.refresh(openInvoice())).toMatchObject({ kind: "pending", paymentId: "pay_1" });
      expect(h.tries.map((t) => t.status)).toEqual(["PENDING"]);
    }
  });

  it.each(["DRAFT", "PAID", "VOID"] as const)("leaves a %s invoice alone", async (status) => {
    const h = harness(captured);
    expect(await h.subject.refresh({ ...openInvoice(), status })).toBeNull();
    expect(h.paid).toEqual([]);
  });
});
