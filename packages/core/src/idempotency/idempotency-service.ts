// Exactly-once execution of a mutation under a client's idempotency key, with
// Stripe's semantics: the same key and input replays the stored response, a
// different input or operation is refused, a request still running makes
// the next one wait (bounded) and then answer "in progress", and a request that
// failed validation stores nothing. Postgres decides; Redis only saves a round
// trip, so losing Redis loses speed, never correctness.
import { DomainError, isDomainError } from "../errors/domain-error";
import { type IdempotencyRecordId, newId } from "../ids/ids";
import type { IdempotencyLink, NewIdempotencyRecord } from "../payments/payment-record";
import type {
  CachedResult,
  IdempotencyCache,
  IdempotencyRecordRef,
  IdempotencyScope,
  IdempotencyStore,
  LockOutcome,
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
/** Claims of one key by one request: a released key is claimed again, a bounded number of times. */
const CLAIM_ATTEMPTS_MAX = 3;
const RETRY = Symbol("retry");
/** Pause between releases of a record while the store is unreachable, and a bound on them (beyond any lease). */
const RELEASE_RETRY_PAUSE_MS = 250;
const RELEASE_TRIES_MAX = 1_000;

export interface IdempotentOutcome<T> {
  value: T;
  replayed: boolean;
}

/** Handed to the work being made idempotent. */
export interface IdempotencyContext {
  recordId: IdempotencyRecordId;
  /** The record's creation time (its partition key), which every write to the record names with its id. */
  recordCreatedAt: Date;
  /**
   * The lock this request holds on its record. The first write that links the record to what it creates is
   * conditional on it, so a request that lost its lock to a take-over can never create a second object.
   */
  lockedUntil: Date;
  /**
   * The link for the request's first write, the one that links the record to what the request creates. With
   * `claim: "on_first_write"` that write also inserts the record, and throws IdempotencyKeyTaken, writing
   * nothing, when another request holds the key.
   */
  claim(): Claim;
  /**
   * Call once a write linked to the key has committed. Every PSP call must come after such a write: from then
   * on the key is never released or taken over, so a crash leaves an outcome to resolve, never one to redo.
   */
  markSideEffects(): void;
  /** A link for the unit of work that finishes the request: the record completes in that transaction. */
  completeWith<R>(build: (result: R) => unknown): IdempotencyLink<R>;
}

/**
 * When the key is claimed in Postgres. "before" (the default): a round trip of its own before the work runs.
 * "on_first_write": by the work's first write, in the same statement, while the Redis lock is held (without
 * Redis: "before"). For operations whose work before that write changes nothing outside the request (reads,
 * and counters that count a request once whatever its retries), because a request that finds the key taken
 * (its result expired from Redis, say) has done that work for nothing.
 */
export type ClaimMode = "before" | "on_first_write";

export interface RunOptions {
  claim?: ClaimMode;
  /**
   * A check the request must pass before it does anything (the API's rate limits, counted in Redis): started in
   * the same tick as the cache's lock, so that a client with auto-pipelining sends both in one write, one round
   * trip (issue 23). When it throws, a lock it took is released and the check's error is the request's answer.
   * Called once per run, also without a cache.
   */
  gate?: () => Promise<void>;
}

/**
 * Thrown by a store's write that was to insert the idempotency record (claim on first write) and found the key
 * already held: the write changed nothing. IdempotencyService.run catches it; it never reaches a client.
 */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super("the idempotency key is held by another request");
    this.name = "IdempotencyKeyTaken";
  }
}

/** The record a request holds while it runs: what its first write links (an IdempotencyLink without a response). */
export interface Claim {
  recordId: IdempotencyRecordId;
  /** The record's creation time: chosen when a request creates the record, read with it when it takes one over. */
  recordCreatedAt: Date;
  lockedUntil: Date;
  /** Set when the record does not exist yet: the first write inserts it. */
  insert?: NewIdempotencyRecord;
}

function isClaim(value: object | typeof RETRY): value is Claim {
  return typeof value === "object" && "recordId" in value;
}

