// Pins the exactly-once runner's Stripe semantics (replay, refusal, release on bad input, stored errors, bounded wait, take-over, concurrency) with Redis up, down and absent.
import { describe, expect, it, vi } from "vitest";
import { DomainError } from "../errors/domain-error";
import { type MerchantId, newId } from "../ids/ids";
import type { IdempotencyScope } from "../ports/idempotency-store";
import { InMemoryIdempotencyCache, InMemoryIdempotencyStore } from "../testing/in-memory-idempotency";
import {
  type IdempotencyContext,
  type IdempotencyOptions,
  IdempotencyService,
  idempotencyScopeKey,
  LEGACY_IDEMPOTENCY_SCOPE_KEY_PREFIX,
} from "./idempotency-service";
import { hashRequest } from "./request-hash";
import { encodeResult } from "./result-codec";

const SECRET = Buffer.alloc(32, 7);
const T0 = Date.parse("2025-06-15T12:00:00.000Z");
const OPTIONS: IdempotencyOptions = {
  hashSecret: SECRET,
  lockTtlMs: 30_000,
  retentionMs: 24 * 60 * 60 * 1000,
  cacheTtlMs: 60 * 60 * 1000,
  waitForInProgressMs: 5_000,
};

type CacheMode = "available" | "unavailable" | "none";
const CACHE_MODES: CacheMode[] = ["available", "unavailable", "none"];

function harness(cacheMode: CacheMode) {
  const clock = { t: T0 };
  const now = () => new Date(clock.t);
  // Waits are instant: sleeping moves the clock and yields once.
  const sleep = async (ms: number) => {
    clock.t += ms;
    await Promise.resolve();
  };
  const store = new InMemoryIdempotencyStore();
  const cache = cacheMode === "none" ? null : new InMemoryIdempotencyCache(now);
  if (cache && cacheMode === "unavailable") cache.available = false;
  const service = new IdempotencyService(store, cache, OPTIONS, now, sleep);
  const scope: IdempotencyScope = {
    merchantId: newId("merchant") as MerchantId,
    mode: "TEST",
    keyKind: "SECRET",
    key: "key-1",
  };
  return { clock, now, store, cache, service, scope };
}

const INPUT = { amountMinor: 1_000n, currency: "USD" };
const RESULT = {
  payment: {
    id: "pay_1",
    amountMinor: 9_007_199_254_740_993n,
    createdAt: new Date("2025-06-15T11:59:00.123Z"),
  },
  errors: [] as string[],
};

/** The record of a createPayment (INPUT) whose process died holding the key: IN_PROGRESS, lock expired at `t`. */
async function orphanRecord(store: InMemoryIdempotencyStore, scope: IdempotencyScope, t: number) {
  const record = { id: newId("idempotencyRecord"), createdAt: new Date(t - OPTIONS.lockTtlMs) };
  await store.insertOrGet({
    ...record,
    scope,
    operation: "createPayment",
    requestHash: hashRequest(SECRET, "createPayment", INPUT),
    lockedUntil: new Date(t - 1),
    expiresAt: new Date(t + OPTIONS.retentionMs),
  });
  return record;
}

/** The record a running request holds, as the store's writes name it. */
function refOf(context: IdempotencyContext) {
  return { id: context.recordId, createdAt: context.recordCreatedAt };
}

