// Reads for the console's erasure page (issue 22): what an erasure would change, as counts, and the requests
// waiting for a second operator. Read-only, apart from the store that writes erasures, so the console's procedures
// may import it (the dependency rules keep them off the write side).
import { CUSTOMER_ERASE_ACTION } from "@paycore/core/customers/customer-erasure-commands";
import type { CustomerErasureResult } from "@paycore/core/ports/customer-erasure-store";
import { PII_ERASED } from "@paycore/core/vault/pii-vault";
import type { Sql } from "../sql";

/** What an erasure request will erase, as counts (the console shows these, never the data). */
export type ErasurePreview = CustomerErasureResult;

/**
 * Counts what `eraseCustomerIn` would change now for this merchant and e-mail blind index: the same rows, read
 * without changing them (stored event copies and idempotent responses are swept after the erasure, so they are
 * not counted here).
 */
export async function previewErasure(
  sql: Sql,
  merchantId: string,
  emailIndex: string,
): Promise<ErasurePreview> {
  const [row] = await sql.query<Record<keyof ErasurePreview, number>>(
    `WITH named AS (
       SELECT id FROM payments
        WHERE merchant_id = $1 AND (customer_email_bidx = $2 OR receipt_email_bidx = $2)),
     receipts AS (SELECT r.id FROM receipts r WHERE r.payment_id IN (SELECT id FROM named) AND r.email <> $3),
     invoices AS (SELECT id FROM invoices WHERE merchant_id = $1 AND customer_email_bidx = $2)
     SELECT (SELECT count(*) FROM named)::int AS payments,
            (SELECT count(*) FROM receipts)::int AS receipts,
            (SELECT count(*) FROM invoices)::int AS invoices,
            (SELECT count(*) FROM checkout_sessions WHERE merchant_id = $1 AND customer_email_bidx = $2)::int
              AS "checkoutSessions",
            (SELECT count(*) FROM email_outbox o
              WHERE o.merchant_id = $1 AND o.to_address <> $3
                AND (o.document_id IN (SELECT id FROM receipts) OR o.document_id IN (SELECT id FROM invoices)
                     OR o.document_id IN (SELECT c.id FROM credit_notes c
                                           WHERE c.receipt_id IN (SELECT id FROM receipts))))::int AS mails`,
    [merchantId, emailIndex, PII_ERASED],
  );
  return row ?? { payments: 0, receipts: 0, invoices: 0, checkoutSessions: 0, mails: 0 };
}

export interface PendingErasureRequest {
  approvalId: string;
  merchantId: string;
  merchantName: string;
  requestedBy: string;
  reason: string;
  createdAt: Date;
  /** What approving it would erase now. */
  preview: ErasurePreview;
}

/** The erasure requests waiting for a second operator, newest first (at most `limit`), with their counts. */
export async function pendingErasureRequests(sql: Sql, limit: number): Promise<PendingErasureRequest[]> {
  const rows = await sql.query<{
    id: string;
    target_id: string;
    name: string;
    requested_by: string;
    reason: string;
    created_at: Date;
    email_index: string | null;
  }>(
    `SELECT a.id, a.target_id, m.name, a.requested_by, a.reason, a.created_at, a.payload->>'emailIndex' AS email_index
       FROM approval_requests a JOIN merchants m ON m.id = a.target_id
      WHERE a.kind = $2 AND a.status = 'PENDING'
      ORDER BY a.created_at DESC, a.id DESC LIMIT $1`,
    [limit, CUSTOMER_ERASE_ACTION],
  );
  return Promise.all(
    rows.map(async (row) => ({
      approvalId: row.id,
      merchantId: row.target_id,
      merchantName: row.name,
      requestedBy: row.requested_by,
      reason: row.reason,
      createdAt: row.created_at,
      preview:
        row.email_index === null
          ? { payments: 0, receipts: 0, invoices: 0, checkoutSessions: 0, mails: 0 }
          : await previewErasure(sql, row.target_id, row.email_index),
    })),
  );
}
