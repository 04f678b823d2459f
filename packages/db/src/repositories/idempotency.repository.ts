// The Postgres side of idempotency: the unique constraint on (merchant, mode,
// key) decides which request runs; the rest of this file reads and settles it.
import type { IdempotencyRecordId } from "@paycore/core/ids/ids";
import type {
  IdempotencyScope,
  IdempotencyStore,
  StoredIdempotencyRecord,
} from "@paycore/core/ports/idempotency-store";
import type { DatabaseClient, Prisma } from "../client";

const recordSelect = {
  id: true,
  operation: true,
  requestHash: true,
  status: true,
  lockedUntil: true,
  resourceId: true,
  response: true,
} as const;

export class PrismaIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: DatabaseClient) {}

  async insertOrGet(
    input: Parameters<IdempotencyStore["insertOrGet"]>[0],
    attemptsLeft = 3,
  ): ReturnType<IdempotencyStore["insertOrGet"]> {
    const { count } = await this.db.idempotencyRecord.createMany({
      data: [
        {
          id: input.id,
          merchantId: input.scope.merchantId,
          mode: input.scope.mode,
          key: input.scope.key,
          operation: input.operation,
          requestHash: input.requestHash,
          status: "IN_PROGRESS",
          lockedUntil: input.lockedUntil,
          expiresAt: input.expiresAt,
        },
      ],
      skipDuplicates: true,
    });
    if (count === 1) return { inserted: true as const };
    const existing = await this.find(input.scope);
    // The winner may have released the key (bad input) between our insert and this read: try again.
    if (existing === null && attemptsLeft > 1) return this.insertOrGet(input, attemptsLeft - 1);
    if (existing === null) throw new Error("idempotency record vanished repeatedly during insert");
    return { inserted: false as const, existing };
  }

  async find(scope: IdempotencyScope): Promise<StoredIdempotencyRecord | null> {
    const row = await this.db.idempotencyRecord.findUnique({
      where: { merchantId_mode_key: { merchantId: scope.merchantId, mode: scope.mode, key: scope.key } },
      select: recordSelect,
    });
    if (row === null) return null;
    return { ...row, id: row.id as IdempotencyRecordId };
  }

  async takeOver(id: IdempotencyRecordId, lockedUntil: Date, now: Date): Promise<boolean> {
    const { count } = await this.db.idempotencyRecord.updateMany({
      where: { id, status: "IN_PROGRESS", resourceId: null, lockedUntil: { lt: now } },
      data: { lockedUntil },
    });
    return count === 1;
  }

  async release(id: IdempotencyRecordId, lockedUntil: Date): Promise<void> {
    // Only the request that holds the lock may release: never another request's take-over.
    await this.db.idempotencyRecord.deleteMany({
      where: { id, status: "IN_PROGRESS", resourceId: null, lockedUntil },
    });
  }

  async complete(id: IdempotencyRecordId, response: unknown): Promise<void> {
    await this.db.idempotencyRecord.update({
      where: { id },
      data: { status: "COMPLETED", response: response as Prisma.InputJsonValue },
      select: { id: true },
    });
  }

  /** Deletes expired records in bounded batches; returns how many went. */
  async purgeExpired(now: Date, batchSize = 1000): Promise<number> {
    const expired = await this.db.idempotencyRecord.findMany({
      where: { expiresAt: { lt: now } },
      select: { id: true },
      take: batchSize,
    });
    if (expired.length === 0) return 0;
    const { count } = await this.db.idempotencyRecord.deleteMany({
      where: { id: { in: expired.map((r) => r.id) } },
    });
    return count;
  }
}
