// Invoices, both sides: the store behind the core's InvoiceCommands, on node-postgres. Each write is one
// transaction: the conditional invoice change (version and status as read), its lines, its event and, for a
// status change, its outbox message. Finalising takes next_document_number(…, 'invoice') in the UPDATE itself,
// so a lost race or a rollback takes no number and the series stays gap-free.
import type { InvoiceId, MerchantId } from "@paycore/core/ids/ids";
import type { InvoiceEvent, InvoiceStatus } from "@paycore/core/invoices/invoice-state-machine";
import type { LineAmounts } from "@paycore/core/invoices/invoice-totals";
import type { Mode } from "@paycore/core/payments/payment-record";
import type {
  InvoiceEventDraft,
  InvoiceLineRecord,
  InvoiceRecord,
  InvoiceStore,
  NewInvoice,
} from "@paycore/core/ports/invoice-store";
import type { Sql, SqlTransaction } from "../sql";

type InvoiceRow = Omit<InvoiceRecord, "lines">;

const INVOICE_COLUMNS = `id, merchant_id AS "merchantId", mode, status, currency, customer_email AS "customerEmail",
  memo, to_char(due_date, 'YYYY-MM-DD') AS "dueDate", number, net_minor AS "netMinor", tax_minor AS "taxMinor",
  total_minor AS "totalMinor", access_token AS "accessToken", version, finalized_at AS "finalizedAt",
  paid_at AS "paidAt", voided_at AS "voidedAt", created_at AS "createdAt"`;

const LINE_COLUMNS = `id, position, description, quantity, unit_amount_minor AS "unitAmountMinor",
  tax_rate_bps AS "taxRateBps", tax_behavior AS "taxBehavior", net_minor AS "netMinor", tax_minor AS "taxMinor",
  gross_minor AS "grossMinor"`;

const INSERT_EVENT = `
INSERT INTO invoice_events (invoice_id, merchant_id, type, old_status, new_status, source, actor, data)
VALUES ($1, $2, $3, $4::"InvoiceStatus", $5::"InvoiceStatus", $6::"EventSource", $7, $8::jsonb)`;

const TIMESTAMP_COLUMN: { readonly [E in InvoiceEvent]: string } = {
  FINALIZED: "finalized_at",
  PAID: "paid_at",
  VOIDED: "voided_at",
  MARKED_UNCOLLECTIBLE: "updated_at",
};