async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("IdempotencyService.run", () => {
  it.each(CACHE_MODES)("runs once, then replays the identical value (cache %s)", async (mode) => {
    const { service, scope } = harness(mode);
    const execute = vi.fn(async () => RESULT);

    const first = await service.run(scope, "createPayment", INPUT, execute);
    expect(first).toEqual({ value: RESULT, replayed: false });

    const second = await service.run(scope, "createPayment", { ...INPUT }, execute);
    expect(second.replayed).toBe(true);
    expect(second.value).toEqual(RESULT);
    expect(typeof second.value.payment.amountMinor).toBe("bigint");
    expect(second.value.payment.createdAt).toBeInstanceOf(Date);
    expect(execute).toHaveBeenCalledTimes(1);
  });

  it.each(CACHE_MODES)("refuses the same key with a different input (cache %s)", async (mode) => {
    const { service, scope } = harness(mode);
    const execute = vi.fn(async () => RESULT);
    await service.run(scope, "createPayment", INPUT, execute);

    const error = await rejection(
      service.run(scope, "createPayment", { ...INPUT, amountMinor: 1_001n }, execute),
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(execute).toHaveBeenCalledTimes(1);
  });

  it.each(CACHE_MODES)("refuses the same key for a different operation (cache %s)", async (mode) => {
    const { service, scope } = harness(mode);
    const execute = vi.fn(async () => RESULT);
    await service.run(scope, "createPayment", INPUT, execute);

    const error = await rejection(service.run(scope, "refundPayment", INPUT, execute));
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(execute).toHaveBeenCalledTimes(1);
  });

  it.each(CACHE_MODES)(
    "releases the key when a domain error comes before any side effect (cache %s)",
    async (mode) => {
      const { service, store, scope } = harness(mode);
      const invalid = new DomainError("PAYMENT_METHOD_NOT_FOUND", "No such payment method.");
      const failing = vi.fn(async (): Promise<typeof RESULT> => {
        throw invalid;
      });

      await expect(service.run(scope, "createPayment", INPUT, failing)).rejects.toBe(invalid);
      expect(await store.find(scope)).toBeNull();
      expect(store.size).toBe(0);

      // The client fixes its input and retries with the same key: it runs.
      const fixed = vi.fn(async () => RESULT);
      const retried = await service.run(scope, "createPayment", { ...INPUT, amountMinor: 2_000n }, fixed);
      expect(retried).toEqual({ value: RESULT, replayed: false });
      expect(fixed).toHaveBeenCalledTimes(1);
      expect((await store.find(scope))?.status).toBe("COMPLETED");
    },
  );

  it.each(CACHE_MODES)(
    "stores and replays a domain error raised after side effects (cache %s)",
    async (mode) => {
      const { service, store, scope } = harness(mode);
      const execute = vi.fn(async (context: IdempotencyContext): Promise<typeof RESULT> => {
        store.link(refOf(context), "pay_1", { lockedUntil: context.lockedUntil });
        context.markSideEffects();
        throw new DomainError("PAYMENT_DECLINED", "The card was declined.", { field: ["card"] });
      });

      const first = await rejection(service.run(scope, "createPayment", INPUT, execute));
      expect((first as DomainError).code).toBe("PAYMENT_DECLINED");
      expect((await store.find(scope))?.status).toBe("COMPLETED");

      const replayed = await rejection(service.run(scope, "createPayment", INPUT, execute));
      expect(replayed).toBeInstanceOf(DomainError);
      expect((replayed as DomainError).code).toBe("PAYMENT_DECLINED");
      expect((replayed as DomainError).message).toBe("The card was declined.");
      expect((replayed as DomainError).field).toEqual(["card"]);
      expect(execute).toHaveBeenCalledTimes(1);
    },
  );

  it.each(CACHE_MODES)(
    "keeps the key in progress after a crash following side effects, and answers IDEMPOTENCY_IN_PROGRESS after the bounded wait (cache %s)",
    async (mode) => {
      const { service, store, scope, clock } = harness(mode);
      const crash = new Error("connection reset");
      const execute = vi.fn(async (context: IdempotencyContext): Promise<typeof RESULT> => {
        store.link(refOf(context), "pay_1", { lockedUntil: context.lockedUntil });
        context.markSideEffects();
        throw crash;
      });

      await expect(service.run(scope, "createPayment", INPUT, execute)).rejects.toBe(crash);
      expect((await store.find(scope))?.status).toBe("IN_PROGRESS");

      const waitStart = clock.t;
      const error = await rejection(service.run(scope, "createPayment", INPUT, execute));
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("IDEMPOTENCY_IN_PROGRESS");
      expect((error as DomainError).retryable).toBe(true);
      expect(clock.t - waitStart).toBeGreaterThanOrEqual(OPTIONS.waitForInProgressMs);
      expect(execute).toHaveBeenCalledTimes(1);
      expect((await store.find(scope))?.status).toBe("IN_PROGRESS");
    },
  );

  it.each(CACHE_MODES)(
    "takes over a record left by a crash before any side effect (cache %s)",
    async (mode) => {
      const { service, store, scope, clock } = harness(mode);
      const orphan = await orphanRecord(store, scope, clock.t);
      const execute = vi.fn(async (context: IdempotencyContext) => {
        expect(context.recordId).toBe(orphan.id);
        expect(context.lockedUntil.getTime()).toBeGreaterThan(clock.t);
        return RESULT;
      });

      const outcome = await service.run(scope, "createPayment", INPUT, execute);
      expect(outcome).toEqual({ value: RESULT, replayed: false });
      expect(execute).toHaveBeenCalledTimes(1);
      const record = await store.find(scope);
      expect(record?.id).toBe(orphan.id);
      expect(record?.status).toBe("COMPLETED");
    },
  );

  it.each(CACHE_MODES)(
    "never re-runs a crashed request that created a resource, even past its lock (cache %s)",
    async (mode) => {
      const { service, store, scope, clock } = harness(mode);
      const orphan = await orphanRecord(store, scope, clock.t);
      store.link(orphan, "pay_1");
      const execute = vi.fn(async () => RESULT);

      const error = await rejection(service.run(scope, "createPayment", INPUT, execute));
      expect((error as DomainError).code).toBe("IDEMPOTENCY_IN_PROGRESS");
      expect((error as DomainError).retryable).toBe(true);
      expect(execute).not.toHaveBeenCalled();
      const record = await store.find(scope);
      expect(record?.status).toBe("IN_PROGRESS");
      expect(record?.resourceId).toBe("pay_1");
    },
  );

  it.each(CACHE_MODES)(
    "lets a waiter run as soon as the holder releases the key, without waiting out the deadline (cache %s)",
    async (mode) => {
      const { service, store, scope, clock } = harness(mode);
      const start = clock.t;
      let holderStarted!: () => void;
      const started = new Promise<void>((resolve) => {
        holderStarted = resolve;
      });
      const execute = vi
        .fn<(context: IdempotencyContext) => Promise<typeof RESULT>>()
        .mockImplementationOnce(async () => {
          holderStarted();
          // Fail validation only once the waiter is polling (the clock moves only when it sleeps).
          for (let i = 0; i < 10_000 && clock.t < start + 20; i++) await Promise.resolve();
          throw new DomainError("PAYMENT_METHOD_NOT_FOUND", "No such payment method.");
        })
        .mockImplementationOnce(async () => RESULT);

      const holder = service.run(scope, "createPayment", INPUT, execute);
      await started;
      const waiter = service.run(scope, "createPayment", INPUT, execute);

      const [holderOutcome, waiterOutcome] = await Promise.allSettled([holder, waiter]);
      expect(holderOutcome.status).toBe("rejected");
      expect(((holderOutcome as PromiseRejectedResult).reason as DomainError).code).toBe(
        "PAYMENT_METHOD_NOT_FOUND",
      );
      expect(waiterOutcome).toEqual({ status: "fulfilled", value: { value: RESULT, replayed: false } });
      expect(execute).toHaveBeenCalledTimes(2);
      expect(clock.t - start).toBeGreaterThanOrEqual(20);
      expect(clock.t - start).toBeLessThan(OPTIONS.waitForInProgressMs / 10);
      expect((await store.find(scope))?.status).toBe("COMPLETED");
    },
  );

  it.each(CACHE_MODES)(
    "completes in the executor's transaction through completeWith, and replays what build produced (cache %s)",
    async (mode) => {
      const { service, store, scope } = harness(mode);
      const completeSpy = vi.spyOn(store, "complete");
      const committedAt = new Date("2025-06-15T12:00:00.456Z");
      const built = { paymentMethod: { id: "pm_1", version: 1n, createdAt: committedAt } };
      // The executor returns its draft; the stored response is built from the row as committed.
      const draft = { paymentMethod: { id: "pm_1", version: 0n, createdAt: null } };
      const execute = vi.fn(async (context: IdempotencyContext) => {
        const link = context.completeWith((row: { id: string; version: bigint; createdAt: Date }) => ({
          paymentMethod: row,
        }));
        expect(link.recordId).toBe(context.recordId);
        // What the store's transaction does: build the response from the committed row and complete the record.
        const response = link.complete?.response({ id: "pm_1", version: 1n, createdAt: committedAt });
        store.link({ id: link.recordId, createdAt: link.recordCreatedAt }, "pm_1", {
          lockedUntil: context.lockedUntil,
          response,
        });
        link.complete?.committed(response);
        return draft;
      });

      const first = await service.run(scope, "tokenizeCard", INPUT, execute);
      expect(first).toEqual({ value: draft, replayed: false });
      expect(completeSpy).not.toHaveBeenCalled();
      const record = await store.find(scope);
      expect(record?.status).toBe("COMPLETED");
      expect(record?.resourceId).toBe("pm_1");

      const replay = await service.run(scope, "tokenizeCard", INPUT, execute);
      expect(replay).toEqual({ value: built, replayed: true });
      expect(execute).toHaveBeenCalledTimes(1);
      expect(completeSpy).not.toHaveBeenCalled();
    },
  );

  it.each(CACHE_MODES)(
    "keeps each key kind's keys apart: a publishable key's use of a key neither blocks nor reveals a secret key's (cache %s)",
    async (mode) => {
      const { service, store, scope } = harness(mode);
      const publishable: IdempotencyScope = { ...scope, keyKind: "PUBLISHABLE" };
      const claimed = vi.fn(async () => ({ claimedBy: "publishable" }));
      await service.run(publishable, "tokenizeCard", { fingerprint: "f" }, claimed);

      const execute = vi.fn(async () => RESULT);
      const first = await service.run(scope, "createPayment", INPUT, execute);
      expect(first).toEqual({ value: RESULT, replayed: false });
      // Probing the same key with the publishable kind replays its own request, never the secret key's.
      const probe = await service.run(publishable, "tokenizeCard", { fingerprint: "f" }, claimed);
      expect(probe).toEqual({ value: { claimedBy: "publishable" }, replayed: true });
      expect(claimed).toHaveBeenCalledTimes(1);
      expect(store.size).toBe(2);
    },
  );

  it.each(CACHE_MODES)("runs 20 concurrent requests with one key exactly once (cache %s)", async (mode) => {
    const { service, scope } = harness(mode);
    const execute = vi.fn(async () => {
      await ticks(5);
      return RESULT;
    });

    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => service.run(scope, "createPayment", { ...INPUT }, execute)),
    );

    expect(execute).toHaveBeenCalledTimes(1);
    for (const outcome of outcomes) expect(outcome.value).toEqual(RESULT);
    expect(outcomes.filter((o) => o.replayed)).toHaveLength(19);
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
  });
});

