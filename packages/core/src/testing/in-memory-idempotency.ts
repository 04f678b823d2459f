// In-memory fakes of the idempotency ports, for unit tests of the pure core only.
// They copy the semantics of the Prisma store (packages/db/src/repositories/idempotency.repository.ts)
// and of the Redis cache, but prove nothing about them: integration tests use real Postgres and Redis.
import { DomainError } from "../errors/domain-error";
import { type Claim, IdempotencyKeyTaken } from "../idempotency/idempotency-service";
import type { IdempotencyRecordId } from "../ids/ids";
import type {
  CachedResult,
  IdempotencyCache,
  IdempotencyRecordRef,
  IdempotencyScope,
  IdempotencyStore,
  LockOutcome,
  StoredIdempotencyRecord,
} from "../ports/idempotency-store";

interface Row extends StoredIdempotencyRecord {
  scopeKey: string;
  expiresAt: Date;
}

function scopeKeyOf(scope: IdempotencyScope): string {
  return `${scope.merchantId}|${scope.mode}|${scope.keyKind}|${scope.key}`;
}

/** What Postgres hands back: a copy, with the JSON response round-tripped as a jsonb column would. */
function toJson(value: unknown): unknown {
  return value === undefined || value === null ? null : JSON.parse(JSON.stringify(value));
}

function copyOut(row: Row): StoredIdempotencyRecord {
  return {
    id: row.id,
    createdAt: new Date(row.createdAt.getTime()),
    operation: row.operation,
    requestHash: row.requestHash,
    status: row.status,
    lockedUntil: new Date(row.lockedUntil.getTime()),
    resourceId: row.resourceId,
    response: toJson(row.response),
  };
}

/** A new IN_PROGRESS record. */
function newRow(
  id: IdempotencyRecordId,
  createdAt: Date,
  scopeKey: string,
  fields: { operation: string; requestHash: string; lockedUntil: Date; expiresAt: Date },
  resourceId: string | null,
): Row {
  return {
    id,
    createdAt: new Date(createdAt.getTime()),
    scopeKey,
    operation: fields.operation,
    requestHash: fields.requestHash,
    status: "IN_PROGRESS",
    lockedUntil: new Date(fields.lockedUntil.getTime()),
    expiresAt: new Date(fields.expiresAt.getTime()),
    resourceId,
    response: null,
  };
}

/** A Map keyed by merchant|mode|kind|key standing in for the unique constraint of the idempotency table. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly rows = new Map<string, Row>();

  // Every method does its check and its write without awaiting in between, so each is atomic
  // the way a single SQL statement is.

  async insertOrGet(
    input: Parameters<IdempotencyStore["insertOrGet"]>[0],
  ): ReturnType<IdempotencyStore["insertOrGet"]> {
    const scopeKey = scopeKeyOf(input.scope);
    const existing = this.rows.get(scopeKey);
    if (existing) return { inserted: false as const, existing: copyOut(existing) };
    this.rows.set(scopeKey, newRow(input.id, input.createdAt, scopeKey, input, null));
    return { inserted: true as const };
  }

  async find(scope: IdempotencyScope): Promise<StoredIdempotencyRecord | null> {
    const row = this.rows.get(scopeKeyOf(scope));
    return row ? copyOut(row) : null;
  }

  async takeOver(record: IdempotencyRecordRef, lockedUntil: Date, now: Date): Promise<boolean> {
    const row = this.byRef(record);
    if (!row) return false;
    if (
      row.status !== "IN_PROGRESS" ||
      row.resourceId !== null ||
      !(row.lockedUntil.getTime() < now.getTime())
    ) {
      return false;
    }
    row.lockedUntil = new Date(lockedUntil.getTime());
    return true;
  }

  async release(record: IdempotencyRecordRef, lockedUntil: Date): Promise<void> {
    const row = this.byRef(record);
    if (
      row &&
      row.status === "IN_PROGRESS" &&
      row.resourceId === null &&
      row.lockedUntil.getTime() === lockedUntil.getTime()
    ) {
      this.rows.delete(row.scopeKey);
    }
  }

  async complete(record: IdempotencyRecordRef, response: unknown): Promise<void> {
    const row = this.byRef(record);
    // The Postgres store throws when the row does not exist.
    if (!row) throw new Error(`idempotency record ${record.id} not found`);
    row.status = "COMPLETED";
    row.response = toJson(response);
  }

  /**
   * What a payment transaction does to the record: links it to the resource it creates (only while the
   * request still holds `lockedUntil`, when given, like claimIdempotencyRecord) and, given a response (what
   * IdempotencyLink.complete built), completes it in the same step.
   */
  link(
    record: IdempotencyRecordRef,
    resourceId: string,
    options: { lockedUntil?: Date; response?: unknown } = {},
  ): void {
    const row = this.byRef(record);
    if (!row) throw new Error(`idempotency record ${record.id} not found`);
    if (options.lockedUntil !== undefined) {
      if (
        row.status !== "IN_PROGRESS" ||
        row.resourceId !== null ||
        row.lockedUntil.getTime() !== options.lockedUntil.getTime()
      ) {
        throw new DomainError(
          "IDEMPOTENCY_IN_PROGRESS",
          "Another request took over this idempotency key; retry to get its result.",
          { field: ["idempotencyKey"], retryable: true },
        );
      }
    }
    row.resourceId = resourceId;
    if (options.response !== undefined) {
      row.status = "COMPLETED";
      row.response = toJson(options.response);
    }
  }

  /**
   * What a request's first write does with its claim: inserts the record linked to `resourceId` when the claim
   * says so (throwing IdempotencyKeyTaken, and writing nothing, when the key is held), else links it as `link`.
   */
  write(claim: Claim, resourceId: string): void {
    const record = { id: claim.recordId, createdAt: claim.recordCreatedAt };
    if (!claim.insert) {
      this.link(record, resourceId, { lockedUntil: claim.lockedUntil });
      return;
    }
    const { insert } = claim;
    const scopeKey = scopeKeyOf(insert);
    if (this.rows.has(scopeKey)) throw new IdempotencyKeyTaken();
    this.rows.set(scopeKey, newRow(claim.recordId, claim.recordCreatedAt, scopeKey, insert, resourceId));
  }

  /**
   * What PaymentStore.completeIdempotencyFor does: completes the IN_PROGRESS records of `operations` linked to
   * `resourceId` (a request whose process died) with the response.
   */
  completeFor(resourceId: string, operations: readonly string[], response: unknown): void {
    for (const row of this.rows.values()) {
      if (
        row.resourceId === resourceId &&
        row.status === "IN_PROGRESS" &&
        operations.includes(row.operation)
      ) {
        row.status = "COMPLETED";
        row.response = toJson(response);
      }
    }
  }

  /** Number of records held, for assertions. */
  get size(): number {
    return this.rows.size;
  }

  /** By id and creation time, as Postgres finds a record in its day partition: a wrong time finds nothing. */
  private byRef(record: IdempotencyRecordRef): Row | undefined {
    for (const row of this.rows.values()) {
      if (row.id === record.id && row.createdAt.getTime() === record.createdAt.getTime()) return row;
    }
    return undefined;
  }
}

