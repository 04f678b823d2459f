// Exactly-once execution of a mutation under a client's idempotency key, with
// Stripe's semantics: the same key and input replays the stored response, a
// different input or operation is refused, a request still running makes
// the next one wait (bounded) and then answer "in progress", and a request that
// failed validation stores nothing. Postgres decides; Redis only saves a round
// trip, so losing Redis loses speed, never correctness.
import { DomainError, isDomainError } from "../errors/domain-error";
import { type IdempotencyRecordId, newId } from "../ids/ids";
import type { IdempotencyLink } from "../payments/payment-record";
import type {
  IdempotencyCache,
  IdempotencyScope,
  IdempotencyStore,
  StoredIdempotencyRecord,
} from "../ports/idempotency-store";
import { decideOnExisting } from "./idempotency-decision";
import { hashRequest } from "./request-hash";
import { decodeResult, encodeResult } from "./result-codec";

export interface IdempotencyOptions {
  /** Keys the request hashes, so a stored hash of a card never reveals the card. */
  hashSecret: Buffer;
  /** How long a running request holds its key before another may take over (if it created nothing). */
  lockTtlMs: number;
  /** How long a completed key is kept and replayed (at least 24 hours). */
  retentionMs: number;
  /** How long Redis keeps a completed response for the fast path. */
  cacheTtlMs: number;
  /** How long a request waits for an earlier one with the same key before answering IDEMPOTENCY_IN_PROGRESS. */
  waitForInProgressMs: number;
}

export const DEFAULT_IDEMPOTENCY_OPTIONS: Omit<IdempotencyOptions, "hashSecret"> = {
  lockTtlMs: 30_000,
  retentionMs: 24 * 60 * 60 * 1000,
  cacheTtlMs: 60 * 60 * 1000,
  waitForInProgressMs: 5_000,
};

const POLL_INTERVAL_MIN_MS = 5;
const POLL_INTERVAL_MAX_MS = 100;

export interface IdempotentOutcome<T> {
  value: T;
  replayed: boolean;
}

/** Handed to the work being made idempotent. */
export interface IdempotencyContext {
  recordId: IdempotencyRecordId;
  /** Call once something durable happened (a committed write linked to the key, or a PSP call). */
  markSideEffects(): void;
  /** A link for the unit of work that finishes the request: the record completes in that transaction. */
  completeWith<R>(build: (result: R) => unknown): IdempotencyLink<R>;
}

