// Ports of the idempotency layer. Postgres (the store) is the truth: its unique
// constraint on (merchant, mode, key kind, key) decides who runs a request. The
// cache (Redis) is a fast path that may be absent or down at any moment.

import type { ExistingIdempotencyRecord } from "../idempotency/idempotency-decision";
import type { IdempotencyRecordId, MerchantId } from "../ids/ids";
import type { IdempotencyKeyKind, Mode } from "../payments/payment-record";

export interface IdempotencyScope {
  merchantId: MerchantId;
  mode: Mode;
  keyKind: IdempotencyKeyKind;
  key: string;
}

/**
 * A record as its updates name it: by id and creation time. The creation time is the record's partition key
 * (idempotency_records is partitioned by day), so an update that names it touches one partition and its indexes,
 * not every day's (docs/scaling.md, "Time partitions").
 */
export interface IdempotencyRecordRef {
  id: IdempotencyRecordId;
  createdAt: Date;
}

export interface StoredIdempotencyRecord extends ExistingIdempotencyRecord, IdempotencyRecordRef {
  response: unknown;
}

export interface IdempotencyStore {
  /** Inserts an IN_PROGRESS record created at `createdAt`, or returns the one that already holds the key. */
  insertOrGet(input: {
    id: IdempotencyRecordId;
    createdAt: Date;
    scope: IdempotencyScope;
    operation: string;
    requestHash: string;
    lockedUntil: Date;
    expiresAt: Date;
  }): Promise<{ inserted: true } | { inserted: false; existing: StoredIdempotencyRecord }>;
  find(scope: IdempotencyScope): Promise<StoredIdempotencyRecord | null>;
  /** Takes over a crashed request's record: only if still IN_PROGRESS, unlinked and past its lock. */
  takeOver(record: IdempotencyRecordRef, lockedUntil: Date, now: Date): Promise<boolean>;
  /** Forgets a request that changed nothing (bad input), so the key can be used again; only while it holds `lockedUntil`. */
  release(record: IdempotencyRecordRef, lockedUntil: Date): Promise<void>;
  /** Completes a record outside a payment transaction (e.g. a tokenized card). */
  complete(record: IdempotencyRecordRef, response: unknown): Promise<void>;
}

export interface CachedResult {
  operation: string;
  requestHash: string;
  response: unknown;
}

export type LockOutcome = "acquired" | "held" | "unavailable";

/**
 * Every method may answer "unavailable": the caller then relies on the store alone. The combined methods
 * each do in one round trip what a new request does at its start and at its end.
 */
export interface IdempotencyCache {
  acquireLock(scopeKey: string, token: string, ttlMs: number): Promise<LockOutcome>;
  releaseLock(scopeKey: string, token: string): Promise<void>;
  getCompleted(scopeKey: string): Promise<CachedResult | null | "unavailable">;
  putCompleted(scopeKey: string, result: CachedResult, ttlMs: number): Promise<void>;
  /** The completed result if there is one, else an attempt at the lock. */
  completedOrLock(
    scopeKey: string,
    token: string,
    ttlMs: number,
  ): Promise<{ completed: CachedResult } | LockOutcome>;
  /** Puts the completed result, then releases the lock if `token` still holds it. */
  putCompletedAndRelease(scopeKey: string, result: CachedResult, ttlMs: number, token: string): Promise<void>;
}
