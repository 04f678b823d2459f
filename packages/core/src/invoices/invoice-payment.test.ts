// Goal: paying an invoice from its page keeps one live try per invoice: a declined payment frees the invoice, a
// payment whose outcome is unknown keeps the try pending (no second charge) until a later visit sees it captured
// and marks the invoice paid; a refused request fails its try; tries are bounded; only open invoices are paid.
import { describe, expect, it } from "vitest";
import type { InvoiceId, MerchantId } from "../ids/ids";
import type { InvoicePaymentTry, InvoiceRecord, InvoiceStore } from "../ports/invoice-store";
import type { InvoiceCommands } from "./invoice-commands";
import { INVOICE_PAYMENT_TRIES_MAX, InvoicePayments, type InvoicePaymentView } from "./invoice-payment";

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

/** The tries as the database keeps them: at most one PENDING or SUCCEEDED per invoice. */
function harness(outcomes: Array<Partial<InvoicePaymentView> | Error>) {
  const tries: InvoicePaymentTry[] = [];
  const payments = new Map<string, InvoicePaymentView>();
  const paid: Array<{ paymentId: string; tryId: string | null }> = [];
  const store = {
    async claimPaymentTry(invoice: InvoiceRecord, id: string) {
      if (tries.some((t) => t.invoiceId === invoice.id && t.status !== "FAILED")) return null;
      const claimed: InvoicePaymentTry = {
        id,
        invoiceId: invoice.id,
        paymentId: null,
        status: "PENDING",
        amountMinor: invoice.totalMinor,
        currency: invoice.currency,
      };
      tries.push(claimed);
      return { ...claimed };
    },
    async findLivePaymentTry(invoiceId: InvoiceId) {
      const live = tries.find((t) => t.invoiceId === invoiceId && t.status !== "FAILED");
      return live ? { ...live } : null;
    },
    async attachPayment(tryId: string, paymentId: string) {
      const found = tries.find((t) => t.id === tryId);
      if (found) found.paymentId = paymentId;
    },
    async failPaymentTry(tryId: string) {
      const found = tries.find((t) => t.id === tryId && t.status === "PENDING");
      if (found) found.status = "FAILED";
    },
    async countPaymentTries(invoiceId: InvoiceId) {
      return tries.filter((t) => t.invoiceId === invoiceId).length;
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
  let created = 0;
  const subject = new InvoicePayments({
    store,
    invoices,
    async createPayment(invoice, input) {
      const next = outcomes[created++];
      if (next instanceof Error) throw next;
      const payment: InvoicePaymentView = {
        id: `pay_${created}`,
        status: "CAPTURED",
        amountCapturedMinor: invoice.totalMinor,
        currency: invoice.currency,
        ...next,
      };
      expect(input.idempotencyKey).toMatch(/^inpay_/);
      payments.set(payment.id, payment);
      return payment;
    },
    async findPayment(_invoice, paymentId) {
      return payments.get(paymentId) ?? null;
    },
  });
  return { subject, tries, payments, paid, created: () => created };
}

describe("InvoicePayments", () => {
  it("a declined payment frees the invoice; the next card pays it", async () => {
    const h = harness([{ status: "DECLINED", amountCapturedMinor: 0n }, {}]);
    expect((await h.subject.pay(openInvoice(), "pm_a")).kind).toBe("failed");
    const paid = await h.subject.pay(openInvoice(), "pm_b");
    expect(paid).toMatchObject({ kind: "paid", paymentId: "pay_2" });
    expect(h.tries.map((t) => t.status)).toEqual(["FAILED", "SUCCEEDED"]);
  });

  it("an unknown outcome keeps the try pending: no second charge until it settles, then the visit marks it paid", async () => {
    const h = harness([{ status: "PENDING", amountCapturedMinor: 0n }]);
    expect((await h.subject.pay(openInvoice(), "pm_a")).kind).toBe("pending");
    await expect(h.subject.pay(openInvoice(), "pm_b")).rejects.toMatchObject({
      code: "INVOICE_PAYMENT_IN_PROGRESS",
    });
    expect(h.created()).toBe(1);
    h.payments.set("pay_1", { id: "pay_1", status: "CAPTURED", amountCapturedMinor: 1000n, currency: "EUR" });
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
  });

  it("a refused request fails its try and rethrows; tries are bounded", async () => {
    const refused = new Error("PAYMENT_METHOD_NOT_FOUND");
    const h = harness(Array.from({ length: INVOICE_PAYMENT_TRIES_MAX }, () => refused));
    for (let index = 0; index < INVOICE_PAYMENT_TRIES_MAX; index++)
      await expect(h.subject.pay(openInvoice(), "pm_x")).rejects.toBe(refused);
    expect(h.tries.every((t) => t.status === "FAILED")).toBe(true);
    await expect(h.subject.pay(openInvoice(), "pm_x")).rejects.toMatchObject({
      code: "INVOICE_PAYMENT_TRIES_EXCEEDED",
    });
  });

  it.each(["DRAFT", "PAID", "VOID"] as const)("refuses to pay a %s invoice", async (status) => {
    const h = harness([{}]);
    await expect(h.subject.pay({ ...openInvoice(), status }, "pm_a")).rejects.toMatchObject({
      code: "INVOICE_STATE_INVALID",
    });
    expect(h.created()).toBe(0);
  });
});