/** A Redis stand-in: a token lock with a ttl and a completed-response map, both expiring on the injected clock. */
export class InMemoryIdempotencyCache implements IdempotencyCache {
  /** When false, every read answers "unavailable" and every write is dropped, like Redis being down. */
  available = true;
  private readonly locks = new Map<string, { token: string; expiresAt: number }>();
  private readonly completed = new Map<string, { result: CachedResult; expiresAt: number }>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async acquireLock(
    scopeKey: string,
    token: string,
    ttlMs: number,
  ): Promise<"acquired" | "held" | "unavailable"> {
    if (!this.available) return "unavailable";
    const now = this.now().getTime();
    const lock = this.locks.get(scopeKey);
    if (lock && lock.expiresAt > now) return "held";
    this.locks.set(scopeKey, { token, expiresAt: now + ttlMs });
    return "acquired";
  }

  async releaseLock(scopeKey: string, token: string): Promise<void> {
    if (!this.available) return;
    // Only the holder's token releases, like the compare-and-delete script.
    if (this.locks.get(scopeKey)?.token === token) this.locks.delete(scopeKey);
  }

  async getCompleted(scopeKey: string): Promise<CachedResult | null | "unavailable"> {
    if (!this.available) return "unavailable";
    const entry = this.completed.get(scopeKey);
    if (!entry) return null;
    if (entry.expiresAt <= this.now().getTime()) {
      this.completed.delete(scopeKey);
      return null;
    }
    return structuredClone(entry.result);
  }

  async putCompleted(scopeKey: string, result: CachedResult, ttlMs: number): Promise<void> {
    if (!this.available) return;
    this.completed.set(scopeKey, {
      result: { ...result, response: toJson(result.response) },
      expiresAt: this.now().getTime() + ttlMs,
    });
  }

  async completedOrLock(
    scopeKey: string,
    token: string,
    ttlMs: number,
  ): Promise<{ completed: CachedResult } | LockOutcome> {
    const completed = await this.getCompleted(scopeKey);
    if (completed === "unavailable") return "unavailable";
    if (completed !== null) return { completed };
    return this.acquireLock(scopeKey, token, ttlMs);
  }

  async putCompletedAndRelease(scopeKey: string, result: CachedResult, ttlMs: number, token: string) {
    await this.putCompleted(scopeKey, result, ttlMs);
    await this.releaseLock(scopeKey, token);
  }

  /** Whether a live lock is held on the key, for assertions. */
  isLocked(scopeKey: string): boolean {
    const lock = this.locks.get(scopeKey);
    return lock !== undefined && lock.expiresAt > this.now().getTime();
  }
}
