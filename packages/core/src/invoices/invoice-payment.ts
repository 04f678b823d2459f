// Paying an invoice from its hosted page: one try at a time, for exactly the invoice's total, through the
// payments' own createPayment command (automatic capture), then the invoice's PAID transition.
//
// 1. Claim a try (invoice_payments): at most one PENDING or SUCCEEDED try per invoice (a unique index), so two
//    clicks or two tabs never charge twice. The try's id is the payment's idempotency key.
// 2. Create the payment for the invoice's total and currency (never an amount from the page).
// 3. Settle: a captured payment of exactly the total marks the invoice PAID (with its email and outbox message,
//    the try SUCCEEDED, in one transaction); a declined or failed one FAILS the try (another card may be tried);
//    a payment still pending (an unknown PSP outcome) keeps the try PENDING, and the next visit or try settles it
//    once the payment has its outcome (`refresh`).
//
// This is the bridge until the hosted checkout is merged: the merger routes step 2 through a checkout session
// (createCheckoutSession) and calls `settle` from the session's confirmation. Steps 1 and 3 stay.
import { DomainError } from "../errors/domain-error";
import { newId } from "../ids/ids";
import type { InvoicePaymentTry, InvoiceRecord, InvoiceStore } from "../ports/invoice-store";
import type { InvoiceActor, InvoiceCommands } from "./invoice-commands";

/** What the invoice page needs of a payment (PaymentRecord's fields). */
export interface InvoicePaymentView {
  id: string;
  status: string;
  amountCapturedMinor: bigint;
  currency: string;
}

export interface InvoicePaymentsDeps {
  store: InvoiceStore;
  invoices: InvoiceCommands;
  /** The payments' createPayment for the invoice's merchant and mode, automatic capture. */
  createPayment(
    invoice: InvoiceRecord,
    input: { idempotencyKey: string; paymentMethodId: string; description: string },
  ): Promise<InvoicePaymentView>;
  /** The payment as it is now (for a try left PENDING). */
  findPayment(invoice: InvoiceRecord, paymentId: string): Promise<InvoicePaymentView | null>;
}

export type InvoicePaymentOutcome =
  | { kind: "paid"; invoice: InvoiceRecord; paymentId: string }
  | { kind: "failed"; invoice: InvoiceRecord; paymentId: string; status: string }
  | { kind: "pending"; invoice: InvoiceRecord; paymentId: string | null };

/** Tries per invoice, declined ones included: a bound on card testing through a public page. */
export const INVOICE_PAYMENT_TRIES_MAX = 10;

const FAILED_PAYMENT_STATUSES: ReadonlySet<string> = new Set(["DECLINED", "FAILED", "CANCELLED"]);

function systemActor(invoice: InvoiceRecord): InvoiceActor {
  return {
    merchantId: invoice.merchantId,
    mode: invoice.mode,
    name: "system:invoice-page",
    source: "SYSTEM",
  };
}

export class InvoicePayments {
  constructor(private readonly deps: InvoicePaymentsDeps) {}

  /** Pays an OPEN (or UNCOLLECTIBLE) invoice with a tokenized card: the whole total, once. */
  async pay(invoice: InvoiceRecord, paymentMethodId: string): Promise<InvoicePaymentOutcome> {
    if (invoice.status === "PAID")
      throw new DomainError("INVOICE_STATE_INVALID", "the invoice is paid already.");
    if (invoice.status !== "OPEN" && invoice.status !== "UNCOLLECTIBLE")
      throw new DomainError("INVOICE_STATE_INVALID", `an invoice that is ${invoice.status} cannot be paid.`);
    const live = await this.deps.store.findLivePaymentTry(invoice.id);
    if (live !== null) {
      const refreshed = await this.settleTry(invoice, live);
      if (refreshed.kind !== "failed")
        throw new DomainError(
          "INVOICE_PAYMENT_IN_PROGRESS",
          refreshed.kind === "paid"
            ? "the invoice is paid already."
            : "a payment of this invoice is in flight: wait for its outcome.",
        );
    }
    if ((await this.deps.store.countPaymentTries(invoice.id)) >= INVOICE_PAYMENT_TRIES_MAX)
      throw new DomainError(
        "INVOICE_PAYMENT_TRIES_EXCEEDED",
        `an invoice takes at most ${INVOICE_PAYMENT_TRIES_MAX} payment tries: ask the merchant for a new one.`,
      );
    const claimed = await this.deps.store.claimPaymentTry(invoice, newId("invoicePayment"));
    if (claimed === null)
      throw new DomainError("INVOICE_PAYMENT_IN_PROGRESS", "a payment of this invoice is in flight.");
    let payment: InvoicePaymentView;
    try {
      payment = await this.deps.createPayment(invoice, {
        idempotencyKey: claimed.id,
        paymentMethodId,
        description: `Invoice #${invoice.number ?? ""}`,
      });
    } catch (error) {
      // A refused request (bad card token, limits) made no payment: free the invoice for another try. An
      // ambiguous failure leaves no payment id either, and its key is never reused, so failing the try is safe.
      await this.deps.store.failPaymentTry(claimed.id);
      throw error;
    }
    await this.deps.store.attachPayment(claimed.id, payment.id);
    return this.settle(invoice, { ...claimed, paymentId: payment.id }, payment);
  }

  /** Settles the invoice's PENDING try from its payment's present status (the page calls it on each visit). */
  async refresh(invoice: InvoiceRecord): Promise<InvoicePaymentOutcome | null> {
    if (invoice.status !== "OPEN" && invoice.status !== "UNCOLLECTIBLE") return null;
    const live = await this.deps.store.findLivePaymentTry(invoice.id);
    return live === null ? null : this.settleTry(invoice, live);
  }

  private async settleTry(invoice: InvoiceRecord, live: InvoicePaymentTry): Promise<InvoicePaymentOutcome> {
    if (live.paymentId === null) return { kind: "pending", invoice, paymentId: null };
    const payment = await this.deps.findPayment(invoice, live.paymentId);
    if (payment === null) return { kind: "pending", invoice, paymentId: live.paymentId };
    return this.settle(invoice, live, payment);
  }

  private async settle(
    invoice: InvoiceRecord,
    attempt: InvoicePaymentTry,
    payment: InvoicePaymentView,
  ): Promise<InvoicePaymentOutcome> {
    if (payment.status === "CAPTURED") {
      const paid = await this.deps.invoices.markPaid(systemActor(invoice), `${attempt.id}:paid`, invoice.id, {
        paymentId: payment.id,
        status: payment.status,
        amountCapturedMinor: payment.amountCapturedMinor,
        currency: payment.currency,
        tryId: attempt.id,
      });
      return { kind: "paid", invoice: paid.value, paymentId: payment.id };
    }
    if (FAILED_PAYMENT_STATUSES.has(payment.status)) {
      await this.deps.store.failPaymentTry(attempt.id);
      return { kind: "failed", invoice, paymentId: payment.id, status: payment.status };
    }
    return { kind: "pending", invoice, paymentId: payment.id };
  }
}
