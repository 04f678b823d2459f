// The email outbox: mail about a document (receipt, credit note) written in the document's own transaction, sent
// by the email-delivery worker. A row is leased before it is sent (its next attempt pushed past the lease) so the
// SMTP conversation never sits inside a transaction, and several workers never send the same row at once. A send
// that fails is retried with a doubling delay until its attempts are spent, then it is FAILED with its last error.
// Delivery is at-least-once: a process that dies between the SMTP answer and marking the row sends it again.
import type { Mode } from "@paycore/core/payments/payment-record";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { Sql } from "../sql";

/** invoice_finalized and invoice_paid are written by invoice-store.repository.ts in the invoice's transition. */
export type EmailKind = "receipt" | "credit_note" | "invoice_finalized" | "invoice_paid";

export interface EmailOutboxRow {
  id: bigint;
  merchantId: string;
  mode: Mode;
  kind: EmailKind;
  documentId: string;
  /** Opened from its envelope; null once the customer's data was erased (the row is then never sent). */
  toAddress: string | null;
  /** Attempts including the one this lease is for. */
  attempts: number;
}

export interface EmailOutboxEntry extends EmailOutboxRow {
  status: "PENDING" | "SENT" | "FAILED";
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** Largest batch one lease takes. */
export const EMAIL_BATCH_SIZE_MAX = 100;
/** Stored error texts are cut to this: they come from a remote server. */
const LAST_ERROR_LENGTH_MAX = 500;

const COLUMNS = `id, merchant_id AS "merchantId", mode, kind, document_id AS "documentId", to_address AS "toAddress",
  attempts`;

const LEASE_DUE = `
UPDATE email_outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::int / 1000.0)
 WHERE id IN (SELECT id FROM email_outbox WHERE status = 'PENDING' AND next_attempt_at <= now()
               ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING ${COLUMNS}`;

const MARK_SENT = `
UPDATE email_outbox SET status = 'SENT', sent_at = now(), message_id = $2, last_error = NULL
 WHERE id = $1 AND status = 'PENDING'`;

// Attempts are counted at lease time: the row's attempts already include the one that failed.
const MARK_FAILED = `
UPDATE email_outbox
   SET last_error = $2,
       status = CASE WHEN attempts >= $3 THEN 'FAILED'::"EmailStatus" ELSE status END,
       next_attempt_at = now() + make_interval(secs => least($4::bigint * 2 ^ (attempts - 1), $5::bigint) / 1000.0)
 WHERE id = $1 AND status = 'PENDING'`;

const LIST = `
SELECT ${COLUMNS}, status, last_error AS "lastError", created_at AS "createdAt", sent_at AS "sentAt"
  FROM email_outbox
 WHERE ($1::text IS NULL OR document_id = $1)
 ORDER BY created_at DESC, id DESC
 LIMIT $2`;

export interface RetryPolicy {
  /** After this many failed attempts the row is FAILED and never sent. */
  attemptsMax: number;
  /** The delay after the first failure; it doubles per failure up to delayMaxMs. */
  delayMs: number;
  delayMaxMs: number;
}

export class EmailOutboxRepository {
  constructor(
    private readonly sql: Sql,
    /** Opens the sealed recipient (issue 22). */
    private readonly pii: PiiVault,
  ) {}

  private opened<T extends EmailOutboxRow>(row: T): T {
    return { ...row, toAddress: this.pii.open("email", row.merchantId, row.toAddress) };
  }

  /** Up to `limit` due rows, leased for `leaseMs` (their attempt counted). */
  async leaseDue(limit: number, leaseMs: number): Promise<EmailOutboxRow[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > EMAIL_BATCH_SIZE_MAX)
      throw new Error(`email batch limit must be an integer in 1..${EMAIL_BATCH_SIZE_MAX}, got ${limit}`);
    const rows = await this.sql.query<EmailOutboxRow>(LEASE_DUE, [limit, leaseMs]);
    return rows.map((row) => this.opened(row));
  }

  async markSent(id: bigint, messageId: string | null): Promise<void> {
    await this.sql.execute(MARK_SENT, [id, messageId?.slice(0, 998) ?? null]);
  }

  async markFailed(id: bigint, error: string, policy: RetryPolicy): Promise<void> {
    await this.sql.execute(MARK_FAILED, [
      id,
      error.slice(0, LAST_ERROR_LENGTH_MAX),
      policy.attemptsMax,
      policy.delayMs,
      policy.delayMaxMs,
    ]);
  }

  /** The newest rows, optionally those of one document; at most 100. */
  async list(options: { documentId?: string | null; limit: number }): Promise<EmailOutboxEntry[]> {
    const limit = Math.min(Math.max(1, Math.trunc(options.limit)), 100);
    const rows = await this.sql.query<EmailOutboxEntry>(LIST, [options.documentId ?? null, limit]);
    return rows.map((row) => this.opened(row));
  }
}
