// The webhook delivery queue in Postgres. Due rows are claimed with FOR UPDATE SKIP LOCKED and leased (locked_until)
// in one short statement, so several workers share the queue and no transaction stays open during the HTTP call.
// A worker that dies mid-call leaves the lease to expire and the row is claimed again: delivery is at least once,
// with the same event id and body. Only deliveries of ENABLED endpoints are claimed: a disabled endpoint's
// deliveries wait for it to be enabled again.
import type { Mode } from "@paycore/core/payments/payment-record";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { Sql } from "../sql";
import { openSealedPayload } from "./webhook-payload-pii";

export const DELIVERY_BATCH_SIZE_MAX = 100;

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  /** The endpoint's merchant: the core command that disables a failing endpoint acts in its scope. */
  merchantId: string;
  url: string;
  mode: Mode;
  eventId: string;
  /** Failed attempts so far. */
  attemptCount: number;
  firstAttemptAt: Date | null;
  failingSince: Date | null;
  /** The event's stored JSON, serialized once by the worker: the same bytes on every attempt. */
  payload: unknown;
}

export interface AttemptRecord {
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

// Oldest due first; per endpoint, older events go first because they were queued first.
const CLAIM = `
WITH due AS (
  SELECT d.id
    FROM webhook_deliveries d
    JOIN webhook_endpoints w ON w.id = d.endpoint_id
   WHERE d.status = 'PENDING' AND d.next_attempt_at <= now()
     AND (d.locked_until IS NULL OR d.locked_until < now())
     AND w.status = 'ENABLED'
   ORDER BY d.next_attempt_at, d.created_at
   LIMIT $1
     FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries d SET locked_until = now() + make_interval(secs => $2::double precision / 1000)
  FROM due, webhook_endpoints w, webhook_events e
 WHERE d.id = due.id AND w.id = d.endpoint_id AND e.id = d.event_id
RETURNING d.id, d.endpoint_id AS "endpointId", w.merchant_id AS "merchantId", w.url, w.mode, d.event_id AS "eventId",
          d.attempt_count AS "attemptCount", d.first_attempt_at AS "firstAttemptAt",
          w.failing_since AS "failingSince", e.payload`;

const INSERT_ATTEMPT = `
INSERT INTO webhook_delivery_attempts (delivery_id, attempted_at, status_code, latency_ms, error, response_excerpt)
VALUES ($1, $2, $3, $4, $5, $6)`;

const MARK_SUCCEEDED = `
UPDATE webhook_deliveries SET status = 'SUCCEEDED', attempt_count = attempt_count + 1, locked_until = NULL,
       last_status_code = $2, last_error = NULL, first_attempt_at = COALESCE(first_attempt_at, $3), finished_at = now()
 WHERE id = $1 AND status = 'PENDING'`;

const MARK_RETRY = `
UPDATE webhook_deliveries SET attempt_count = attempt_count + 1, locked_until = NULL, next_attempt_at = $2,
       last_status_code = $3, last_error = $4, first_attempt_at = COALESCE(first_attempt_at, $5)
 WHERE id = $1 AND status = 'PENDING'`;

const MARK_GIVEN_UP = `
UPDATE webhook_deliveries SET status = 'FAILED', attempt_count = attempt_count + 1, locked_until = NULL,
       last_status_code = $2, last_error = $3, first_attempt_at = COALESCE(first_attempt_at, $4), finished_at = now()
 WHERE id = $1 AND status = 'PENDING'`;

const ENDPOINT_SUCCEEDED = `
UPDATE webhook_endpoints SET failing_since = NULL, version = version + 1
 WHERE id = $1 AND failing_since IS NOT NULL`;

const ENDPOINT_FAILED = `
UPDATE webhook_endpoints SET failing_since = $2, version = version + 1
 WHERE id = $1 AND failing_since IS NULL`;

// Oldest first, a bounded batch; their deliveries and attempts go with them (ON DELETE CASCADE).
const PURGE_EVENTS = `
DELETE FROM webhook_events WHERE id IN (
  SELECT id FROM webhook_events WHERE created_at < now() - make_interval(days => $1) ORDER BY created_at LIMIT $2)`;

const COUNT_DUE = `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'PENDING' AND next_attempt_at <= now()`;

export class WebhookDeliveryRepository {
  /** @param pii opens a sealed customer e-mail in the events' snapshots before they are signed and sent. */
  constructor(
    private readonly sql: Sql,
    private readonly pii: PiiVault | null = null,
  ) {}

  /** Leases up to `limit` due deliveries for `leaseMs`. */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > DELIVERY_BATCH_SIZE_MAX) {
      throw new Error(`delivery batch must be an integer in 1..${DELIVERY_BATCH_SIZE_MAX}, got ${limit}`);
    }
    const rows = await this.sql.query<ClaimedDelivery>(CLAIM, [limit, leaseMs]);
    return rows.map((row) => ({ ...row, payload: openSealedPayload(row.payload, row.merchantId, this.pii) }));
  }

  async succeeded(delivery: ClaimedDelivery, attempt: AttemptRecord): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute(INSERT_ATTEMPT, attemptValues(delivery.id, attempt));
      await tx.execute(MARK_SUCCEEDED, [delivery.id, attempt.statusCode, attempt.attemptedAt]);
      await tx.execute(ENDPOINT_SUCCEEDED, [delivery.endpointId]);
    });
  }

  /**
   * Records a failed attempt: retried at `nextAttemptAt`, or given up when it is null. An endpoint that has
   * failed for days is disabled afterwards by the core's WebhookEndpointCommands.disableFailing (audited).
   */
  async failed(delivery: ClaimedDelivery, attempt: AttemptRecord, nextAttemptAt: Date | null): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute(INSERT_ATTEMPT, attemptValues(delivery.id, attempt));
      const summary = attempt.error ?? (attempt.statusCode === null ? null : `HTTP ${attempt.statusCode}`);
      if (nextAttemptAt === null) {
        await tx.execute(MARK_GIVEN_UP, [delivery.id, attempt.statusCode, summary, attempt.attemptedAt]);
      } else {
        await tx.execute(MARK_RETRY, [
          delivery.id,
          nextAttemptAt,
          attempt.statusCode,
          summary,
          attempt.attemptedAt,
        ]);
      }
      await tx.execute(ENDPOINT_FAILED, [delivery.endpointId, attempt.attemptedAt]);
    });
  }

  /** Deletes up to `limit` events older than `retentionDays` with their deliveries; returns how many. */
  purgeEvents(retentionDays: number, limit: number): Promise<number> {
    if (!Number.isInteger(retentionDays) || retentionDays < 4)
      throw new Error("retention must outlast the 3-day retries");
    return this.sql.execute(PURGE_EVENTS, [retentionDays, limit]);
  }

  async countDue(): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>(COUNT_DUE);
    return row?.n ?? 0;
  }
}

function attemptValues(deliveryId: string, attempt: AttemptRecord): unknown[] {
  return [
    deliveryId,
    attempt.attemptedAt,
    attempt.statusCode,
    attempt.latencyMs,
    attempt.error?.slice(0, 200) ?? null,
    attempt.responseExcerpt?.slice(0, 1024) ?? null,
  ];
}