export class IdempotencyService {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly cache: IdempotencyCache | null,
    private readonly options: IdempotencyOptions,
    private readonly now: () => Date = () => new Date(),
    // biome-ignore lint/style/noRestrictedGlobals: the default wait between polls of a key in progress (tests pass their own); known exception to the core's no-timers rule
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async run<T>(
    scope: IdempotencyScope,
    operation: string,
    input: unknown,
    execute: (context: IdempotencyContext) => Promise<T>,
    options: RunOptions = {},
  ): Promise<IdempotentOutcome<T>> {
    const requestHash = hashRequest(this.options.hashSecret, operation, input);
    const scopeKey = idempotencyScopeKey(scope);
    const incoming = { operation, requestHash };
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS_MAX; attempt++) {
      const outcome = await this.claimAndRun(
        scope,
        scopeKey,
        incoming,
        execute,
        options.claim ?? "before",
        attempt === 0 ? (options.gate ?? null) : null,
      );
      if (outcome !== RETRY) return outcome;
    }
    throw inProgress();
  }

  /** `run` with the key claimed by the work's first write (see ClaimMode). */
  runClaimedByWrite<T>(
    scope: IdempotencyScope,
    operation: string,
    input: unknown,
    execute: (context: IdempotencyContext) => Promise<T>,
    options: Pick<RunOptions, "gate"> = {},
  ): Promise<IdempotentOutcome<T>> {
    return this.run(scope, operation, input, execute, { ...options, claim: "on_first_write" });
  }

  /** One try at claiming the key: replay, refuse, wait for the holder, or run. RETRY when the holder released the key. */
  private async claimAndRun<T>(
    scope: IdempotencyScope,
    scopeKey: string,
    incoming: { operation: string; requestHash: string },
    execute: (context: IdempotencyContext) => Promise<T>,
    claim: ClaimMode,
    gate: (() => Promise<void>) | null,
  ): Promise<IdempotentOutcome<T> | typeof RETRY> {
    // One round trip to the cache: a completed result to replay, or the lock (with the gate's check, when given).
    const lockToken = newId("idempotencyRecord");
    const cached = await this.gateAndLock(scopeKey, lockToken, gate);
    if (typeof cached === "object") return this.replayOrRefuse(cached.completed, incoming);
    const lock = cached;
    if (lock === "held") return this.waitForEarlier<T>(scope, scopeKey, incoming, false);

    let released = false;
    try {
      const now = this.now();
      const recordId = newId("idempotencyRecord");
      // The record's partition key, chosen here rather than by the database so that every later write to the
      // record (link, completion, release) can name it and touch one day's partition.
      const recordCreatedAt = now;
      const lockedUntil = new Date(now.getTime() + this.options.lockTtlMs);
      const expiresAt = new Date(now.getTime() + this.options.retentionMs);
      let ran: { value: T; storedResponse: unknown };
      if (claim === "on_first_write" && lock === "acquired") {
        // No round trip here: the request's first write inserts the record, and writes nothing if the key is taken.
        // Only behind the Redis lock, which keeps concurrent duplicates out and whose cache answers replays: without
        // it every replay would do the work before the write again, so the key is claimed first instead.
        const insert = { ...scope, ...incoming, lockedUntil, expiresAt };
        try {
          ran = await this.execute({ recordId, recordCreatedAt, lockedUntil, insert }, execute);
        } catch (error) {
          if (!(error instanceof IdempotencyKeyTaken)) {
            const held = await this.refusalOrHeldKey<T>(error, recordId, scope, scopeKey, incoming);
            if (held === null) throw error;
            return held;
          }
          // Someone holds the key after all (a result Redis no longer has, or Redis down): as if claimed first.
          const existing = await this.store.find(scope);
          if (existing === null) return RETRY;
          const held = await this.onExisting<T>(existing, scope, scopeKey, incoming);
          if (!isClaim(held)) return held;
          ran = await this.execute(held, execute);
        }
      } else {
        let inserted: Awaited<ReturnType<IdempotencyStore["insertOrGet"]>>;
        try {
          inserted = await this.store.insertOrGet({
            id: recordId,
            createdAt: recordCreatedAt,
            scope,
            ...incoming,
            lockedUntil,
            expiresAt,
          });
        } catch (error) {
          // The insert may have committed with its answer lost (the database failed over mid-commit): a record
          // that nothing links yet would hold the key for the whole lease. Release it once the store answers.
          this.releaseEventually({ id: recordId, createdAt: recordCreatedAt }, lockedUntil);
          throw error;
        }
        const held = inserted.inserted
          ? { recordId, recordCreatedAt, lockedUntil }
          : await this.onExisting<T>(inserted.existing, scope, scopeKey, incoming);
        if (!isClaim(held)) return held;
        ran = await this.execute(held, execute);
      }
      if (this.cache) {
        // Cache exactly what Postgres stored, so a replay answers the same whether Redis has it or not.
        await this.cache.putCompletedAndRelease(
          scopeKey,
          { ...incoming, response: ran.storedResponse },
          this.options.cacheTtlMs,
          lockToken,
        );
        released = true;
      }
      return { value: ran.value, replayed: false };
    } finally {
      if (lock === "acquired" && !released) await this.cache?.releaseLock(scopeKey, lockToken);
    }
  }

  /**
   * The gate's check and the cache's answer, both started now (the gate first, so a pipeline runs it first). A
   * refused gate releases a lock just taken and throws its error: the request did nothing.
   */
  private async gateAndLock(
    scopeKey: string,
    lockToken: string,
    gate: (() => Promise<void>) | null,
  ): Promise<{ completed: CachedResult } | LockOutcome> {
    const gated = gate === null ? null : gate();
    const locking = this.cache
      ? this.cache.completedOrLock(scopeKey, lockToken, this.options.lockTtlMs)
      : Promise.resolve("unavailable" as const);
    if (gated === null) return locking;
    const [passed, cached] = await Promise.allSettled([gated, locking]);
    if (passed.status === "rejected") {
      if (cached.status === "fulfilled" && cached.value === "acquired") {
        await this.cache?.releaseLock(scopeKey, lockToken);
      }
      throw passed.reason;
    }
    if (cached.status === "rejected") throw cached.reason;
    return cached.value;
  }

  /** Another request's record holds the key: replay it, refuse, wait for it, or take it over (then it is ours). */
  private async onExisting<T>(
    existing: StoredIdempotencyRecord,
    scope: IdempotencyScope,
    scopeKey: string,
    incoming: { operation: string; requestHash: string },
  ): Promise<Claim | IdempotentOutcome<T> | typeof RETRY> {
    const now = this.now();
    const decision = decideOnExisting(existing, incoming, now);
    switch (decision.kind) {
      case "replay":
        return this.replay<T>(existing.response);
      case "reused":
        throw keyReused(decision.reason);
      case "in_progress":
        return this.waitForEarlier<T>(scope, scopeKey, incoming, true);
      case "take_over": {
        const lockedUntil = new Date(now.getTime() + this.options.lockTtlMs);
        if (!(await this.store.takeOver(existing, lockedUntil, now))) {
          return this.waitForEarlier<T>(scope, scopeKey, incoming, true);
        }
        return { recordId: existing.id, recordCreatedAt: existing.createdAt, lockedUntil };
      }
    }
  }

  /**
   * The work refused the request before its first write (a domain error: the PSPs' breakers open, say), so it
   * claimed nothing; but the Redis lock only proves that no live request holds the key. A request whose process
   * died after its write leaves its record linked and in progress, and its Redis lock expires after the lease:
   * answering this refusal ("nothing was done, retry with a new key") for that key would make the client create a
   * second payment. So the key's record decides, as if it had been claimed first: replay it, wait for it
   * (IDEMPOTENCY_IN_PROGRESS), or refuse a different input. Null (answer the refusal) when no record holds the key,
   * its holder died before writing anything, or the store cannot be read (then the refusal is all there is).
   * One read more, on the refusal path only.
   */
  private async refusalOrHeldKey<T>(
    error: unknown,
    ownRecordId: IdempotencyRecordId,
    scope: IdempotencyScope,
    scopeKey: string,
    incoming: { operation: string; requestHash: string },
  ): Promise<IdempotentOutcome<T> | null> {
    if (!isDomainError(error)) return null;
    const existing = await this.store.find(scope).catch(() => null);
    if (existing === null || existing.id === ownRecordId) return null;
    const decision = decideOnExisting(existing, incoming, this.now());
    if (decision.kind === "take_over") return null;
    if (decision.kind === "replay") return this.replay<T>(existing.response);
    if (decision.kind === "reused") throw keyReused(decision.reason);
    const waited = await this.waitForEarlier<T>(scope, scopeKey, incoming, true);
    // The holder let the key go while we waited (it died before writing): the refusal is this request's answer.
    return waited === RETRY ? null : waited;
  }

  private async execute<T>(
    claim: Claim,
    execute: (context: IdempotencyContext) => Promise<T>,
  ): Promise<{ value: T; storedResponse: unknown }> {
    const { recordId, recordCreatedAt, lockedUntil, insert } = claim;
    const record = { id: recordId, createdAt: recordCreatedAt };
    let sideEffects = false;
    let completedInTransaction = false;
    let storedResponse: unknown;
    const context: IdempotencyContext = {
      recordId,
      recordCreatedAt,
      lockedUntil,
      claim: () =>
        insert
          ? { recordId, recordCreatedAt, lockedUntil, insert }
          : { recordId, recordCreatedAt, lockedUntil },
      markSideEffects: () => {
        sideEffects = true;
      },
      completeWith: (build) => ({
        recordId,
        recordCreatedAt,
        complete: {
          response: (result) => encodeResult(build(result)),
          committed: (response) => {
            completedInTransaction = true;
            storedResponse = response;
          },
        },
      }),
    };
    try {
      const value = await execute(context);
      if (!completedInTransaction) {
        storedResponse = encodeResult(value);
        await this.store.complete(record, storedResponse);
      }
      return { value, storedResponse };
    } catch (error) {
      if (!sideEffects) {
        // Nothing durable happened: forget the key so the client can fix the input and retry with it. A claim on
        // the first write has nothing to forget: that write either committed (side effects follow) or wrote nothing.
        if (!insert) {
          await this.store
            .release(record, lockedUntil)
            .catch(() => this.releaseEventually(record, lockedUntil));
        }
      } else if (isDomainError(error) && !completedInTransaction) {
        await this.store.complete(record, encodeResult(error));
      }
      // Otherwise (a crash after side effects) the record stays IN_PROGRESS and linked: its outcome is resolved, never redone.
      throw error;
    }
  }

  /**
   * Releases a record that created nothing once the store answers again, trying until its lock would have
   * expired anyway (then a retry takes it over). Without this, a request cut by a database failover left its key
   * IDEMPOTENCY_IN_PROGRESS for the whole lease (30 s) after the database was back. Not awaited: the client gets
   * its error at once. The release is conditional (still IN_PROGRESS, unlinked, our lock), so it is always safe.
   */
  private releaseEventually(record: IdempotencyRecordRef, lockedUntil: Date): void {
    const attempt = async (): Promise<void> => {
      for (
        let tries = 0;
        tries < RELEASE_TRIES_MAX && this.now().getTime() < lockedUntil.getTime();
        tries++
      ) {
        await this.sleep(RELEASE_RETRY_PAUSE_MS);
        try {
          await this.store.release(record, lockedUntil);
          return;
        } catch {
          // still unreachable: try again after the pause
        }
      }
    };
    void attempt();
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

  /**
   * Bounded wait for the request that holds the key, then replay its result. Answers RETRY when the key turns
   * out to be free (the holder released it after bad input), and IDEMPOTENCY_IN_PROGRESS when time runs out.
   */
  private async waitForEarlier<T>(
    scope: IdempotencyScope,
    scopeKey: string,
    incoming: { operation: string; requestHash: string },
    recordSeen: boolean,
  ): Promise<IdempotentOutcome<T> | typeof RETRY> {
    const deadline = this.now().getTime() + this.options.waitForInProgressMs;
    let intervalMs = POLL_INTERVAL_MIN_MS;
    let seen = recordSeen;
    while (this.now().getTime() < deadline) {
      await this.sleep(intervalMs);
      intervalMs = Math.min(intervalMs * 2, POLL_INTERVAL_MAX_MS);
      const cached = this.cache ? await this.cache.getCompleted(scopeKey) : null;
      if (cached && cached !== "unavailable") return this.replayOrRefuse(cached, incoming);
      const record: StoredIdempotencyRecord | null = await this.store.find(scope);
      if (record === null) {
        // Seen and gone, or no one holds the Redis lock any more: the key is free.
        if (seen || !(await this.lockStillHeld(scopeKey))) return RETRY;
        continue;
      }
      seen = true;
      const decision = decideOnExisting(record, incoming, this.now());
      if (decision.kind === "replay") return this.replay<T>(record.response);
      if (decision.kind === "reused") throw keyReused(decision.reason);
      if (decision.kind === "take_over") return RETRY;
    }
    throw inProgress();
  }

  private async lockStillHeld(scopeKey: string): Promise<boolean> {
    if (!this.cache) return false;
    const probe = newId("idempotencyRecord");
    const lock = await this.cache.acquireLock(scopeKey, probe, this.options.lockTtlMs);
    if (lock === "acquired") await this.cache.releaseLock(scopeKey, probe);
    return lock === "held";
  }
}

