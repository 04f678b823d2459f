// Goal: a createPayment from a key the API knows costs three Redis round trips, not four (issue 23: its rate
// limits go with its idempotency lock), and answers, limits and exactly-once are what they were: a refused
// payment writes nothing and leaves its key free, a replay answers the stored payment, and with Redis stopped
// the limits are counted in memory and Postgres keeps a key to one payment. The round trips are counted by the
// private Redis itself (INFO stats: read events processed and commands), not timed.
import { type OwnRedis, redisServerAvailable, startOwnRedis } from "@paycore/platform/testing/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_PAYMENT } from "../src/testing/load-client";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

/**
 * Read events the server processed (each round trip from a client is one) and scripts run (createPayment's
 * Redis commands are all scripts; the commands a script runs inside are counted apart by Redis).
 */
async function serverCounts(info: Redis): Promise<{ reads: number; commands: number }> {
  const stats = await info.info("stats");
  const commandStats = await info.info("commandstats");
  const reads = Number(/total_reads_processed:(\d+)/.exec(stats)?.[1]);
  let commands = 0;
  for (const match of commandStats.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm))
    commands += Number(match[2]);
  return { reads, commands };
}

/** What `work` cost the server, less the two INFOs of the measure that fall inside it (one read each). */
async function countRedis(
  info: Redis,
  work: () => Promise<unknown>,
): Promise<{ reads: number; commands: number }> {
  const before = await serverCounts(info);
  await work();
  const after = await serverCounts(info);
  return { reads: after.reads - before.reads - 2, commands: after.commands - before.commands };
}

async function pay(t: TestApp, merchant: TestMerchant, paymentMethodId: string, idempotencyKey: string) {
  return t.gql<{
    createPayment: { payment: { id: string; status: string } | null; errors: Array<{ code: string }> };
  }>(merchant.secretKey, CREATE_PAYMENT, {
    input: {
      idempotencyKey,
      amount: "1000",
      currency: "USD",
      paymentMethodId,
      customer: { email: "buyer@example.com", ipAddress: "192.0.2.7" },
    },
  });
}

async function paymentsOf(t: TestApp, merchantId: string): Promise<number> {
  const [row] = await t.app.sql.query<{ count: string }>(
    "SELECT count(*)::text AS count FROM payments WHERE merchant_id = $1",
    [merchantId],
  );
  return Number(row?.count ?? 0);
}

