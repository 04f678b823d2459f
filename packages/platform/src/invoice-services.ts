// The invoice services the API (hosted invoice page) and the console share, besides InvoiceCommands: the
// documents' read side and paying an invoice from its hosted page. Built by one call in the composition root.
import type { PaymentId } from "@paycore/core/ids/ids";
import type { InvoiceCommands } from "@paycore/core/invoices/invoice-commands";
import { type InvoicePaymentOutcome, InvoicePayments } from "@paycore/core/invoices/invoice-payment";
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { MerchantActor } from "@paycore/core/payments/payment-record";
import type { InvoiceRecord } from "@paycore/core/ports/invoice-store";
import type { CardInput } from "@paycore/core/vault/card";
import {
  type InvoiceDocument,
  InvoiceDocumentRepository,
} from "@paycore/db/repositories/invoice-document.repository";
import { InvoiceStoreRepository } from "@paycore/db/repositories/invoice-store.repository";
import type { PaymentQueryRepository } from "@paycore/db/repositories/payment-query.repository";
import type { Sql } from "@paycore/db/sql";

export interface InvoiceServices {
  /** Invoices with their lines and merchant's name: the hosted page, the PDF, the mails, the console. */
  documents: InvoiceDocumentRepository;
  /** Paying from the hosted page: one try at a time, the exact total, then PAID. */
  payments: InvoicePayments;
  /**
   * The hosted invoice page's pay action: tokenizes the card in the invoice's merchant and mode, then pays the
   * whole total through the payments' createPayment (automatic capture). When the hosted checkout is merged, the
   * merger routes this through createCheckoutSession instead (see docs/api.md, "Paying an invoice").
   */
  startInvoicePayment(
    invoice: InvoiceDocument,
    card: CardInput,
    tokenKey: string,
  ): Promise<InvoicePaymentOutcome>;
}

function invoiceMerchant(invoice: InvoiceRecord, kind: "SECRET" | "PUBLISHABLE"): MerchantActor {
  return {
    merchantId: invoice.merchantId,
    mode: invoice.mode,
    apiKeyId: null,
    apiKeyKind: kind,
    by: { source: "SYSTEM", id: `invoice:${invoice.id}`, note: null },
  };
}

export function createInvoiceServices(deps: {
  sql: Sql;
  invoiceCommands: InvoiceCommands;
  payments: PaymentCommands;
  paymentQueries: Pick<PaymentQueryRepository, "paymentsByIds">;
}): InvoiceServices {
  const documents = new InvoiceDocumentRepository(deps.sql);
  const invoicePayments = new InvoicePayments({
    store: new InvoiceStoreRepository(deps.sql),
    invoices: deps.invoiceCommands,
    async createPayment(invoice, input) {
      const { value } = await deps.payments.createPayment(invoiceMerchant(invoice, "SECRET"), {
        idempotencyKey: input.idempotencyKey,
        amount: invoice.totalMinor.toString(),
        currency: invoice.currency,
        paymentMethodId: input.paymentMethodId,
        captureMethod: "AUTOMATIC",
        description: input.description,
        metadata: { invoiceId: invoice.id },
      });
      return value.payment;
    },
    async findPayment(invoice, paymentId) {
      const [payment] = await deps.paymentQueries.paymentsByIds(invoiceMerchant(invoice, "SECRET"), [
        paymentId as PaymentId,
      ]);
      return payment ?? null;
    },
  });
  return {
    documents,
    payments: invoicePayments,
    async startInvoicePayment(invoice, card, tokenKey) {
      const { value } = await deps.payments.tokenizeCard(invoiceMerchant(invoice, "PUBLISHABLE"), {
        idempotencyKey: tokenKey,
        card,
      });
      return invoicePayments.pay(invoice, value.paymentMethod.id);
    },
  };
}
