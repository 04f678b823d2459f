// Checkout sessions, both sides: the store behind the core's CheckoutCommands, on node-postgres. Each write is one
// conditional UPDATE (version and status as read) with its event and, for a status change, its outbox message,
// in one transaction. The table's trigger refuses any other status change, a content change, or a version that
// does not advance by one.
import type {
  CheckoutSessionEvent,
  CheckoutSessionStatus,
} from "@paycore/core/checkout/checkout-session-state-machine";
import { invariant } from "@paycore/core/errors/domain-error";
import type { CheckoutSessionId, MerchantId } from "@paycore/core/ids/ids";
import type { Mode } from "@paycore/core/payments/payment-record";
import type {
  CheckoutLineItem,
  CheckoutOutboxMessage,
  CheckoutSessionEventDraft,
  CheckoutSessionRecord,
  CheckoutSessionStore,
  NewCheckoutSession,
} from "@paycore/core/ports/checkout-session-store";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { Sql, SqlTransaction } from "../sql";

const COLUMNS = `id, merchant_id AS "merchantId", mode, status, currency, amount_minor AS "amountMinor",
  line_items AS "lineItems", capture_method AS "captureMethod", customer_email AS "customerEmail", description,
  success_url AS "successUrl", cancel_url AS "cancelUrl", payment_method_types AS "paymentMethodTypes",
  invoice_id AS "invoiceId", access_token AS "accessToken", expires_at AS "expiresAt", attempts,
  attempt_in_flight AS "attemptInFlight", payment_id AS "paymentId", version, completed_at AS "completedAt",
  expired_at AS "expiredAt", created_at AS "createdAt"`;

type Row = Omit<CheckoutSessionRecord, "lineItems"> & {
  lineItems: { description: string; quantity: number; unitAmountMinor: string }[];
};

function fromRow(row: Row, pii: PiiVault): CheckoutSessionRecord {
  return {
    ...row,
    customerEmail: pii.open("email", row.merchantId, row.customerEmail),
    lineItems: row.lineItems.map(
      (line): CheckoutLineItem => ({
        description: line.description,
        quantity: line.quantity,
        unitAmountMinor: BigInt(line.unitAmountMinor),
      }),
    ),
  };
}