/** Waits for the start of the next one-second window, so a burst meets a fresh per-second limit. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000) + 20));
}

const ownRedisSkip = redisServerAvailable() ? null : "redis-server is not installed";

describe.skipIf(ownRedisSkip !== null)(
  `createPayment's Redis round trips${ownRedisSkip ? ` (skipped: ${ownRedisSkip})` : ""}`,
  () => {
    let own: OwnRedis;
    let info: Redis;
    let t: TestApp;

    beforeAll(async () => {
      own = await startOwnRedis();
      info = new Redis(own.url);
      t = await createTestApp({ redisUrl: own.url });
    });

    afterAll(async () => {
      info?.disconnect();
      await t?.close();
      await own?.stop();
    });

    it("costs three round trips and four commands per payment once its key is known, one per replay", async () => {
      const merchant = await t.createMerchant();
      const card = await t.tokenize(merchant.publishableKey);
      // First sight of the secret key: its limit is counted after authentication, in a round trip of its own.
      const first = await countRedis(info, () => pay(t, merchant, card, newKey("first")));
      expect(first).toEqual({ reads: 5, commands: 5 });
      const keys: string[] = [];
      const known = await countRedis(info, async () => {
        for (let i = 0; i < 5; i++) {
          const key = newKey("known");
          keys.push(key);
          const answer = await pay(t, merchant, card, key);
          expect(answer.data?.createPayment.payment?.status).toBe("CAPTURED");
        }
      });
      // Limits with the idempotency lock, the velocity counters, the stored result: 3 round trips; 4 scripts.
      expect(known).toEqual({ reads: 5 * 3, commands: 5 * 4 });
      // A replay: limits and the stored result in one round trip, nothing else.
      let replayed: Awaited<ReturnType<typeof pay>> | undefined;
      const replay = await countRedis(info, async () => {
        replayed = await pay(t, merchant, card, keys[0] as string);
      });
      expect(replay).toEqual({ reads: 1, commands: 2 });
      expect(replayed?.headers.get("idempotent-replayed")).toBe("true");
      expect(replayed?.data?.createPayment.payment?.id).toBeTruthy();
      expect(await paymentsOf(t, merchant.id)).toBe(6);
      await t.expectLedgerBalanced();
    });

    it("counts other requests of a known key in one round trip, as at the door", async () => {
      const merchant = await t.createMerchant();
      await t.gql(merchant.secretKey, "{ payments(first: 1) { nodes { id } } }");
      const before = t.app.rateLimiters.redisCalls;
      const list = await countRedis(info, () =>
        t.gql(merchant.secretKey, "{ payments(first: 1) { nodes { id } } }"),
      );
      expect(t.app.rateLimiters.redisCalls - before).toBe(1);
      expect(list).toEqual({ reads: 1, commands: 1 });
    });
  },
);

describe.skipIf(ownRedisSkip !== null)(
  `createPayment's limits counted with its lock${ownRedisSkip ? ` (skipped: ${ownRedisSkip})` : ""}`,
  () => {
    const KEY_PER_SECOND = 3;
    let own: OwnRedis;
    let t: TestApp;

    beforeAll(async () => {
      own = await startOwnRedis();
      t = await createTestApp({ redisUrl: own.url, rateLimits: { keyPerSecond: KEY_PER_SECOND } });
    });

    afterAll(async () => {
      await t?.close();
      await own?.stop();
    });

    it("refuses a known key past its limit with 429, writes nothing for a refused payment and leaves its key free", async () => {
      const merchant = await t.createMerchant();
      const card = await t.tokenize(merchant.publishableKey);
      expect((await pay(t, merchant, card, newKey("warm"))).status).toBe(200); // the key is now known
      await nextSecond();
      const keys = Array.from({ length: KEY_PER_SECOND * 4 }, () => newKey("burst"));
      const answers = await Promise.all(keys.map((key) => pay(t, merchant, card, key)));
      const refused = keys.filter((_, i) => answers[i]?.status === 429);
      const done = answers.filter((answer) => answer.status === 200);
      expect(done.length + refused.length).toBe(keys.length);
      // At most the limit per window: the burst may straddle two windows on a slow machine.
      expect(done.length).toBeLessThanOrEqual(2 * KEY_PER_SECOND);
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of answers.filter((a) => a.status === 429)) {
        expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(answer.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
        expect(answer.errors?.[0]?.extensions?.limit).toBe("key");
        expect(answer.errors?.[0]?.extensions?.http).toBeUndefined();
        expect(answer.data).toBeNull();
      }
      expect(await paymentsOf(t, merchant.id)).toBe(1 + done.length);
      // A refused payment's lock was released: the same key runs in the next window, once.
      await nextSecond();
      const retried = await pay(t, merchant, card, refused[0] as string);
      expect(retried.status).toBe(200);
      expect(retried.data?.createPayment.payment?.status).toBe("CAPTURED");
      expect(await paymentsOf(t, merchant.id)).toBe(2 + done.length);
      await t.expectLedgerBalanced();
    });

    it("with Redis stopped, counts the limits in memory and keeps a key to one payment through Postgres", async () => {
      const merchant = await t.createMerchant();
      const card = await t.tokenize(merchant.publishableKey);
      expect((await pay(t, merchant, card, newKey("warm"))).status).toBe(200);
      await own.stop();
      await nextSecond();
      const key = newKey("down");
      const once = await pay(t, merchant, card, key);
      expect(once.status).toBe(200);
      const again = await pay(t, merchant, card, key);
      expect(again.status).toBe(200);
      expect(again.data?.createPayment.payment?.id).toBe(once.data?.createPayment.payment?.id);
      expect(await paymentsOf(t, merchant.id)).toBe(2);
      await nextSecond();
      const burst = await Promise.all(
        Array.from({ length: KEY_PER_SECOND * 4 }, () => pay(t, merchant, card, newKey("mem"))),
      );
      const refused = burst.filter((answer) => answer.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) expect(answer.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
      const done = burst.filter((answer) => answer.status === 200).length;
      expect(await paymentsOf(t, merchant.id)).toBe(2 + done);
      await t.expectLedgerBalanced();
    });
  },
);
