// Invoices across merchants, newest first, with the counts per status under the same merchant and mode filter.
import type { InvoiceStatus } from "@paycore/core/invoices/invoice-state-machine";
import type { SignedInContext } from "../../trpc";
import type { ListInvoicesInput } from "./list.schema";

export interface InvoiceSummaryView {
  id: string;
  merchantId: string;
  merchantName: string;
  mode: "TEST" | "LIVE";
  status: InvoiceStatus;
  number: string | null;
  currency: string;
  total: string;
  customerEmail: string | null;
  dueDate: string | null;
  createdAt: string;
}

export async function listInvoicesHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: ListInvoicesInput;
}): Promise<{ invoices: InvoiceSummaryView[]; counts: Record<string, number>; nextBefore: string | null }> {
  const documents = ctx.services.app.services.invoices.documents;
  const scope = { merchantId: input.merchantId || null, mode: input.mode ?? null };
  const [rows, counts] = await Promise.all([
    documents.list({
      ...scope,
      status: input.status ?? null,
      beforeId: input.before ?? null,
      limit: input.first + 1,
    }),
    documents.countsByStatus(scope),
  ]);
  const page = rows.slice(0, input.first);
  return {
    invoices: page.map((row) => ({
      id: row.id,
      merchantId: row.merchantId,
      merchantName: row.merchantName,
      mode: row.mode,
      status: row.status,
      number: row.number?.toString() ?? null,
      currency: row.currency,
      total: row.totalMinor.toString(),
      customerEmail: row.customerEmail,
      dueDate: row.dueDate,
      createdAt: row.createdAt.toISOString(),
    })),
    counts,
    nextBefore: rows.length > input.first ? (page.at(-1)?.id ?? null) : null,
  };
}