/** The in-memory store, unreachable on demand (a database failover): its calls fail like a lost connection. */
class FailingOverStore extends InMemoryIdempotencyStore {
  down = false;
  /** The next insert commits, then its answer is lost (the connection dropped during COMMIT). */
  loseNextInsertAnswer = false;

  override async insertOrGet(input: Parameters<InMemoryIdempotencyStore["insertOrGet"]>[0]) {
    if (this.down) throw new Error("Connection terminated unexpectedly");
    const result = await super.insertOrGet(input);
    if (this.loseNextInsertAnswer) {
      this.loseNextInsertAnswer = false;
      this.down = true;
      throw new Error("Connection terminated unexpectedly");
    }
    return result;
  }

  override async release(record: Parameters<InMemoryIdempotencyStore["release"]>[0], lockedUntil: Date) {
    if (this.down) throw new Error("Connection terminated unexpectedly");
    return super.release(record, lockedUntil);
  }
}

describe("IdempotencyService.run across a database failover", () => {
  function failoverHarness() {
    const clock = { t: T0 };
    const now = () => new Date(clock.t);
    const sleep = async (ms: number) => {
      clock.t += ms;
      await Promise.resolve();
    };
    const store = new FailingOverStore();
    const service = new IdempotencyService(store, null, OPTIONS, now, sleep);
    const scope: IdempotencyScope = {
      merchantId: newId("merchant") as MerchantId,
      mode: "TEST",
      keyKind: "SECRET",
      key: "key-failover",
    };
    return { clock, store, service, scope };
  }

  it("releases a key whose work failed with the database unreachable as soon as it is back, not after the lease", async () => {
    const { clock, store, service, scope } = failoverHarness();
    const cut = vi.fn(async () => {
      store.down = true;
      throw new Error("Connection terminated unexpectedly");
    });
    await rejection(service.run(scope, "createPayment", INPUT, cut));
    expect(await store.find(scope)).not.toBeNull();

    store.down = false;
    await ticks(50);
    expect(await store.find(scope), "released once the store answered").toBeNull();
    expect(clock.t - T0).toBeLessThan(OPTIONS.lockTtlMs);

    const execute = vi.fn(async () => RESULT);
    const retried = await service.run(scope, "createPayment", INPUT, execute);
    expect(retried).toEqual({ value: RESULT, replayed: false });
    expect(execute).toHaveBeenCalledTimes(1);
  });

  it("releases a record whose insert committed but whose answer was lost", async () => {
    const { store, service, scope } = failoverHarness();
    store.loseNextInsertAnswer = true;
    const execute = vi.fn(async () => RESULT);
    await rejection(service.run(scope, "createPayment", INPUT, execute));
    expect(execute).not.toHaveBeenCalled();
    expect(await store.find(scope), "the insert committed").not.toBeNull();

    store.down = false;
    await ticks(50);
    expect(await store.find(scope)).toBeNull();
    expect(await service.run(scope, "createPayment", INPUT, execute)).toEqual({
      value: RESULT,
      replayed: false,
    });
  });

  it("never releases a record once the work has had side effects", async () => {
    const { store, service, scope } = failoverHarness();
    const crash = vi.fn(async (context: IdempotencyContext) => {
      context.markSideEffects();
      store.down = true;
      throw new Error("Connection terminated unexpectedly");
    });
    await rejection(service.run(scope, "createPayment", INPUT, crash));
    store.down = false;
    await ticks(50);
    expect((await store.find(scope))?.status).toBe("IN_PROGRESS");
  });
});

