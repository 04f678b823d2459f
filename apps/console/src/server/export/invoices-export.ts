// Invoices as CSV: the list's merchant, mode and status filters, newest first, the total as an exact decimal in
// the invoice's currency (no float), as the invoices page shows them.
import { invariant } from "@paycore/core/errors/domain-error";
import { parseCurrency } from "@paycore/core/money/currency";
import { formatMinorUnits } from "@paycore/core/money/money";
import {
  INVOICE_LIST_LIMIT_MAX,
  type InvoiceSummary,
} from "@paycore/db/repositories/invoice-document.repository";
import type { z } from "zod";
import { listInvoicesSchema } from "../api/routers/invoices/list.schema";
import type { CsvExport } from "./export-route";

const invoiceExportSchema = listInvoicesSchema.pick({ merchantId: true, mode: true, status: true }).strict();

type InvoiceExportInput = z.infer<typeof invoiceExportSchema>;

function total(row: InvoiceSummary): string {
  // The column is CHAR(3) and every invoice was created with a supported currency.
  const currency = parseCurrency(row.currency.trim());
  invariant(currency !== null, `invoice ${row.id} has an unknown currency`);
  return formatMinorUnits(row.totalMinor, currency);
}

export const invoicesExport: CsvExport<InvoiceExportInput, InvoiceSummary> = {
  name: "invoices",
  minimumRole: "VIEWER",
  schema: invoiceExportSchema,
  // The page's query names (`merchant`, `mode`, `status`); an empty select ("All", "Both", "Any") is no filter.
  inputOf: (query) => {
    const value = (name: string) => {
      const text = query.get(name)?.trim();
      return text ? text : undefined;
    };
    return { merchantId: value("merchant"), mode: value("mode"), status: value("status") };
  },
  columns: [
    { header: "id", value: (row) => row.id },
    { header: "number", value: (row) => row.number },
    { header: "created_at", value: (row) => row.createdAt },
    { header: "merchant_id", value: (row) => row.merchantId },
    { header: "merchant_name", value: (row) => row.merchantName },
    { header: "mode", value: (row) => row.mode },
    { header: "status", value: (row) => row.status },
    { header: "currency", value: (row) => row.currency.trim() },
    { header: "total", value: total },
    { header: "customer_email", value: (row) => row.customerEmail },
    { header: "due_date", value: (row) => row.dueDate },
  ],
  async *pages(ctx, input, maxRows) {
    const documents = ctx.services.app.services.invoices.documents;
    let remaining = maxRows;
    let beforeId: string | null = null;
    while (remaining > 0) {
      const limit = Math.min(INVOICE_LIST_LIMIT_MAX, remaining);
      const rows = await documents.list({
        merchantId: input.merchantId || null,
        mode: input.mode ?? null,
        status: input.status ?? null,
        beforeId,
        limit,
      });
      if (rows.length === 0) return;
      yield rows;
      remaining -= rows.length;
      if (rows.length < limit) return;
      beforeId = (rows.at(-1) as InvoiceSummary).id;
    }
  },
};
