// Receipt and CreditNote: the documents the database issues when a payment that asked for a receipt is captured
// (and for each refund of it), with their hosted page and PDF links, and the query that reads a payment's receipt.
import { parseId } from "@paycore/core/ids/ids";
import type { ReceiptDocument } from "@paycore/db/repositories/receipt.repository";
import { documentLinks } from "@paycore/platform/documents/document-links";
import { requireSecretKey } from "../context";
import { builder } from "./builder";
import { notFound } from "./user-error";

export const CreditNote = builder.objectRef<ReceiptDocument>("CreditNote").implement({
  description: "The correction a succeeded refund of a payment with a receipt issues.",
  fields: (t) => ({
    id: t.exposeID("id"),
    creditNoteNumber: t.string({
      description: "The number in the merchant's credit-note series, which has no gaps.",
      resolve: (note) => note.number.toString(),
    }),
    amount: t.field({ type: "MinorUnits", resolve: (note) => note.amountMinor }),
    currency: t.field({ type: "CurrencyCode", resolve: (note) => note.currency }),
    url: t.string({
      resolve: (note, _args, context) => documentLinks(context.services.publicBaseUrl, note).pageUrl,
    }),
    pdfUrl: t.string({
      resolve: (note, _args, context) => documentLinks(context.services.publicBaseUrl, note).pdfUrl,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (note) => note.createdAt }),
  }),
});

export const Receipt = builder.objectRef<ReceiptDocument>("Receipt").implement({
  description: "Issued in the capture's transaction when the payment was created with a receiptEmail.",
  fields: (t) => ({
    id: t.exposeID("id"),
    paymentId: t.exposeID("paymentId"),
    receiptNumber: t.string({
      description: "The number in the merchant's receipt series, which has no gaps.",
      resolve: (receipt) => receipt.number.toString(),
    }),
    email: t.exposeString("email", {
      nullable: true,
      description: "Null once the customer's personal data was erased (`customer erase`).",
    }),
    amount: t.field({ type: "MinorUnits", resolve: (receipt) => receipt.amountMinor }),
    currency: t.field({ type: "CurrencyCode", resolve: (receipt) => receipt.currency }),
    url: t.string({
      description: "The hosted page: anyone with the link can read it.",
      resolve: (receipt, _args, context) => documentLinks(context.services.publicBaseUrl, receipt).pageUrl,
    }),
    pdfUrl: t.string({
      resolve: (receipt, _args, context) => documentLinks(context.services.publicBaseUrl, receipt).pdfUrl,
    }),
    creditNotes: t.field({
      type: [CreditNote],
      description: "One per succeeded refund, oldest first (at most 100).",
      resolve: (receipt, _args, context) => context.services.receipts.creditNotesOfReceipt(receipt.id),
    }),
    createdAt: t.field({ type: "DateTime", resolve: (receipt) => receipt.createdAt }),
  }),
});

builder.queryField("receipt", (t) =>
  t.field({
    type: Receipt,
    nullable: true,
    description: "A payment's receipt; null while it has none (not captured yet, or no receiptEmail).",
    args: { paymentId: t.arg.id({ required: true }) },
    resolve: async (_root, { paymentId }, context) => {
      const actor = requireSecretKey(context);
      const id = parseId("payment", String(paymentId));
      if (id === null) throw notFound("payment");
      return context.services.receipts.findReceiptOfPayment(actor.merchantId, actor.mode, id);
    },
  }),
);