describe('IdempotencyService.run with claim: "on_first_write"', () => {
  const ON_WRITE = { claim: "on_first_write" } as const;

  /** Work whose first write claims the key, as createPayment's intent statement does. */
  function writingWork(store: InMemoryIdempotencyStore, resourceId = "pay_1") {
    return vi.fn(async (context: IdempotencyContext) => {
      await ticks(3); // the reads before the write
      store.write(context.claim(), resourceId);
      context.markSideEffects();
      return RESULT;
    });
  }

  it.each(CACHE_MODES)(
    "claims with the first write behind the Redis lock, then replays (cache %s)",
    async (mode) => {
      const { service, store, scope } = harness(mode);
      const insertSpy = vi.spyOn(store, "insertOrGet");
      const execute = writingWork(store);

      const first = await service.run(scope, "createPayment", INPUT, execute, ON_WRITE);
      expect(first).toEqual({ value: RESULT, replayed: false });
      const record = await store.find(scope);
      expect(record).toMatchObject({ status: "COMPLETED", resourceId: "pay_1", operation: "createPayment" });
      expect(record?.requestHash).toBe(hashRequest(SECRET, "createPayment", INPUT));
      // Without Redis the key is claimed before the work, so that a replay never does the work again.
      expect(insertSpy).toHaveBeenCalledTimes(mode === "available" ? 0 : 1);

      const second = await service.run(scope, "createPayment", INPUT, execute, ON_WRITE);
      expect(second).toEqual({ value: RESULT, replayed: true });
      expect(execute).toHaveBeenCalledTimes(1);
    },
  );

  it.each(CACHE_MODES)(
    "replays the stored result when the write finds the key taken and Redis no longer has it (cache %s)",
    async (mode) => {
      const { service, store, scope, clock } = harness(mode);
      const execute = writingWork(store);
      await service.run(scope, "createPayment", INPUT, execute, ON_WRITE);
      clock.t += OPTIONS.cacheTtlMs + 1; // Redis forgot the result; Postgres keeps it for the retention.

      const again = await service.run(scope, "createPayment", INPUT, writingWork(store, "pay_2"), ON_WRITE);
      expect(again).toEqual({ value: RESULT, replayed: true });
      expect(store.size).toBe(1);
      expect((await store.find(scope))?.resourceId).toBe("pay_1");
    },
  );

  it.each(CACHE_MODES)(
    "refuses a different input only once its write finds the key taken (cache %s)",
    async (mode) => {
      const { service, store, scope, clock } = harness(mode);
      await service.run(scope, "createPayment", INPUT, writingWork(store), ON_WRITE);
      clock.t += OPTIONS.cacheTtlMs + 1;

      const error = await rejection(
        service.run(
          scope,
          "createPayment",
          { ...INPUT, amountMinor: 5n },
          writingWork(store, "pay_2"),
          ON_WRITE,
        ),
      );
      expect((error as DomainError).code).toBe("IDEMPOTENCY_KEY_REUSED");
      expect((await store.find(scope))?.resourceId).toBe("pay_1");
    },
  );

  it.each(CACHE_MODES)(
    "leaves nothing to release when bad input fails before the first write (cache %s)",
    async (mode) => {
      const { service, store, scope } = harness(mode);
      const releaseSpy = vi.spyOn(store, "release");
      const invalid = new DomainError("PAYMENT_METHOD_NOT_FOUND", "No such payment method.");
      await expect(
        service.run(
          scope,
          "createPayment",
          INPUT,
          async () => {
            throw invalid;
          },
          ON_WRITE,
        ),
      ).rejects.toBe(invalid);
      expect(store.size).toBe(0);
      // Behind the Redis lock nothing was claimed, so nothing is released (without Redis it was claimed first).
      expect(releaseSpy).toHaveBeenCalledTimes(mode === "available" ? 0 : 1);

      const retried = await service.run(
        scope,
        "createPayment",
        { ...INPUT, amountMinor: 2_000n },
        writingWork(store),
        ON_WRITE,
      );
      expect(retried.replayed).toBe(false);
    },
  );

  it.each(CACHE_MODES)(
    "runs 20 concurrent requests with one key to one write; the others replay it (cache %s)",
    async (mode) => {
      const { service, store, scope } = harness(mode);
      let written = 0;
      const execute = vi.fn(async (context: IdempotencyContext) => {
        await ticks(5);
        store.write(context.claim(), `pay_${written + 1}`);
        written++;
        context.markSideEffects();
        await ticks(5); // the PSP call
        return RESULT;
      });

      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () =>
          service.run(scope, "createPayment", { ...INPUT }, execute, ON_WRITE),
        ),
      );

      expect(written).toBe(1);
      expect(store.size).toBe(1);
      for (const outcome of outcomes) expect(outcome.value).toEqual(RESULT);
      expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    },
  );

  it.each(CACHE_MODES)(
    "takes over a record claimed beforehand by a request that died before writing (cache %s)",
    async (mode) => {
      const { service, store, scope, clock } = harness(mode);
      const orphan = await orphanRecord(store, scope, clock.t);
      const execute = writingWork(store);

      const outcome = await service.run(scope, "createPayment", INPUT, execute, ON_WRITE);
      expect(outcome).toEqual({ value: RESULT, replayed: false });
      // Behind the Redis lock the first try found the key taken at its write and the second ran on the
      // taken-over record; without Redis the take-over came first.
      expect(execute).toHaveBeenCalledTimes(mode === "available" ? 2 : 1);
      expect(await store.find(scope)).toMatchObject({
        id: orphan.id,
        status: "COMPLETED",
        resourceId: "pay_1",
      });
    },
  );
  it.each(CACHE_MODES)(
    "answers a key whose dead holder left a payment in progress, never with a refusal of its own work before the write (cache %s)",
    async (mode) => {
      // The API-process drill's 61st payment: a process wrote the payment and died in its PSP call; 30 s later
      // (the Redis lock expired) a retry with the key ran the work before the write on another process, whose
      // breaker was open, and answered PSP_NOT_REACHED ("nothing was done, retry with a new key") for a key that
      // had a payment: the client's new key made a second payment.
      const { service, store, scope, clock } = harness(mode);
      const orphan = await orphanRecord(store, scope, clock.t + OPTIONS.lockTtlMs);
      store.link(orphan, "pay_1");
      clock.t += OPTIONS.lockTtlMs;
      const refused = new DomainError(
        "PSP_NOT_REACHED",
        "No payment service provider can be reached right now.",
      );
      const refusing = vi.fn(async () => {
        throw refused;
      });

      const error = await rejection(service.run(scope, "createPayment", INPUT, refusing, ON_WRITE));
      expect((error as DomainError).code).toBe("IDEMPOTENCY_IN_PROGRESS");
      expect((error as DomainError).retryable).toBe(true);

      // Once the resolver stored the payment's answer, the key replays it.
      store.completeFor("pay_1", ["createPayment"], encodeResult(RESULT));
      const replayed = await service.run(scope, "createPayment", INPUT, refusing, ON_WRITE);
      expect(replayed).toEqual({ value: RESULT, replayed: true });
      expect(store.size).toBe(1);
    },
  );

  it.each(CACHE_MODES)(
    "still answers its own refusal before the write when no one holds the key (cache %s)",
    async (mode) => {
      const { service, store, scope, clock } = harness(mode);
      // A holder that died before writing anything: nothing to wait for, the refusal is this request's answer.
      await orphanRecord(store, scope, clock.t);
      const refused = new DomainError(
        "PSP_NOT_REACHED",
        "No payment service provider can be reached right now.",
      );
      const error = await rejection(
        service.run(
          scope,
          "createPayment",
          INPUT,
          async () => {
            throw refused;
          },
          ON_WRITE,
        ),
      );
      expect(error).toBe(refused);
    },
  );
});

