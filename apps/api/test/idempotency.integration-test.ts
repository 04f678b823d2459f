// Goal: exactly-once mutations under one idempotency key, with Stripe's
// semantics, whether Redis is up, unreachable or not configured at all.
import { encodeResult } from "@paycore/core/idempotency/result-codec";
import { type IdempotencyRecordId, type MerchantId, newId, type PaymentId } from "@paycore/core/ids/ids";
import type {
  MerchantActor,
  PaymentChangeResult,
  PaymentRecord,
} from "@paycore/core/payments/payment-record";
import type { PaymentChange } from "@paycore/core/ports/payment-store";
import {
  findTestRedis,
  type OwnRedis,
  redisServerAvailable,
  startOwnRedis,
} from "@paycore/platform/testing/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { luhnCard } from "../src/testing/load-client";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) {
    payment { id status amount amountCaptured pspReference createdAt updatedAt }
    errors { code message field retryable }
  }
}`;
const REFUND = `mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { refund { id amount status } errors { code } }
}`;

interface Payload {
  createPayment: {
    payment: { id: string; status: string; amount: string } | null;
    errors: Array<{ code: string; retryable: boolean }>;
  };
}

function invariantDefined<T>(value: T | null | undefined): asserts value is T {
  if (value === null || value === undefined) throw new Error("expected a value");
}

/** Redis forgets the merchant's stored results (their cache time ran out, say); Postgres keeps them. */
async function forgetResults(t: TestApp, merchant: TestMerchant) {
  const redis = t.app.redis;
  invariantDefined(redis);
  const keys = await redis.keys(`{idem2:${merchant.id}:*`);
  expect(keys.length).toBeGreaterThan(0);
  await redis.del(...keys);
}

async function setUp(t: TestApp) {
  const merchant = await t.createMerchant();
  const card = await t.tokenize(merchant.publishableKey);
  const create = (key: string, amount = "1500", who: TestMerchant = merchant, method = card) =>
    t.gql<Payload>(who.secretKey, CREATE, {
      input: { idempotencyKey: key, amount, currency: "USD", paymentMethodId: method },
    });
  return { merchant, card, create };
}

/** 50 requests at once with one key: one payment, one PSP authorization, every answer that payment or "in progress". */
async function fiftyConcurrentCreates(t: TestApp) {
  const { create } = await setUp(t);
  const key = newKey("race");
  const paymentsBefore = await t.countRows("payments");
  const results = await Promise.all(Array.from({ length: 50 }, () => create(key)));
  const ids = new Set<string>();
  for (const result of results) {
    const payload = result.data?.createPayment;
    expect(payload, result.raw).toBeDefined();
    if (payload?.payment) ids.add(payload.payment.id);
    else
      expect(payload?.errors).toEqual([
        expect.objectContaining({ code: "IDEMPOTENCY_IN_PROGRESS", retryable: true }),
      ]);
  }
  expect(ids.size).toBe(1);
  const paymentId = [...ids][0] as string;
  expect(await t.countRows("payments")).toBe(paymentsBefore + 1);
  expect(t.sandbox.authorizationsFor(paymentId)).toBe(1);
  expect(t.sandbox.charges().filter((c) => c.reference === paymentId)).toHaveLength(1);
  const replayed = results.filter((r) => r.extensions?.idempotency).length;
  expect(replayed).toBeGreaterThan(0);
  await t.expectLedgerBalanced();
  return results;
}

describe("idempotency semantics (Postgres only)", () => {
  let t: TestApp;
  let ctx: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    t = await createTestApp({ redisUrl: null });
    ctx = await setUp(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("replays the identical response for the same key and input, marked as a replay, without a second PSP call", async () => {
    const key = newKey();
    const first = await ctx.create(key);
    const second = await ctx.create(key);
    expect(second.data).toEqual(first.data);
    expect(first.extensions?.idempotency).toBeUndefined();
    expect(second.extensions).toEqual({ idempotency: { replayed: true, fields: ["createPayment"] } });
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const paymentId = first.data?.createPayment.payment?.id as string;
    expect(t.sandbox.authorizationsFor(paymentId)).toBe(1);
    await t.expectLedgerBalanced();
  });

  it("replays a declined payment as declined", async () => {
    const declining = await t.tokenize(ctx.merchant.publishableKey, "4000000000000002");
    const key = newKey();
    const first = await ctx.create(key, "900", ctx.merchant, declining);
    const second = await ctx.create(key, "900", ctx.merchant, declining);
    expect(first.data?.createPayment.payment?.status).toBe("DECLINED");
    expect(second.data).toEqual(first.data);
    expect(t.sandbox.authorizationsFor(first.data?.createPayment.payment?.id as string)).toBe(1);
  });

  it("refuses the same key with a different input", async () => {
    const key = newKey();
    await ctx.create(key, "1500");
    const reused = await ctx.create(key, "1501");
    expect(reused.data?.createPayment).toEqual({
      payment: null,
      errors: [
        expect.objectContaining({
          code: "IDEMPOTENCY_KEY_REUSED",
          field: ["idempotencyKey"],
          retryable: false,
        }),
      ],
    });
  });

  it("refuses the same key on a different mutation", async () => {
    const key = newKey();
    const created = await ctx.create(key);
    const refund = await t.gql<{ refundPayment: { errors: Array<{ code: string }> } }>(
      ctx.merchant.secretKey,
      REFUND,
      {
        input: { idempotencyKey: key, paymentId: created.data?.createPayment.payment?.id },
      },
    );
    expect(refund.data?.refundPayment.errors.map((e) => e.code)).toEqual(["IDEMPOTENCY_KEY_REUSED"]);
  });

  it("stores nothing for a request that failed validation, so the key can be used again", async () => {
    const key = newKey();
    const bad = await ctx.create(key, "0");
    expect(bad.data?.createPayment.errors.map((e) => e.code)).toEqual(["AMOUNT_INVALID"]);
    const unknownMethod = await t.gql<Payload>(ctx.merchant.secretKey, CREATE, {
      input: {
        idempotencyKey: key,
        amount: "100",
        currency: "USD",
        paymentMethodId: "pm_01M7YXE3X6F34FSQJZ2QMG3EGV",
      },
    });
    expect(unknownMethod.data?.createPayment.errors.map((e) => e.code)).toEqual(["PAYMENT_METHOD_NOT_FOUND"]);
    const fixed = await ctx.create(key, "100");
    expect(fixed.data?.createPayment.payment?.status).toBe("CAPTURED");
    expect(fixed.extensions?.idempotency).toBeUndefined();
  });

  it("scopes keys per merchant", async () => {
    const other = await t.createMerchant();
    const otherCard = await t.tokenize(other.publishableKey);
    const key = newKey();
    const mine = await ctx.create(key, "100");
    const theirs = await ctx.create(key, "200", other, otherCard);
    expect(theirs.data?.createPayment.payment?.id).not.toBe(mine.data?.createPayment.payment?.id);
    expect(theirs.data?.createPayment.payment?.amount).toBe("200");
  });

  it("accepts a 255-character key and refuses a 256-character one", async () => {
    expect((await ctx.create("k".repeat(255))).data?.createPayment.payment?.status).toBe("CAPTURED");
    expect((await ctx.create("k".repeat(256))).data?.createPayment.errors.map((e) => e.code)).toEqual([
      "IDEMPOTENCY_KEY_INVALID",
    ]);
  });

  it("makes one refund of a double-submitted refund", async () => {
    const paid = await ctx.create(newKey(), "1000");
    const key = newKey();
    const input = { idempotencyKey: key, paymentId: paid.data?.createPayment.payment?.id, amount: "400" };
    const [a, b] = await Promise.all([
      t.gql(ctx.merchant.secretKey, REFUND, { input }),
      t.gql(ctx.merchant.secretKey, REFUND, { input }),
    ]);
    expect(a.data).toEqual(b.data);
    expect(await t.app.db.refund.count({ where: { paymentId: paid.data?.createPayment.payment?.id } })).toBe(
      1,
    );
    await t.expectLedgerBalanced();
  });

  it("answers IDEMPOTENCY_IN_PROGRESS when the first request outlasts the wait", async () => {
    const slow = await createTestApp({
      redisUrl: null,
      idempotencyWaitMs: 50,
      sandbox: new (t.sandbox.constructor as typeof import("@paycore/psp-testkit/sandbox-psp").SandboxPsp)({
        latencyMs: 3_000,
      }),
    });
    try {
      const s = await setUp(slow);
      const key = newKey();
      const paymentsBefore = await slow.countRows("payments");
      const firstRequest = s.create(key);
      // The second request goes once the first has written its intent and sits in the PSP call (3 s), not after
      // a fixed delay: on a loaded machine the first may not have reached the database 100 ms later.
      for (let poll = 0; poll < 500 && (await slow.countRows("payments")) === paymentsBefore; poll++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const [first, second] = await Promise.all([firstRequest, s.create(key)]);
      expect(first.data?.createPayment.payment?.status).toBe("CAPTURED");
      expect(second.data?.createPayment.errors).toEqual([
        expect.objectContaining({ code: "IDEMPOTENCY_IN_PROGRESS", retryable: true }),
      ]);
      const third = await s.create(key);
      expect(third.data).toEqual(first.data);
    } finally {
      await slow.close();
    }
  });

  it("gives one payment and one authorization for 50 concurrent requests with one key", async () => {
    await fiftyConcurrentCreates(t);
  });

  describe("a change, its rows and its idempotency record in one statement", () => {
    /** An authorized payment (manual capture), read back through the store, and a fresh IN_PROGRESS key. */
    async function authorizedWithKey() {
      const created = await t.gql<Payload>(ctx.merchant.secretKey, CREATE, {
        input: {
          idempotencyKey: newKey(),
          amount: "2500",
          currency: "USD",
          paymentMethodId: ctx.card,
          captureMethod: "MANUAL",
        },
      });
      const paymentId = created.data?.createPayment.payment?.id as PaymentId;
      const actor: MerchantActor = {
        merchantId: ctx.merchant.id as MerchantId,
        mode: "TEST",
        apiKeyId: null,
      };
      const store = t.app.services.paymentStore;
      const payment = await store.findPayment(actor, paymentId);
      invariantDefined(payment);
      expect(payment.status).toBe("AUTHORIZED");
      const lockedUntil = new Date(Date.now() + 60_000);
      const record = await t.app.db.idempotencyRecord.create({
        data: {
          id: newId("idempotencyRecord"),
          merchantId: ctx.merchant.id,
          mode: "TEST",
          keyKind: "SECRET",
          key: newKey(),
          operation: "cancelPayment",
          requestHash: "0".repeat(64),
          status: "IN_PROGRESS",
          lockedUntil,
          expiresAt: new Date(Date.now() + 86_400_000),
        },
      });
      const eventsBefore = await t.app.db.paymentEvent.count({ where: { paymentId } });
      /** Nothing of a failed change was written: the payment, its events and the record are as they were. */
      const expectUntouched = async () => {
        expect(await store.findPayment(actor, paymentId)).toEqual(payment);
        expect(await t.app.db.paymentEvent.count({ where: { paymentId } })).toBe(eventsBefore);
        expect(await t.app.db.idempotencyRecord.findUniqueOrThrow({ where: { id: record.id } })).toEqual(
          record,
        );
      };
      return { actor, store, payment, record, lockedUntil, expectUntouched };
    }

    /** A cancellation of `payment` that claims the record and completes it with the payment it answers. */
    function cancellation(
      payment: PaymentRecord,
      record: { id: string; createdAt: Date },
      lockedUntil: Date,
    ) {
      const committed: unknown[] = [];
      const change: PaymentChange = {
        decidedOn: payment,
        patch: { status: "CANCELLED", amountCapturableMinor: 0n },
        events: [
          {
            type: "payment.canceled",
            oldStatus: payment.status,
            newStatus: "CANCELLED",
            source: "API",
            actor: null,
            data: {},
          },
        ],
        outbox: [],
        idempotency: {
          recordId: record.id as IdempotencyRecordId,
          recordCreatedAt: record.createdAt,
          lockedUntil,
          complete: {
            response: (result: PaymentChangeResult) => encodeResult({ payment: result.payment }),
            committed: (response) => committed.push(response),
          },
        },
      };
      return { change, committed };
    }

    it("writes the change and the completed record together, the response at the change's own time", async () => {
      const { actor, store, payment, record, lockedUntil } = await authorizedWithKey();
      const { change, committed } = cancellation(payment, record, lockedUntil);
      const result = await store.applyPaymentChange(actor, change);
      invariantDefined(result);
      expect(result.payment).toMatchObject({ status: "CANCELLED", version: payment.version + 1 });
      const stored = await t.app.db.idempotencyRecord.findUniqueOrThrow({ where: { id: record.id } });
      expect(stored).toMatchObject({ status: "COMPLETED", resourceId: payment.id });
      expect(stored.response).toEqual(encodeResult({ payment: result.payment }));
      expect(committed).toEqual([stored.response]);
      expect(store.mispredictedResponses).toBe(0);
    });

    it("writes nothing, the idempotency record included, when the payment changed since it was read", async () => {
      const { actor, store, payment, record, lockedUntil, expectUntouched } = await authorizedWithKey();
      const stale = { ...payment, version: payment.version - 1 };
      const { change, committed } = cancellation(stale, record, lockedUntil);
      expect(await store.applyPaymentChange(actor, change)).toBeNull();
      await expectUntouched();
      expect(committed).toEqual([]);
    });

    it("writes nothing, the payment included, when another request took the key over", async () => {
      const { actor, store, payment, record, lockedUntil, expectUntouched } = await authorizedWithKey();
      const { change, committed } = cancellation(payment, record, new Date(lockedUntil.getTime() - 1000));
      await expect(store.applyPaymentChange(actor, change)).rejects.toMatchObject({
        code: "IDEMPOTENCY_IN_PROGRESS",
      });
      await expectUntouched();
      expect(committed).toEqual([]);
    });

    it("writes nothing when a row it settles does not exist", async () => {
      const { actor, store, payment, record, lockedUntil, expectUntouched } = await authorizedWithKey();
      const { change, committed } = cancellation(payment, record, lockedUntil);
      const attemptSettlement = {
        id: newId("pspAttempt"),
        status: "SUCCEEDED" as const,
        pspReference: null,
        errorCode: null,
        errorMessage: null,
      };
      await expect(store.applyPaymentChange(actor, { ...change, attemptSettlement })).rejects.toThrow(
        /attempt .* not found/,
      );
      await expectUntouched();
      expect(committed).toEqual([]);
    });
  });
});

describe("with Redis", async () => {
  const redis = await findTestRedis();
  const skip = "skipReason" in redis ? redis.skipReason : null;

  describe.skipIf(skip !== null)(`the Redis fast path${skip ? ` (skipped: ${skip})` : ""}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ redisUrl: "url" in redis ? redis.url : null });
    });
    afterAll(async () => {
      await t.close();
    });

    it("gives one payment and one authorization for 50 concurrent requests with one key", async () => {
      await fiftyConcurrentCreates(t);
    });

    it("replays from Postgres when Redis lost the cached response", async () => {
      const { create } = await setUp(t);
      const key = newKey();
      const first = await create(key);
      await t.app.redis?.flushdb();
      const paymentsBefore = await t.countRows("payments");
      const second = await create(key);
      expect(second.data).toEqual(first.data);
      expect(second.extensions).toEqual({ idempotency: { replayed: true, fields: ["createPayment"] } });
      // The retry's intent statement found the key taken and wrote nothing.
      expect(await t.countRows("payments")).toBe(paymentsBefore);
    });

    it("claims the key in the payment's own statement: one record, linked, completed; none for bad input", async () => {
      const { merchant, create } = await setUp(t);
      const key = newKey();
      const paymentId = (await create(key)).data?.createPayment.payment?.id;
      const records = await t.app.db.idempotencyRecord.findMany({ where: { merchantId: merchant.id, key } });
      expect(records).toEqual([
        expect.objectContaining({ operation: "createPayment", status: "COMPLETED", resourceId: paymentId }),
      ]);

      const badKey = newKey();
      const bad = await t.gql<Payload>(merchant.secretKey, CREATE, {
        input: {
          idempotencyKey: badKey,
          amount: "1500",
          currency: "USD",
          paymentMethodId: "pm_01M7YXE3X6F34FSQJZ2QMG3EGV",
        },
      });
      expect(bad.data?.createPayment.errors.map((e) => e.code)).toEqual(["PAYMENT_METHOD_NOT_FOUND"]);
      expect(
        await t.app.db.idempotencyRecord.count({ where: { merchantId: merchant.id, key: badKey } }),
      ).toBe(0);
    });

    it("counts a retry that scores again, after Redis lost its result, once in the velocity counters", async () => {
      const { merchant, create } = await setUp(t);
      // A card of this test's own: the counters are per card across merchants and test files.
      const card = await t.tokenize(merchant.publishableKey, luhnCard("4111", Math.random));
      const key = newKey();
      const paymentId = (await create(key, "1500", merchant, card)).data?.createPayment.payment?.id as string;
      const { cardFingerprint } = await t.app.db.payment.findUniqueOrThrow({ where: { id: paymentId } });
      const redis = t.app.redis;
      invariantDefined(redis);
      const counter = `vel:{TEST:card:${cardFingerprint}}`;
      expect(await redis.zcard(counter)).toBe(1);
      await forgetResults(t, merchant);

      const retried = await create(key, "1500", merchant, card);
      expect(retried.extensions).toEqual({ idempotency: { replayed: true, fields: ["createPayment"] } });
      expect(await redis.zcard(counter)).toBe(1);
      // A different payment with the same card does count.
      await create(newKey(), "1500", merchant, card);
      expect(await redis.zcard(counter)).toBe(2);
    });

    it("refuses a different input with the same key after Redis lost the result", async () => {
      const { merchant, create } = await setUp(t);
      const key = newKey();
      await create(key);
      await forgetResults(t, merchant);
      const paymentsBefore = await t.countRows("payments");
      const reused = await create(key, "1501");
      expect(reused.data?.createPayment.errors.map((e) => e.code)).toEqual(["IDEMPOTENCY_KEY_REUSED"]);
      expect(await t.countRows("payments")).toBe(paymentsBefore);
    });
  });

  const ownRedisSkip = redisServerAvailable() ? null : "redis-server is not installed";
  describe.skipIf(ownRedisSkip !== null)(
    `Redis unreachable${ownRedisSkip ? ` (skipped: ${ownRedisSkip})` : ""}`,
    () => {
      let t: TestApp;
      let own: OwnRedis;
      beforeAll(async () => {
        own = await startOwnRedis();
        t = await createTestApp({ redisUrl: own.url });
        // Prove the fast path was live, then take it away mid-flight.
        const { create } = await setUp(t);
        expect((await create(newKey())).data?.createPayment.payment?.status).toBe("CAPTURED");
        await own.stop();
      });
      afterAll(async () => {
        await t.close();
        await own.stop();
      });

      it("stays exactly-once: 50 concurrent requests with one key give one payment and one authorization", async () => {
        await fiftyConcurrentCreates(t);
      });

      it("still replays and refuses reused keys", async () => {
        const { create } = await setUp(t);
        const key = newKey();
        const first = await create(key);
        expect((await create(key)).data).toEqual(first.data);
        expect((await create(key, "9")).data?.createPayment.errors.map((e) => e.code)).toEqual([
          "IDEMPOTENCY_KEY_REUSED",
        ]);
      });
    },
  );
});
