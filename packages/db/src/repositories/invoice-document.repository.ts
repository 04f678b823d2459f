// Invoices, read side for their documents: what the hosted invoice page, its PDF and the invoice mails are
// rendered from (the invoice, its lines, the merchant's name). Looked up by id, with no merchant scope: the
// caller checks the access token from the link (hosted page) or holds the id from the email outbox.
import type { InvoiceStatus } from "@paycore/core/invoices/invoice-state-machine";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { InvoiceLineRecord, InvoiceRecord } from "@paycore/core/ports/invoice-store";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { Sql } from "../sql";

export interface InvoiceDocument extends Omit<InvoiceRecord, "lines"> {
  merchantName: string;
  lines: InvoiceLineRecord[];
}

const INVOICE = `
SELECT i.id, i.merchant_id AS "merchantId", m.name AS "merchantName", i.mode, i.status, i.currency,
       i.customer_email AS "customerEmail", i.memo, to_char(i.due_date, 'YYYY-MM-DD') AS "dueDate", i.number,
       i.net_minor AS "netMinor", i.tax_minor AS "taxMinor", i.total_minor AS "totalMinor",
       i.access_token AS "accessToken", i.payment_id AS "paymentId", i.version, i.finalized_at AS "finalizedAt",
       i.paid_at AS "paidAt", i.voided_at AS "voidedAt", i.created_at AS "createdAt"
  FROM invoices i JOIN merchants m ON m.id = i.merchant_id
 WHERE i.id = $1`;

const LINES = `
SELECT id, position, description, quantity, unit_amount_minor AS "unitAmountMinor", tax_rate_bps AS "taxRateBps",
       tax_behavior AS "taxBehavior", net_minor AS "netMinor", tax_minor AS "taxMinor", gross_minor AS "grossMinor"
  FROM invoice_lines WHERE invoice_id = $1 ORDER BY position LIMIT 100`;

/** One row of the console's invoice list. */
export interface InvoiceSummary {
  id: string;
  merchantId: string;
  merchantName: string;
  mode: Mode;
  status: InvoiceStatus;
  number: bigint | null;
  currency: string;
  totalMinor: bigint;
  customerEmail: string | null;
  dueDate: string | null;
  createdAt: Date;
}

export interface InvoiceListFilter {
  merchantId: string | null;
  mode: Mode | null;
  status: InvoiceStatus | null;
  /** The last id of the previous page (newest first). */
  beforeId: string | null;
  /** 1..100. */
  limit: number;
}

/** An invoice's audit trail entry (invoice_events). */
export interface InvoiceEventRow {
  id: bigint;
  type: string;
  oldStatus: InvoiceStatus | null;
  newStatus: InvoiceStatus;
  source: string;
  actor: string | null;
  createdAt: Date;
}

export const INVOICE_LIST_LIMIT_MAX = 100;

export class InvoiceDocumentRepository {
  constructor(
    private readonly sql: Sql,
    /** Opens the customer's sealed e-mail (issue 22). */
    private readonly pii: PiiVault,
  ) {}

  /** The invoice with its lines and merchant's name, or null. */
  async findInvoice(id: string): Promise<InvoiceDocument | null> {
    const [row] = await this.sql.query<Omit<InvoiceDocument, "lines">>(INVOICE, [id]);
    if (row === undefined) return null;
    const lines = await this.sql.query<InvoiceLineRecord>(LINES, [id]);
    return { ...row, customerEmail: this.pii.open("email", row.merchantId, row.customerEmail), lines };
  }

  /** Invoices across merchants, newest first, filtered (the console's list). */
  async list(filter: InvoiceListFilter): Promise<InvoiceSummary[]> {
    const limit = Math.min(Math.max(1, Math.trunc(filter.limit)), INVOICE_LIST_LIMIT_MAX);
    const rows = await this.sql.query<InvoiceSummary>(
      `SELECT i.id, i.merchant_id AS "merchantId", m.name AS "merchantName", i.mode, i.status, i.number,
              i.currency, i.total_minor AS "totalMinor", i.customer_email AS "customerEmail",
              to_char(i.due_date, 'YYYY-MM-DD') AS "dueDate", i.created_at AS "createdAt"
         FROM invoices i JOIN merchants m ON m.id = i.merchant_id
        WHERE ($1::text IS NULL OR i.merchant_id = $1) AND ($2::"Mode" IS NULL OR i.mode = $2::"Mode")
          AND ($3::"InvoiceStatus" IS NULL OR i.status = $3::"InvoiceStatus") AND ($4::text IS NULL OR i.id < $4)
        ORDER BY i.id DESC LIMIT $5`,
      [filter.merchantId, filter.mode, filter.status, filter.beforeId, limit],
    );
    return rows.map((row) => ({
      ...row,
      customerEmail: this.pii.open("email", row.merchantId, row.customerEmail),
    }));
  }

  /** How many invoices per status under the same merchant and mode filter (the list's counts). */
  async countsByStatus(
    filter: Pick<InvoiceListFilter, "merchantId" | "mode">,
  ): Promise<Record<string, number>> {
    const rows = await this.sql.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM invoices
        WHERE ($1::text IS NULL OR merchant_id = $1) AND ($2::"Mode" IS NULL OR mode = $2::"Mode")
        GROUP BY status`,
      [filter.merchantId, filter.mode],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  /** The invoice's events, oldest first (bounded: an invoice changes a handful of times). */
  events(invoiceId: string): Promise<InvoiceEventRow[]> {
    return this.sql.query<InvoiceEventRow>(
      `SELECT id, type, old_status AS "oldStatus", new_status AS "newStatus", source, actor,
              created_at AS "createdAt"
         FROM invoice_events WHERE invoice_id = $1 ORDER BY id LIMIT 200`,
      [invoiceId],
    );
  }
}