describe("IdempotencyService.run with a gate (the API's rate limits, sent with the lock)", () => {
  const limited = () => new Error("rate limited");

  it.each(CACHE_MODES)(
    "asks the gate once, in the same tick as the lock, then runs (cache %s)",
    async (mode) => {
      const { service, store, scope, cache } = harness(mode);
      const order: string[] = [];
      const gate = vi.fn(async () => {
        order.push("gate");
      });
      if (cache) {
        const completedOrLock = cache.completedOrLock.bind(cache);
        vi.spyOn(cache, "completedOrLock").mockImplementation((...args) => {
          order.push("lock");
          return completedOrLock(...args);
        });
      }
      const execute = vi.fn(async (context: IdempotencyContext) => {
        store.write(context.claim(), "pay_1");
        context.markSideEffects();
        return RESULT;
      });
      const running = service.runClaimedByWrite(scope, "createPayment", INPUT, execute, { gate });
      // Both started before anything was awaited: one write for a client that pipelines.
      expect(order).toEqual(cache ? ["gate", "lock"] : ["gate"]);
      expect(await running).toEqual({ value: RESULT, replayed: false });
      expect(gate).toHaveBeenCalledTimes(1);
      const replay = await service.runClaimedByWrite(scope, "createPayment", INPUT, execute, { gate });
      expect(replay).toEqual({ value: RESULT, replayed: true });
      expect(gate).toHaveBeenCalledTimes(2);
      expect(execute).toHaveBeenCalledTimes(1);
    },
  );

  it.each(CACHE_MODES)(
    "answers the gate's refusal, runs nothing and leaves the key free (cache %s)",
    async (mode) => {
      const { service, store, scope } = harness(mode);
      const execute = vi.fn(async (context: IdempotencyContext) => {
        store.write(context.claim(), "pay_1");
        context.markSideEffects();
        return RESULT;
      });
      const refuse = vi.fn(async () => {
        throw limited();
      });
      await expect(
        service.runClaimedByWrite(scope, "createPayment", INPUT, execute, { gate: refuse }),
      ).rejects.toThrow("rate limited");
      expect(execute).not.toHaveBeenCalled();
      expect(store.size).toBe(0);
      // The lock the refused request took went with it: the same key runs at once, not IDEMPOTENCY_IN_PROGRESS.
      const next = await service.runClaimedByWrite(scope, "createPayment", INPUT, execute);
      expect(next).toEqual({ value: RESULT, replayed: false });
    },
  );

  it("refuses a replay the gate refuses: a limit reached answers the limit, not the stored result", async () => {
    const { service, store, scope } = harness("available");
    const execute = vi.fn(async (context: IdempotencyContext) => {
      store.write(context.claim(), "pay_1");
      context.markSideEffects();
      return RESULT;
    });
    await service.runClaimedByWrite(scope, "createPayment", INPUT, execute);
    await expect(
      service.runClaimedByWrite(scope, "createPayment", INPUT, execute, {
        gate: async () => {
          throw limited();
        },
      }),
    ).rejects.toThrow("rate limited");
  });
});