export class IdempotencyService {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly cache: IdempotencyCache | null,
    private readonly options: IdempotencyOptions,
    private readonly now: () => Date = () => new Date(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async run<T>(
    scope: IdempotencyScope,
    operation: string,
    input: unknown,
    execute: (context: IdempotencyContext) => Promise<T>,
  ): Promise<IdempotentOutcome<T>> {
    const requestHash = hashRequest(this.options.hashSecret, operation, input);
    const scopeKey = `idem:${scope.merchantId}:${scope.mode}:${scope.key}`;
    const incoming = { operation, requestHash };

    const cached = this.cache ? await this.cache.getCompleted(scopeKey) : null;
    if (cached && cached !== "unavailable") return this.replayOrRefuse(cached, incoming);

    const lockToken = newId("idempotencyRecord");
    const lock = this.cache
      ? await this.cache.acquireLock(scopeKey, lockToken, this.options.lockTtlMs)
      : "unavailable";
    if (lock === "held") return this.waitForEarlier<T>(scope, scopeKey, incoming);

    try {
      const recordId = newId("idempotencyRecord");
      const now = this.now();
      const inserted = await this.store.insertOrGet({
        id: recordId,
        scope,
        operation,
        requestHash,
        lockedUntil: new Date(now.getTime() + this.options.lockTtlMs),
        expiresAt: new Date(now.getTime() + this.options.retentionMs),
      });
      let ownRecordId: IdempotencyRecordId = recordId;
      if (!inserted.inserted) {
        const decision = decideOnExisting(inserted.existing, incoming, now);
        switch (decision.kind) {
          case "replay":
            return this.replay<T>(inserted.existing.response);
          case "reused":
            throw keyReused(decision.reason);
          case "in_progress":
            return this.waitForEarlier<T>(scope, scopeKey, incoming);
          case "take_over": {
            const lockedUntil = new Date(now.getTime() + this.options.lockTtlMs);
            if (!(await this.store.takeOver(inserted.existing.id, lockedUntil, now))) {
              return this.waitForEarlier<T>(scope, scopeKey, incoming);
            }
            ownRecordId = inserted.existing.id;
          }
        }
      }
      const value = await this.execute(ownRecordId, execute);
      if (this.cache) {
        await this.cache.putCompleted(
          scopeKey,
          { operation, requestHash, response: encodeResult(value) },
          this.options.cacheTtlMs,
        );
      }
      return { value, replayed: false };
    } finally {
      if (lock === "acquired") await this.cache?.releaseLock(scopeKey, lockToken);
    }
  }

  private async execute<T>(
    recordId: IdempotencyRecordId,
    execute: (context: IdempotencyContext) => Promise<T>,
  ): Promise<T> {
    let sideEffects = false;
    let completedInTransaction = false;
    const context: IdempotencyContext = {
      recordId,
      markSideEffects: () => {
        sideEffects = true;
      },
      completeWith: (build) => ({
        recordId,
        complete: (result) => {
          completedInTransaction = true;
          return encodeResult(build(result));
        },
      }),
    };
    try {
      const value = await execute(context);
      if (!completedInTransaction) await this.store.complete(recordId, encodeResult(value));
      return value;
    } catch (error) {
      if (!sideEffects) {
        // Nothing durable happened: forget the key so the client can fix the input and retry with it.
        await this.store.release(recordId).catch(() => undefined);
      } else if (isDomainError(error) && !completedInTransaction) {
        await this.store.complete(recordId, encodeResult(error));
      }
      // Otherwise (a crash after side effects) the record stays IN_PROGRESS and linked: its outcome is resolved, never redone.
      throw error;
    }
  }

  private replayOrRefuse<T>(
    stored: { operation: string; requestHash: string; response: unknown },
    incoming: { operation: string; requestHash: string },
  ): IdempotentOutcome<T> {
    if (stored.operation !== incoming.operation) throw keyReused("different_operation");
    if (stored.requestHash !== incoming.requestHash) throw keyReused("different_input");
    return this.replay<T>(stored.response);
  }

  private replay<T>(response: unknown): IdempotentOutcome<T> {
    const value = decodeResult(response);
    if (value instanceof DomainError) throw value;
    return { value: value as T, replayed: true };
  }

  /** Bounded wait for the request that holds the key; then replay its result or answer IN_PROGRESS. */
  private async waitForEarlier<T>(
    scope: IdempotencyScope,
    scopeKey: string,
    incoming: { operation: string; requestHash: string },
  ): Promise<IdempotentOutcome<T>> {
    const deadline = this.now().getTime() + this.options.waitForInProgressMs;
    let intervalMs = POLL_INTERVAL_MIN_MS;
    while (this.now().getTime() < deadline) {
      await this.sleep(intervalMs);
      intervalMs = Math.min(intervalMs * 2, POLL_INTERVAL_MAX_MS);
      const cached = this.cache ? await this.cache.getCompleted(scopeKey) : null;
      if (cached && cached !== "unavailable") return this.replayOrRefuse(cached, incoming);
      const record: StoredIdempotencyRecord | null = await this.store.find(scope);
      if (record === null) continue; // the holder has not inserted yet, or released the key after bad input
      const decision = decideOnExisting(record, incoming, this.now());
      if (decision.kind === "replay") return this.replay<T>(record.response);
      if (decision.kind === "reused") throw keyReused(decision.reason);
    }
    throw new DomainError(
      "IDEMPOTENCY_IN_PROGRESS",
      "A request with this idempotency key is still being processed; retry later.",
      { field: ["idempotencyKey"], retryable: true },
    );
  }
}

function keyReused(reason: "different_input" | "different_operation"): DomainError {
  const message =
    reason === "different_operation"
      ? "This idempotency key was already used for a different operation."
      : "This idempotency key was already used with different parameters.";
  return new DomainError("IDEMPOTENCY_KEY_REUSED", message, { field: ["idempotencyKey"] });
}
