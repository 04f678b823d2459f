// The transactional outbox, read side: rows written next to each payment change
// are handed to a publisher and marked published in one transaction. Several
// relays may run at once: `FOR UPDATE SKIP LOCKED` gives each a disjoint batch.
// A crash or error after publishing but before COMMIT leaves the rows
// unpublished, so they are published again: delivery is at-least-once.
import type { Mode } from "@paycore/core/payments/payment-record";
import type { Sql } from "../sql";

/** One committed outbox message, as the relay publishes it. */
export interface OutboxRow {
  id: bigint;
  merchantId: string;
  mode: Mode;
  topic: string;
  aggregateId: string;
  /** The stored JSON payload (bigints were written as digit strings). */
  payload: unknown;
  createdAt: Date;
}

/** Largest batch one transaction locks and publishes. */
export const OUTBOX_BATCH_SIZE_MAX = 1000;
/** How long a batch transaction may sit idle (waiting for the publisher) before Postgres ends it. */
const PUBLISH_IDLE_TIMEOUT_MS = 15_000;

// Explicit columns, matched by the partial index outbox_messages_unpublished_idx.
const LOCK_BATCH = `
SELECT id, merchant_id AS "merchantId", mode, topic, aggregate_id AS "aggregateId", payload, created_at AS "createdAt"
  FROM outbox_messages
 WHERE published_at IS NULL
 ORDER BY id
 LIMIT $1
   FOR UPDATE SKIP LOCKED`;

// outbox_messages is partitioned by day on created_at: the batch's time span limits the update to its days.
const MARK_PUBLISHED = `
UPDATE outbox_messages SET published_at = now()
 WHERE id = ANY($1::bigint[]) AND created_at BETWEEN $2::timestamptz AND $3::timestamptz AND published_at IS NULL`;

const COUNT_UNPUBLISHED = `SELECT count(*) AS n FROM outbox_messages WHERE published_at IS NULL`;

/** The relay polls on the API's event loop, so it runs through node-postgres (../sql.ts), not Prisma. */
export class OutboxRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Locks up to `limit` unpublished rows (oldest first, skipping rows another relay holds), calls `publish`
   * with them, and marks them published in the same transaction only if `publish` resolved. If `publish`
   * throws, or the process dies before COMMIT, the rows stay unpublished and a later batch publishes them
   * again. Returns how many rows were published (0 when there was nothing to do).
   */
  async publishBatch(limit: number, publish: (rows: readonly OutboxRow[]) => Promise<void>): Promise<number> {
    if (!Number.isInteger(limit) || limit < 1 || limit > OUTBOX_BATCH_SIZE_MAX) {
      throw new Error(`outbox batch limit must be an integer in 1..${OUTBOX_BATCH_SIZE_MAX}, got ${limit}`);
    }
    return this.sql.transaction(async (tx) => {
      // A publisher that hangs must not hold the row locks for ever: Postgres ends the session, nothing commits.
      await tx.query("SELECT set_config('idle_in_transaction_session_timeout', $1, true)", [
        String(PUBLISH_IDLE_TIMEOUT_MS),
      ]);
      const batch = await tx.query<OutboxRow>(LOCK_BATCH, [limit]);
      if (batch.length === 0) return 0;
      await publish(batch);
      const times = batch.map((row) => row.createdAt.getTime());
      const count = await tx.execute(MARK_PUBLISHED, [
        batch.map((row) => row.id),
        new Date(Math.min(...times)),
        new Date(Math.max(...times)),
      ]);
      // We hold the row locks, so nobody else can have published them meanwhile.
      if (count !== batch.length) {
        throw new Error(`outbox: marked ${count} of ${batch.length} locked rows published`);
      }
      return count;
    });
  }

  /** Rows not yet published: the relay's backlog (served by the partial index). */
  async countUnpublished(): Promise<number> {
    const [row] = await this.sql.query<{ n: bigint }>(COUNT_UNPUBLISHED);
    return Number(row?.n ?? 0n);
  }
}
