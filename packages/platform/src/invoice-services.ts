// The invoice services the API (hosted invoice page) and the console share, besides InvoiceCommands: the
// documents' read side and paying an invoice from its hosted page (through the hosted checkout). Built by one call in the composition root.
import type { CheckoutActor, CheckoutCommands } from "@paycore/core/checkout/checkout-commands";
import { DomainError } from "@paycore/core/errors/domain-error";
import type { PaymentId } from "@paycore/core/ids/ids";
import type { InvoiceCommands } from "@paycore/core/invoices/invoice-commands";
import { InvoicePayments } from "@paycore/core/invoices/invoice-payment";
import type { MerchantActor } from "@paycore/core/payments/payment-record";
import type { InvoiceRecord } from "@paycore/core/ports/invoice-store";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import {
  type InvoiceDocument,
  InvoiceDocumentRepository,
} from "@paycore/db/repositories/invoice-document.repository";
import { InvoiceStoreRepository } from "@paycore/db/repositories/invoice-store.repository";
import type { PaymentQueryRepository } from "@paycore/db/repositories/payment-query.repository";
import type { Sql } from "@paycore/db/sql";
import { createCheckoutSession } from "./checkout/checkout-services";

export interface InvoiceServices {
  /** Invoices with their lines and merchant's name: the hosted page, the PDF, the mails, the console. */
  documents: InvoiceDocumentRepository;
  /** Settles a try the former direct pay path left PENDING (see invoice-payment.ts). */
  payments: InvoicePayments;
  /**
   * The hosted invoice page's Pay button (issue 20): the invoice is paid through the hosted checkout. Creates the
   * invoice's checkout session for exactly its total (or reuses the one still open, under a key derived from the
   * invoice), and answers the hosted checkout page's address. Its completion marks the invoice paid
   * (checkout-services.ts), which refuses another amount; a new session is made only after the last one
   * expired, so two sessions never take the invoice at once.
   */
  startInvoiceCheckout(
    invoice: InvoiceDocument,
    pageUrl: string,
  ): Promise<{ url: string; sessionId: string }>;
}

/** Sessions made for one invoice, at most: each new one only after the previous expired unpaid. */
export const INVOICE_CHECKOUT_SESSIONS_MAX = 20;

function invoiceMerchant(invoice: InvoiceRecord): MerchantActor {
  return {
    merchantId: invoice.merchantId,
    mode: invoice.mode,
    apiKeyId: null,
    apiKeyKind: "SECRET",
    by: { source: "SYSTEM", id: `invoice:${invoice.id}`, note: null },
  };
}

export function createInvoiceServices(deps: {
  sql: Sql;
  invoiceCommands: InvoiceCommands;
  paymentQueries: Pick<PaymentQueryRepository, "paymentsByIds">;
  /** The hosted checkout the invoice page pays through. */
  checkout: { checkoutCommands: CheckoutCommands; publicBaseUrl: string };
  /** Seals and opens the customer's e-mail (issue 22). */
  pii: PiiVault;
}): InvoiceServices {
  const documents = new InvoiceDocumentRepository(deps.sql, deps.pii);
  const invoicePayments = new InvoicePayments({
    store: new InvoiceStoreRepository(deps.sql, deps.pii),
    invoices: deps.invoiceCommands,
    async findPayment(invoice, paymentId) {
      const [payment] = await deps.paymentQueries.paymentsByIds(invoiceMerchant(invoice), [
        paymentId as PaymentId,
      ]);
      return payment ?? null;
    },
  });
  return {
    documents,
    payments: invoicePayments,
    async startInvoiceCheckout(invoice, pageUrl) {
      if (invoice.status !== "OPEN")
        throw new DomainError("INVOICE_STATE_INVALID", "Only an open invoice can be paid.");
      const actor: CheckoutActor = {
        merchantId: invoice.merchantId,
        mode: invoice.mode,
        name: `system:invoice:${invoice.id}`,
        source: "SYSTEM",
      };
      let key = `invoice-checkout:${invoice.id}`;
      for (let made = 0; made < INVOICE_CHECKOUT_SESSIONS_MAX; made++) {
        const created = await createCheckoutSession(deps.checkout, actor, {
          idempotencyKey: key,
          currency: invoice.currency,
          amount: invoice.totalMinor.toString(),
          captureMethod: "AUTOMATIC",
          description: invoice.number === null ? "Invoice" : `Invoice #${invoice.number}`,
          successUrl: pageUrl,
          cancelUrl: pageUrl,
          invoiceId: invoice.id,
        });
        // A replay answers the session as created: its present state decides whether it can still be used.
        const session = await deps.checkout.checkoutCommands.get(actor, created.session.id);
        if (session.status !== "EXPIRED") return { url: created.url, sessionId: session.id };
        key = `invoice-checkout:${invoice.id}:after:${session.id}`;
      }
      throw new DomainError(
        "INVOICE_PAYMENT_TRIES_EXCEEDED",
        "This invoice cannot take more payment attempts.",
      );
    },
  };
}
