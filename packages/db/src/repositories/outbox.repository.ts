// The transactional outbox, read side: rows written next to each payment change
// are handed to a publisher and marked published in one transaction. Several
// relays may run at once: `FOR UPDATE SKIP LOCKED` gives each a disjoint batch.
// A crash or error after publishing but before COMMIT leaves the rows
// unpublished, so they are published again: delivery is at-least-once.
import type { Mode } from "@paycore/core/payments/payment-record";
import type { DatabaseClient } from "../client";

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
/** How long a batch transaction (lock, publish, mark) may stay open before Prisma rolls it back. */
const PUBLISH_TRANSACTION_TIMEOUT_MS = 15_000;
/** How long we wait for a pooled connection to start the transaction. */
const PUBLISH_TRANSACTION_MAX_WAIT_MS = 5_000;

export class OutboxRepository {
  constructor(private readonly db: DatabaseClient) {}

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
    return this.db.$transaction(
      async (tx) => {
        // Explicit columns, matched by the partial index outbox_messages_unpublished_idx.
        const rows = await tx.$queryRaw<
          Array<{
            id: bigint;
            merchant_id: string;
            mode: string;
            topic: string;
            aggregate_id: string;
            payload: unknown;
            created_at: Date;
          }>
        >`
          SELECT id, merchant_id, mode::text AS mode, topic, aggregate_id, payload, created_at
            FROM outbox_messages
           WHERE published_at IS NULL
           ORDER BY id
           LIMIT ${limit}
             FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return 0;
        const batch: OutboxRow[] = rows.map((row) => ({
          id: BigInt(row.id),
          merchantId: row.merchant_id,
          mode: row.mode as Mode,
          topic: row.topic,
          aggregateId: row.aggregate_id,
          payload: row.payload,
          createdAt: new Date(row.created_at),
        }));
        await publish(batch);
        const { count } = await tx.outboxMessage.updateMany({
          where: { id: { in: batch.map((row) => row.id) }, publishedAt: null },
          data: { publishedAt: new Date() },
        });
        // We hold the row locks, so nobody else can have published them meanwhile.
        if (count !== batch.length) {
          throw new Error(`outbox: marked ${count} of ${batch.length} locked rows published`);
        }
        return count;
      },
      { timeout: PUBLISH_TRANSACTION_TIMEOUT_MS, maxWait: PUBLISH_TRANSACTION_MAX_WAIT_MS },
    );
  }

  /** Rows not yet published: the relay's backlog (served by the partial index). */
  async countUnpublished(): Promise<number> {
    return this.db.outboxMessage.count({ where: { publishedAt: null } });
  }
}