/** Digit strings for bigints: JSON has no bigint. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? item.toString() : item));
}

type Queryable = Pick<SqlTransaction, "query">;

async function insertLines(
  tx: Queryable,
  invoiceId: string,
  lines: readonly InvoiceLineRecord[],
): Promise<void> {
  if (lines.length === 0) return;
  await tx.query(
    `INSERT INTO invoice_lines (id, invoice_id, position, description, quantity, unit_amount_minor, tax_rate_bps,
                                tax_behavior, net_minor, tax_minor, gross_minor)
     SELECT l.id, $1, l.position, l.description, l.quantity, l.unit_amount_minor, l.tax_rate_bps,
            l.tax_behavior::"TaxBehavior", l.net_minor, l.tax_minor, l.gross_minor
       FROM jsonb_to_recordset($2::jsonb) AS l(id text, position smallint, description text, quantity int,
            unit_amount_minor bigint, tax_rate_bps int, tax_behavior text, net_minor bigint, tax_minor bigint,
            gross_minor bigint)`,
    [
      invoiceId,
      json(
        lines.map((line) => ({
          id: line.id,
          position: line.position,
          description: line.description,
          quantity: line.quantity,
          unit_amount_minor: line.unitAmountMinor,
          tax_rate_bps: line.taxRateBps,
          tax_behavior: line.taxBehavior,
          net_minor: line.netMinor,
          tax_minor: line.taxMinor,
          gross_minor: line.grossMinor,
        })),
      ),
    ],
  );
}

async function insertEvent(
  tx: Queryable,
  invoice: Pick<InvoiceRecord, "id" | "merchantId">,
  from: InvoiceStatus | null,
  to: InvoiceStatus,
  event: InvoiceEventDraft,
): Promise<void> {
  await tx.query(INSERT_EVENT, [
    invoice.id,
    invoice.merchantId,
    event.type,
    from,
    to,
    event.source,
    event.actor,
    json(event.data),
  ]);
}

export class InvoiceStoreRepository implements InvoiceStore {
  constructor(private readonly sql: Sql) {}

  async insert(invoice: NewInvoice, event: InvoiceEventDraft): Promise<InvoiceRecord> {
    await this.sql.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO invoices (id, merchant_id, mode, currency, customer_email, memo, due_date, net_minor, tax_minor,
                               total_minor)
         VALUES ($1, $2, $3::"Mode", $4, $5, $6, $7::date, $8, $9, $10)`,
        [
          invoice.id,
          invoice.merchantId,
          invoice.mode,
          invoice.currency,
          invoice.customerEmail,
          invoice.memo,
          invoice.dueDate,
          invoice.totals.netMinor,
          invoice.totals.taxMinor,
          invoice.totals.grossMinor,
        ],
      );
      await insertLines(tx, invoice.id, invoice.lines);
      await insertEvent(tx, invoice, null, "DRAFT", event);
    });
    const created = await this.find(invoice.merchantId, invoice.mode, invoice.id);
    if (created === null) throw new Error("the inserted invoice was not found");
    return created;
  }

  async find(merchantId: MerchantId, mode: Mode, id: InvoiceId): Promise<InvoiceRecord | null> {
    const [row] = await this.sql.query<InvoiceRow>(
      `SELECT ${INVOICE_COLUMNS} FROM invoices WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`,
      [id, merchantId, mode],
    );
    if (row === undefined) return null;
    const lines = await this.sql.query<InvoiceLineRecord>(
      `SELECT ${LINE_COLUMNS} FROM invoice_lines WHERE invoice_id = $1 ORDER BY position LIMIT 100`,
      [id],
    );
    return { ...row, lines };
  }

  async replaceDraftLines(
    invoice: InvoiceRecord,
    lines: InvoiceLineRecord[],
    totals: LineAmounts,
    event: InvoiceEventDraft,
  ): Promise<InvoiceRecord | null> {
    const changed = await this.sql.transaction(async (tx) => {
      const updated = await tx.query(
        `UPDATE invoices SET net_minor = $3, tax_minor = $4, total_minor = $5, version = version + 1
          WHERE id = $1 AND version = $2 AND status = 'DRAFT' RETURNING id`,
        [invoice.id, invoice.version, totals.netMinor, totals.taxMinor, totals.grossMinor],
      );
      if (updated.length === 0) return false;
      const known = new Set(invoice.lines.map((line) => line.id));
      await insertLines(
        tx,
        invoice.id,
        lines.filter((line) => !known.has(line.id)),
      );
      await insertEvent(tx, invoice, "DRAFT", "DRAFT", event);
      return true;
    });
    return changed ? this.find(invoice.merchantId, invoice.mode, invoice.id) : null;
  }

  async transition(
    invoice: InvoiceRecord,
    event: InvoiceEvent,
    to: InvoiceStatus,
    audit: InvoiceEventDraft,
    outbox: { topic: string; payload: Record<string, string | number | boolean | null> } | null,
  ): Promise<InvoiceRecord | null> {
    const numbering =
      event === "FINALIZED" ? `, number = next_document_number(merchant_id, mode, 'invoice')` : "";
    const changed = await this.sql.transaction(async (tx) => {
      // Lock and re-check first: an UPDATE computes its SET list (the number) before it finds the row was
      // changed by a concurrent finalisation, and the number taken would be lost to the series.
      const locked = await tx.query(
        `SELECT id FROM invoices WHERE id = $1 AND version = $2 AND status = $3::"InvoiceStatus" FOR UPDATE`,
        [invoice.id, invoice.version, invoice.status],
      );
      if (locked.length === 0) return false;
      const [row] = await tx.query<{ number: bigint | null }>(
        `UPDATE invoices SET status = $3::"InvoiceStatus", version = version + 1,
                ${TIMESTAMP_COLUMN[event]} = now()${numbering}
          WHERE id = $1 AND version = $2 RETURNING number`,
        [invoice.id, invoice.version, to],
      );
      if (row === undefined) return false;
      await insertEvent(tx, invoice, invoice.status, to, audit);
      if (outbox)
        await tx.query(
          `INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload)
           VALUES ($1, $2::"Mode", $3, $4, $5::jsonb)`,
          [
            invoice.merchantId,
            invoice.mode,
            outbox.topic,
            invoice.id,
            json({ ...outbox.payload, number: row.number?.toString() ?? null }),
          ],
        );
      return true;
    });
    return changed ? this.find(invoice.merchantId, invoice.mode, invoice.id) : null;
  }

  async list(
    merchantId: MerchantId,
    mode: Mode,
    options: { first: number; status: InvoiceStatus | null; beforeId: string | null },
  ): Promise<InvoiceRecord[]> {
    const first = Math.min(Math.max(1, Math.trunc(options.first)), 100);
    const rows = await this.sql.query<InvoiceRow>(
      `SELECT ${INVOICE_COLUMNS} FROM invoices
        WHERE merchant_id = $1 AND mode = $2::"Mode" AND ($3::"InvoiceStatus" IS NULL OR status = $3::"InvoiceStatus")
          AND ($4::text IS NULL OR id < $4)
        ORDER BY id DESC LIMIT $5`,
      [merchantId, mode, options.status, options.beforeId, first],
    );
    if (rows.length === 0) return [];
    const lines = await this.sql.query<InvoiceLineRecord & { invoiceId: string }>(
      `SELECT invoice_id AS "invoiceId", ${LINE_COLUMNS} FROM invoice_lines
        WHERE invoice_id = ANY($1::text[]) ORDER BY invoice_id, position`,
      [rows.map((row) => row.id)],
    );
    const byInvoice = new Map<string, InvoiceLineRecord[]>();
    for (const { invoiceId, ...line } of lines) {
      const list = byInvoice.get(invoiceId) ?? [];
      list.push(line);
      byInvoice.set(invoiceId, list);
    }
    return rows.map((row) => ({ ...row, lines: byInvoice.get(row.id) ?? [] }));
  }
}
