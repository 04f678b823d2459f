// Goal: an idempotency key is scoped by (merchant, mode, kind of API key), so a public publishable key can neither
// claim a key the merchant's server is about to use nor learn which keys it used, while a rolled secret key still
// replays what its predecessor ran; with Redis and without. Also: the pre-upgrade cache entries are swept.

import { deleteLegacyIdempotencyEntries } from "@paycore/platform/adapters/redis-idempotency-cache";
import {
  findTestRedis,
  type OwnRedis,
  redisServerAvailable,
  startOwnRedis,
} from "@paycore/platform/testing/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, TEST_FIXTURE_ACTOR, type TestApp, type TestMerchant } from "../src/testing/test-app";

const TOKENIZE = `mutation($input: TokenizeCardInput!) {
  tokenizeCard(input: $input) { paymentMethod { id last4 } errors { code message field retryable } }
}`;
const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status amount } errors { code message field retryable } }
}`;

interface TokenizePayload {
  tokenizeCard: {
    paymentMethod: { id: string; last4: string } | null;
    errors: Array<{ code: string }>;
  };
}
interface CreatePayload {
  createPayment: {
    payment: { id: string; status: string; amount: string } | null;
    errors: Array<{ code: string }>;
  };
}

const CARD = { number: "4242424242424242", expMonth: 12, expYear: 2035, cvc: "123" };

const redisFound = await findTestRedis();

describe.each([
  ["Postgres only", null],
  ["with Redis", "url" in redisFound ? redisFound.url : undefined],
] as const)("idempotency key scope (%s)", (_label, redisUrl) => {
  const skip = redisUrl === undefined;
  let t: TestApp;
  let merchant: TestMerchant;
  let method: string;
  /** Keys unique to this run, so the shared Redis never holds a result from an earlier run. */
  const run = Math.random().toString(36).slice(2, 10);

  const tokenize = (key: string, idempotencyKey: string) =>
    t.gql<TokenizePayload>(key, TOKENIZE, { input: { idempotencyKey, card: CARD } });
  const create = (key: string, idempotencyKey: string, amount = "1500") =>
    t.gql<CreatePayload>(key, CREATE, {
      input: { idempotencyKey, amount, currency: "USD", paymentMethodId: method },
    });

  beforeAll(async () => {
    if (skip) return;
    t = await createTestApp({ redisUrl: redisUrl ?? null });
    merchant = await t.createMerchant();
    method = await t.tokenize(merchant.publishableKey);
  });
  afterAll(async () => {
    if (!skip) await t.close();
  });

  it.skipIf(skip)(
    "lets the secret key use a key the publishable key claimed first, and each replays its own",
    async () => {
      const key = `order-1002-${run}`;
      const claimed = await tokenize(merchant.publishableKey, key);
      const claimedMethod = claimed.data?.tokenizeCard.paymentMethod?.id;
      expect(claimedMethod, claimed.raw).toMatch(/^pm_/);

      const created = await create(merchant.secretKey, key);
      expect(created.data?.createPayment.errors, created.raw).toEqual([]);
      expect(created.data?.createPayment.payment?.status).toBe("CAPTURED");
      expect(created.extensions?.idempotency).toBeUndefined();

      const againPublishable = await tokenize(merchant.publishableKey, key);
      expect(againPublishable.data?.tokenizeCard.paymentMethod?.id).toBe(claimedMethod);
      expect(againPublishable.extensions?.idempotency).toEqual({ replayed: true, fields: ["tokenizeCard"] });
      const againSecret = await create(merchant.secretKey, key);
      expect(againSecret.data?.createPayment.payment?.id).toBe(created.data?.createPayment.payment?.id);
      expect(againSecret.extensions?.idempotency).toEqual({ replayed: true, fields: ["createPayment"] });
    },
  );

  it.skipIf(skip)(
    "tells the publishable key nothing about the secret key's keys: a used key answers as an unused one",
    async () => {
      const used = `order-2001-${run}`;
      const created = await create(merchant.secretKey, used);
      expect(created.data?.createPayment.payment?.status, created.raw).toBe("CAPTURED");

      const probes = [
        await tokenize(merchant.publishableKey, used),
        await tokenize(merchant.publishableKey, `order-never-used-${run}`),
      ];
      const shapes = probes.map((probe) => ({
        status: probe.status,
        errors: probe.errors,
        payloadErrors: probe.data?.tokenizeCard.errors,
        replayed: probe.extensions?.idempotency ?? null,
        header: probe.headers.get("idempotent-replayed"),
        method: probe.data?.tokenizeCard.paymentMethod?.id.replace(/^pm_.*/, "pm_…"),
      }));
      expect(shapes[0]).toEqual(shapes[1]);
      expect(shapes[0]).toMatchObject({ status: 200, payloadErrors: [], replayed: null, method: "pm_…" });
    },
  );

  it.skipIf(skip)("replays a request of a rolled secret key under its successor", async () => {
    const key = `order-3001-${run}`;
    const first = await create(merchant.secretKey, key, "2500");
    const paymentId = first.data?.createPayment.payment?.id;
    expect(paymentId, first.raw).toMatch(/^pay_/);

    const keys = await t.app.services.merchants.listKeys(merchant.id);
    const secret = keys.find((k) => k.kind === "SECRET" && k.mode === "TEST" && k.revokedAt === null);
    expect(secret).toBeDefined();
    const rolled = await t.app.services.merchantCommands.rollKey(
      TEST_FIXTURE_ACTOR,
      merchant.id,
      secret?.id as string,
    );
    expect(rolled).not.toBeNull();
    const successor = rolled?.created.key as string;

    const replayed = await create(successor, key, "2500");
    expect(replayed.data?.createPayment.payment?.id, replayed.raw).toBe(paymentId);
    expect(replayed.extensions?.idempotency).toEqual({ replayed: true, fields: ["createPayment"] });
    const reused = await create(successor, key, "2600");
    expect(
      reused.data?.createPayment.errors.map((e) => e.code),
      reused.raw,
    ).toEqual(["IDEMPOTENCY_KEY_REUSED"]);
    const revoked = await create(merchant.secretKey, key, "2500");
    expect(revoked.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    merchant = { ...merchant, secretKey: successor };
  });
});

const ownRedisSkip = redisServerAvailable() ? null : "redis-server is not installed";
describe.skipIf(ownRedisSkip !== null)("deleteLegacyIdempotencyEntries", () => {
  let own: OwnRedis;
  let redis: Redis;
  beforeAll(async () => {
    // A Redis of its own: the shared one holds other suites' keys, old-format ones included.
    own = await startOwnRedis();
    redis = new Redis(own.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await own.stop();
  });

  it("deletes every pre-upgrade idem: entry, over many SCAN pages, and nothing else", async () => {
    const legacy = Array.from({ length: 2_500 }, (_, i) => [
      `{idem:mer_${i}:TEST:tok-${i}}:done`,
      `{idem:mer_${i}:TEST:tok-${i}}:lock`,
    ]).flat();
    const current = ["{idem2:mer_1:TEST:PUBLISHABLE:tok-1}:done", "{idem2:mer_1:TEST:SECRET:tok-1}:lock"];
    const unrelated = ["velocity:card:f", "idem:not-a-cache-entry", "outbox"];
    const pipeline = redis.pipeline();
    for (const key of [...legacy, ...current, ...unrelated]) pipeline.set(key, "x");
    await pipeline.exec();

    expect(await deleteLegacyIdempotencyEntries(redis)).toBe(legacy.length);
    expect((await redis.keys("*")).sort()).toEqual([...current, ...unrelated].sort());
    expect(await deleteLegacyIdempotencyEntries(redis)).toBe(0);
  });
});