/** Digit strings for bigints: JSON has no bigint. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? item.toString() : item));
}

type Queryable = Pick<SqlTransaction, "query">;

async function insertEvent(
  tx: Queryable,
  session: Pick<CheckoutSessionRecord, "id" | "merchantId">,
  from: CheckoutSessionStatus | null,
  to: CheckoutSessionStatus,
  event: CheckoutSessionEventDraft,
): Promise<void> {
  await tx.query(
    `INSERT INTO checkout_session_events (checkout_session_id, merchant_id, type, old_status, new_status, source,
                                          actor, data)
     VALUES ($1, $2, $3, $4::"CheckoutSessionStatus", $5::"CheckoutSessionStatus", $6::"EventSource", $7, $8::jsonb)`,
    [session.id, session.merchantId, event.type, from, to, event.source, event.actor, json(event.data)],
  );
}

const TIMESTAMP_COLUMN: { readonly [E in CheckoutSessionEvent]: string } = {
  PAID: "completed_at",
  EXPIRED: "expired_at",
};

export class CheckoutSessionStoreRepository implements CheckoutSessionStore {
  constructor(
    private readonly sql: Sql,
    /** Seals the customer's e-mail on insert and opens it on read (issue 22). */
    private readonly pii: PiiVault,
  ) {}

  async insert(
    session: NewCheckoutSession,
    event: CheckoutSessionEventDraft,
  ): Promise<CheckoutSessionRecord> {
    const row = await this.sql.transaction(async (tx) => {
      const [inserted] = await tx.query<Row>(
        `INSERT INTO checkout_sessions (id, merchant_id, mode, currency, amount_minor, line_items, capture_method,
                                        customer_email, description, success_url, cancel_url, payment_method_types,
                                        invoice_id, expires_at, customer_email_bidx)
         VALUES ($1, $2, $3::"Mode", $4, $5, $6::jsonb, $7::"CaptureMethod", $8, $9, $10, $11, $12::text[], $13, $14,
                 $15)
         RETURNING ${COLUMNS}`,
        [
          session.id,
          session.merchantId,
          session.mode,
          session.currency,
          session.amountMinor,
          json(session.lineItems),
          session.captureMethod,
          this.pii.seal("email", session.merchantId, session.customerEmail),
          session.description,
          session.successUrl,
          session.cancelUrl,
          session.paymentMethodTypes,
          session.invoiceId,
          session.expiresAt,
          this.pii.blindIndex("email", session.customerEmail),
        ],
      );
      await insertEvent(tx, session, null, "OPEN", event);
      return inserted;
    });
    if (row === undefined) throw new Error("the inserted checkout session was not returned");
    return fromRow(row, this.pii);
  }

  async find(
    merchantId: MerchantId,
    mode: Mode,
    id: CheckoutSessionId,
  ): Promise<CheckoutSessionRecord | null> {
    const [row] = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM checkout_sessions WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`,
      [id, merchantId, mode],
    );
    return row === undefined ? null : fromRow(row, this.pii);
  }

  async findById(id: CheckoutSessionId): Promise<CheckoutSessionRecord | null> {
    const [row] = await this.sql.query<Row>(`SELECT ${COLUMNS} FROM checkout_sessions WHERE id = $1`, [id]);
    return row === undefined ? null : fromRow(row, this.pii);
  }

  /** One conditional UPDATE and, when it changed the row, its event; null when the session moved meanwhile. */
  private async change(
    session: CheckoutSessionRecord,
    set: string,
    where: string,
    params: unknown[],
    event: {
      from: CheckoutSessionStatus;
      to: CheckoutSessionStatus;
      draft: CheckoutSessionEventDraft;
    } | null,
    outbox: CheckoutOutboxMessage | null = null,
    /** The invoice the session pays, which must still be payable: its row is share-locked until commit. */
    payable: { invoiceId: string } | null = null,
  ): Promise<CheckoutSessionRecord | "invoice_closed" | null> {
    const row = await this.sql.transaction(async (tx) => {
      if (payable !== null) {
        // Locked before the session: a void (which locks the invoice, then its sessions) either committed before
        // this read, and the invoice is VOID here, or waits for this attempt to be recorded in flight and refuses.
        const [invoice] = await tx.query<{ status: string }>(
          `SELECT status::text AS status FROM invoices WHERE id = $1 FOR SHARE`,
          [payable.invoiceId],
        );
        if (invoice?.status !== "OPEN" && invoice?.status !== "UNCOLLECTIBLE")
          return "invoice_closed" as const;
      }
      const [updated] = await tx.query<Row>(
        `UPDATE checkout_sessions SET ${set}, version = version + 1
          WHERE id = $1 AND version = $2 ${where} RETURNING ${COLUMNS}`,
        [session.id, session.version, ...params],
      );
      if (updated === undefined) return undefined;
      if (event) await insertEvent(tx, session, event.from, event.to, event.draft);
      if (outbox)
        await tx.query(
          `INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload)
           VALUES ($1, $2::"Mode", $3, $4, $5::jsonb)`,
          [session.merchantId, session.mode, outbox.topic, session.id, json(outbox.payload)],
        );
      return updated;
    });
    if (row === "invoice_closed") return row;
    return row === undefined ? null : fromRow(row, this.pii);
  }

  /** A change that checks no invoice, so never answers "invoice_closed". */
  private async sessionChange(
    ...args: Parameters<CheckoutSessionStoreRepository["change"]>
  ): Promise<CheckoutSessionRecord | null> {
    const changed = await this.change(...args);
    invariant(changed !== "invoice_closed", "only an attempt's claim checks the invoice");
    return changed;
  }

  claimAttempt(
    session: CheckoutSessionRecord,
    now: Date,
    event: CheckoutSessionEventDraft,
  ): Promise<CheckoutSessionRecord | "invoice_closed" | null> {
    return this.change(
      session,
      "attempts = attempts + 1, attempt_in_flight = true",
      `AND status = 'OPEN' AND NOT attempt_in_flight AND expires_at > $3 AND attempts < 10`,
      [now],
      { from: "OPEN", to: "OPEN", draft: event },
      null,
      session.invoiceId === null ? null : { invoiceId: session.invoiceId },
    );
  }

  releaseAttempt(session: CheckoutSessionRecord, paymentId: string | null, event: CheckoutSessionEventDraft) {
    return this.sessionChange(
      session,
      "attempt_in_flight = false, payment_id = COALESCE($3, payment_id)",
      "AND status = 'OPEN' AND attempt_in_flight",
      [paymentId],
      { from: "OPEN", to: "OPEN", draft: event },
    );
  }

  recordPendingPayment(session: CheckoutSessionRecord, paymentId: string) {
    return this.sessionChange(
      session,
      "payment_id = $3",
      "AND status = 'OPEN' AND attempt_in_flight",
      [paymentId],
      null,
    );
  }

  transition(
    session: CheckoutSessionRecord,
    event: CheckoutSessionEvent,
    to: CheckoutSessionStatus,
    paymentId: string | null,
    audit: CheckoutSessionEventDraft,
    outbox: CheckoutOutboxMessage,
  ) {
    return this.sessionChange(
      session,
      `status = $3::"CheckoutSessionStatus", attempt_in_flight = false, payment_id = COALESCE($4, payment_id),
       ${TIMESTAMP_COLUMN[event]} = now()`,
      `AND status = $5::"CheckoutSessionStatus"`,
      [to, paymentId, session.status],
      { from: session.status, to, draft: audit },
      outbox,
    );
  }

  async dueForExpiry(now: Date, limit: number): Promise<CheckoutSessionRecord[]> {
    const rows = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM checkout_sessions
        WHERE status = 'OPEN' AND (NOT attempt_in_flight OR payment_id IS NOT NULL) AND expires_at <= $1
        ORDER BY expires_at LIMIT $2`,
      [now, Math.min(Math.max(1, Math.trunc(limit)), 100)],
    );
    return rows.map((row) => fromRow(row, this.pii));
  }
}