export const IDEMPOTENCY_SCOPE_KEY_PREFIX = "idem2:";
/** What cached scopes started with before `idem2:`: none is ever read, and start-up deletes them. */
export const LEGACY_IDEMPOTENCY_SCOPE_KEY_PREFIX = "idem:";

/**
 * The scope as one string, for the cache. Versioned: `idem:` keys (before the key kind was part of the scope)
 * hold request hashes of tokenized cards that depended on the CVC, and an old key for the key "SECRET:x" would
 * read as the new key "x" of a secret key; `idem2:` never matches one. The key comes last, so a colon in it
 * cannot shift the other parts.
 */
export function idempotencyScopeKey(scope: IdempotencyScope): string {
  return `${IDEMPOTENCY_SCOPE_KEY_PREFIX}${scope.merchantId}:${scope.mode}:${scope.keyKind}:${scope.key}`;
}

function inProgress(): DomainError {
  return new DomainError(
    "IDEMPOTENCY_IN_PROGRESS",
    "A request with this idempotency key is still being processed; retry later.",
    { field: ["idempotencyKey"], retryable: true },
  );
}

function keyReused(reason: "different_input" | "different_operation"): DomainError {
  const message =
    reason === "different_operation"
      ? "This idempotency key was already used for a different operation."
      : "This idempotency key was already used with different parameters.";
  return new DomainError("IDEMPOTENCY_KEY_REUSED", message, { field: ["idempotencyKey"] });
}
