// The Postgres side of idempotency: the primary key of idempotency_keys (merchant, mode,
// key kind, key) decides which request runs; the rest of this file reads and settles it.
// idempotency_records is partitioned by day (docs/scaling.md, "Time partitions"): its insert
// trigger claims the key in idempotency_keys and skips the record when the key is taken.
// Every request with a key runs these statements, so they go through
// node-postgres (../sql.ts), not Prisma.
import type {
  IdempotencyRecordRef,
  IdempotencyScope,
  IdempotencyStore,
  StoredIdempotencyRecord,
} from "@paycore/core/ports/idempotency-store";
import type { Sql } from "../sql";

const INSERT = `
INSERT INTO idempotency_records (id, merchant_id, mode, key_kind, key, operation, request_hash, status, locked_until,
                                 expires_at, created_at)
VALUES ($1, $2, $3::"Mode", $9::"IdempotencyKeyKind", $4, $5, $6, 'IN_PROGRESS', $7::timestamptz, $8::timestamptz,
        $10::timestamptz)`;

const FIND = `
SELECT r.id, r.created_at AS "createdAt", r.operation, r.request_hash AS "requestHash", r.status, r.locked_until AS "lockedUntil",
       r.resource_id AS "resourceId", r.response
  FROM idempotency_keys k
  JOIN idempotency_records r ON r.id = k.record_id AND r.created_at = k.record_created_at
 WHERE k.merchant_id = $1 AND k.mode = $2::"Mode" AND k.key_kind = $4::"IdempotencyKeyKind" AND k.key = $3`;

// Every write to a record names it by id and creation time (its partition key, carried from the claim: see
// IdempotencyRecordRef), so Postgres plans it against one day partition. Named by id alone, or with the time
// read by a subquery, an update opens and locks every day partition of idempotency_records (a completion: 23
// relations on a test database with 10 partitions, against 5): past a backend's 16 fast-path slots each further
// lock goes through the shared lock manager. The creation time is a parameter, so each call gets a custom plan
// pruned to its partition (Postgres's choice for these statements: a generic plan costs every partition);
// `idempotency.integration-test.ts` counts the partitions each write locks.

const TAKE_OVER = `
UPDATE idempotency_records SET locked_until = $2::timestamptz
 WHERE id = $1 AND created_at = $4::timestamptz AND status = 'IN_PROGRESS' AND resource_id IS NULL
   AND locked_until < $3::timestamptz`;

const RELEASE = `
DELETE FROM idempotency_records
 WHERE id = $1 AND created_at = $3::timestamptz AND status = 'IN_PROGRESS' AND resource_id IS NULL
   AND locked_until = $2::timestamptz`;

const COMPLETE = `UPDATE idempotency_records SET status = 'COMPLETED', response = $2::jsonb
 WHERE id = $1 AND created_at = $3::timestamptz`;

// Frees expired keys: a record without its key is never read again, and goes with its day's partition, which
// the partition worker drops once every record in it has expired (no row-by-row delete of the payloads).
const PURGE = `
DELETE FROM idempotency_keys
 WHERE record_id IN (SELECT record_id FROM idempotency_keys WHERE expires_at < $1::timestamptz LIMIT $2)`;

export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(private readonly sql: Sql) {}

  async insertOrGet(
    input: Parameters<IdempotencyStore["insertOrGet"]>[0],
    attemptsLeft = 3,
  ): ReturnType<IdempotencyStore["insertOrGet"]> {
    const inserted = await this.sql.execute(INSERT, [
      input.id,
      input.scope.merchantId,
      input.scope.mode,
      input.scope.key,
      input.operation,
      input.requestHash,
      input.lockedUntil,
      input.expiresAt,
      input.scope.keyKind,
      input.createdAt,
    ]);
    if (inserted === 1) return { inserted: true as const };
    const existing = await this.find(input.scope);
    // The winner may have released the key (bad input) between our insert and this read: try again.
    if (existing === null && attemptsLeft > 1) return this.insertOrGet(input, attemptsLeft - 1);
    if (existing === null) throw new Error("idempotency record vanished repeatedly during insert");
    return { inserted: false as const, existing };
  }

  async find(scope: IdempotencyScope): Promise<StoredIdempotencyRecord | null> {
    const [row] = await this.sql.query<StoredIdempotencyRecord & Record<string, unknown>>(FIND, [
      scope.merchantId,
      scope.mode,
      scope.key,
      scope.keyKind,
    ]);
    return row ?? null;
  }

  async takeOver(record: IdempotencyRecordRef, lockedUntil: Date, now: Date): Promise<boolean> {
    return (await this.sql.execute(TAKE_OVER, [record.id, lockedUntil, now, record.createdAt])) === 1;
  }

  async release(record: IdempotencyRecordRef, lockedUntil: Date): Promise<void> {
    // Only the request that holds the lock may release: never another request's take-over.
    await this.sql.execute(RELEASE, [record.id, lockedUntil, record.createdAt]);
  }

  async complete(record: IdempotencyRecordRef, response: unknown): Promise<void> {
    const completed = await this.sql.execute(COMPLETE, [
      record.id,
      JSON.stringify(response),
      record.createdAt,
    ]);
    if (completed !== 1) throw new Error(`idempotency record ${record.id} not found`);
  }

  /** Frees expired keys in bounded batches (their records go with their partitions); returns how many went. */
  async purgeExpired(now: Date, batchSize = 1000): Promise<number> {
    return this.sql.execute(PURGE, [now, batchSize]);
  }
}
