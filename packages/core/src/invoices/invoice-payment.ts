// Invoice payment tries made by the former direct pay path of the hosted invoice page (a card posted to the page,
// one try at a time). The page now pays through the hosted checkout (createCheckoutSession), whose completion
// marks the invoice paid; no new try is made. A try left PENDING before that change (an unknown PSP outcome) is
// still settled from its payment's present status when the page is visited (`refresh`): a captured payment of
// exactly the total marks the invoice PAID (with its email and outbox message, the try SUCCEEDED, in one
// transaction); a declined or failed one FAILS the try.
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
  /** The payment as it is now (for a try left PENDING). */
  findPayment(invoice: InvoiceRecord, paymentId: string): Promise<InvoicePaymentView | null>;
}

export type InvoicePaymentOutcome =
  | { kind: "paid"; invoice: InvoiceRecord; paymentId: string }
  | { kind: "failed"; invoice: InvoiceRecord; paymentId: string; status: string }
  | { kind: "pending"; invoice: InvoiceRecord; paymentId: string | null };

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
