// One invoice for the console: lines, taxes, totals, state, its timeline (invoice_events) and its document links.

import { taxLines } from "@paycore/platform/documents/invoice-format";
import { invoiceLinks } from "@paycore/platform/documents/invoice-links";
import { TRPCError } from "@trpc/server";
import type { SignedInContext } from "../../trpc";
import type { InvoiceDetailInput } from "./list.schema";

export interface InvoiceDetailView {
  id: string;
  merchantId: string;
  merchantName: string;
  mode: "TEST" | "LIVE";
  status: string;
  number: string | null;
  currency: string;
  customerEmail: string | null;
  memo: string | null;
  dueDate: string | null;
  net: string;
  tax: string;
  total: string;
  taxLines: { label: string; amount: string }[];
  paymentId: string | null;
  lines: {
    id: string;
    description: string;
    quantity: number;
    unitAmount: string;
    taxRateBps: number | null;
    taxBehavior: string;
    net: string;
    tax: string;
    gross: string;
  }[];
  timeline: {
    id: string;
    type: string;
    from: string | null;
    to: string;
    source: string;
    actor: string | null;
    at: string;
  }[];
  /** Null while a draft: a draft has no public page. */
  links: { pageUrl: string; pdfUrl: string } | null;
  createdAt: string;
}

export async function invoiceDetailHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: InvoiceDetailInput;
}): Promise<InvoiceDetailView> {
  const { invoices, publicBaseUrl } = ctx.services.app.services;
  const invoice = await invoices.documents.findInvoice(input.id);
  if (invoice === null) throw new TRPCError({ code: "NOT_FOUND", message: "No such invoice." });
  const events = await invoices.documents.events(invoice.id);
  const links = invoiceLinks(publicBaseUrl, invoice);
  return {
    id: invoice.id,
    merchantId: invoice.merchantId,
    merchantName: invoice.merchantName,
    mode: invoice.mode,
    status: invoice.status,
    number: invoice.number?.toString() ?? null,
    currency: invoice.currency,
    customerEmail: invoice.customerEmail,
    memo: invoice.memo,
    dueDate: invoice.dueDate,
    net: invoice.netMinor.toString(),
    tax: invoice.taxMinor.toString(),
    total: invoice.totalMinor.toString(),
    taxLines: taxLines(invoice).map((line) => ({ label: line.label, amount: line.amountMinor.toString() })),
    paymentId: invoice.paymentId,
    lines: invoice.lines.map((line) => ({
      id: line.id,
      description: line.description,
      quantity: line.quantity,
      unitAmount: line.unitAmountMinor.toString(),
      taxRateBps: line.taxRateBps,
      taxBehavior: line.taxBehavior,
      net: line.netMinor.toString(),
      tax: line.taxMinor.toString(),
      gross: line.grossMinor.toString(),
    })),
    timeline: events.map((event) => ({
      id: event.id.toString(),
      type: event.type,
      from: event.oldStatus,
      to: event.newStatus,
      source: event.source,
      actor: event.actor,
      at: event.createdAt.toISOString(),
    })),
    links: invoice.status === "DRAFT" ? null : { pageUrl: links.pageUrl, pdfUrl: links.pdfUrl },
    createdAt: invoice.createdAt.toISOString(),
  };
}