describe("idempotencyScopeKey", () => {
  const merchantId = "mer_01" as MerchantId;
  it.each([
    [
      "a secret key",
      { merchantId, mode: "TEST", keyKind: "SECRET", key: "order-1002" },
      "idem2:mer_01:TEST:SECRET:order-1002",
    ],
    [
      "a publishable key",
      { merchantId, mode: "TEST", keyKind: "PUBLISHABLE", key: "order-1002" },
      "idem2:mer_01:TEST:PUBLISHABLE:order-1002",
    ],
    [
      "a key with colons",
      { merchantId, mode: "LIVE", keyKind: "OPERATOR", key: "operator:a:b" },
      "idem2:mer_01:LIVE:OPERATOR:operator:a:b",
    ],
  ] as [string, IdempotencyScope, string][])(
    "names %s's scope apart from the others and from the old idem: keys",
    (_label, scope, expected) => {
      expect(idempotencyScopeKey(scope)).toBe(expected);
      expect(idempotencyScopeKey(scope).startsWith(LEGACY_IDEMPOTENCY_SCOPE_KEY_PREFIX)).toBe(false);
    },
  );
});

describe("hashRequest", () => {
  it("is keyed: different secrets hash the same input differently", () => {
    const a = hashRequest(Buffer.alloc(32, 1), "createPayment", INPUT);
    const b = hashRequest(Buffer.alloc(32, 2), "createPayment", INPUT);
    expect(a).not.toBe(b);
    expect(hashRequest(Buffer.alloc(32, 1), "createPayment", { ...INPUT })).toBe(a);
  });
});
