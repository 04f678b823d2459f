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
  InvoicePaymentTry,
  InvoiceRecord,
  InvoiceStore,
  InvoiceTransitionExtras,
  NewInvoice,
} from "@paycore/core/ports/invoice-store";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { Sql, SqlTransaction } from "../sql";

type InvoiceRow = Omit<InvoiceRecord, "lines">;

const INVOICE_COLUMNS = `id, merchant_id AS "merchantId", mode, status, currency, customer_email AS "customerEmail",
  memo, to_char(due_date, 'YYYY-MM-DD') AS "dueDate", number, net_minor AS "netMinor", tax_minor AS "taxMinor",
  total_minor AS "totalMinor", access_token AS "accessToken", payment_id AS "paymentId", version, finalized_at AS "finalizedAt",
  paid_at AS "paidAt", voided_at AS "voidedAt", created_at AS "createdAt"`;

const LINE_COLUMNS = `id, position, description, quantity, unit_amount_minor AS "unitAmountMinor",
  tax_rate_bps AS "taxRateBps", tax_behavior AS "taxBehavior", net_minor AS "netMinor", tax_minor AS "taxMinor",
  gross_minor AS "grossMinor"`;

const INSERT_EVENT = `
INSERT INTO invoice_events (invoice_id, merchant_id, type, old_status, new_status, source, actor, data)
VALUES ($1, $2, $3, $4::"InvoiceStatus", $5::"InvoiceStatus", $6::"EventSource", $7, $8::jsonb)`;

const TRY_COLUMNS = `id, invoice_id AS "invoiceId", payment_id AS "paymentId", status, amount_minor AS "amountMinor",
  currency`;

/** The mail a status change sends to the invoice's customer (email_outbox.kind), if any. */
const EMAIL_KIND: { readonly [E in InvoiceEvent]?: string } = {
  FINALIZED: "invoice_finalized",
  PAID: "invoice_paid",
};

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
  constructor(
    private readonly sql: Sql,
    /** Seals the customer's e-mail on insert (and in the mail it sends) and opens it on read (issue 22). */
    private readonly pii: PiiVault,
  ) {}

  private opened(row: InvoiceRow): InvoiceRow {
    return { ...row, customerEmail: this.pii.open("email", row.merchantId, row.customerEmail) };
  }

  async insert(invoice: NewInvoice, event: InvoiceEventDraft): Promise<InvoiceRecord> {
    await this.sql.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO invoices (id, merchant_id, mode, currency, customer_email, memo, due_date, net_minor, tax_minor,
                               total_minor, customer_email_bidx)
         VALUES ($1, $2, $3::"Mode", $4, $5, $6, $7::date, $8, $9, $10, $11)`,
        [
          invoice.id,
          invoice.merchantId,
          invoice.mode,
          invoice.currency,
          this.pii.seal("email", invoice.merchantId, invoice.customerEmail),
          invoice.memo,
          invoice.dueDate,
          invoice.totals.netMinor,
          invoice.totals.taxMinor,
          invoice.totals.grossMinor,
          this.pii.blindIndex("email", invoice.customerEmail),
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
    return { ...this.opened(row), lines };
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
    extras: InvoiceTransitionExtras = {},
  ): Promise<InvoiceRecord | "checkout_in_flight" | null> {
    const numbering =
      event === "FINALIZED" ? `, number = next_document_number(merchant_id, mode, 'invoice')` : "";
    const payment = event === "PAID" ? (extras.payment ?? null) : null;
    const changed = await this.sql.transaction(async (tx) => {
      // Lock and re-check first: an UPDATE computes its SET list (the number) before it finds the row was
      // changed by a concurrent finalisation, and the number taken would be lost to the series.
      const locked = await tx.query(
        `SELECT id FROM invoices WHERE id = $1 AND version = $2 AND status = $3::"InvoiceStatus" FOR UPDATE`,
        [invoice.id, invoice.version, invoice.status],
      );
      if (locked.length === 0) return false;
      if (event === "VOIDED") {
        // A checkout attempt share-locks the invoice before it starts, so with the invoice locked here no attempt
        // can start; one already started holds its session in flight until its payment is decided.
        const inFlight = await tx.query(
          `SELECT id FROM checkout_sessions WHERE invoice_id = $1 AND status = 'OPEN' AND attempt_in_flight`,
          [invoice.id],
        );
        if (inFlight.length > 0) return "checkout_in_flight" as const;
      }
      const [row] = await tx.query<{ number: bigint | null }>(
        `UPDATE invoices SET status = $3::"InvoiceStatus", version = version + 1,
                ${TIMESTAMP_COLUMN[event]} = now()${numbering},
                payment_id = COALESCE($4, payment_id)
          WHERE id = $1 AND version = $2 RETURNING number`,
        [invoice.id, invoice.version, to, payment?.paymentId ?? null],
      );
      if (row === undefined) return false;
      await insertEvent(tx, invoice, invoice.status, to, audit);
      if (payment?.tryId) {
        const settled = await tx.query(
          `UPDATE invoice_payments SET status = 'SUCCEEDED'
            WHERE id = $1 AND invoice_id = $2 AND status = 'PENDING' AND payment_id = $3 RETURNING id`,
          [payment.tryId, invoice.id, payment.paymentId],
        );
        if (settled.length !== 1)
          throw new Error("the invoice's payment try is not pending with this payment");
      }
      const emailKind = EMAIL_KIND[event];
      if (emailKind !== undefined && invoice.customerEmail !== null)
        await tx.query(
          `INSERT INTO email_outbox (merchant_id, mode, kind, document_id, to_address)
           VALUES ($1, $2::"Mode", $3, $4, $5) ON CONFLICT (kind, document_id) DO NOTHING`,
          [
            invoice.merchantId,
            invoice.mode,
            emailKind,
            invoice.id,
            this.pii.seal("email", invoice.merchantId, invoice.customerEmail),
          ],
        );
      if (extras.operatorAudit)
        await tx.query(
          `INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
           VALUES ($1, $2, 'invoice', $3, $4::jsonb, $5::jsonb)`,
          [
            extras.operatorAudit.actor.operatorId,
            extras.operatorAudit.action,
            extras.operatorAudit.targetId,
            extras.operatorAudit.before === null ? null : json(extras.operatorAudit.before),
            json({ ...extras.operatorAudit.after, actor: extras.operatorAudit.actor.name }),
          ],
        );
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
    if (changed === "checkout_in_flight") return changed;
    return changed ? this.find(invoice.merchantId, invoice.mode, invoice.id) : null;
  }

  async findLivePaymentTry(invoiceId: InvoiceId): Promise<InvoicePaymentTry | null> {
    const [row] = await this.sql.query<InvoicePaymentTry>(
      `SELECT ${TRY_COLUMNS} FROM invoice_payments WHERE invoice_id = $1 AND status <> 'FAILED'`,
      [invoiceId],
    );
    return row ?? null;
  }

  async failPaymentTry(tryId: string): Promise<void> {
    await this.sql.query(
      `UPDATE invoice_payments SET status = 'FAILED' WHERE id = $1 AND status = 'PENDING'`,
      [tryId],
    );
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
    return rows.map((row) => ({ ...this.opened(row), lines: byInvoice.get(row.id) ?? [] }));
  }
}
