// Goal: every outbox row committed by a payment change reaches the Redis stream at least once, and exactly
// once when nothing fails: in id order from one relay, once across concurrent relays (SKIP LOCKED), not lost
// while Redis is down, and re-published after a crash between XADD and COMMIT, which consumers that dedupe
// on the outbox id absorb.
import { randomBytes } from "node:crypto";
import { OutboxRepository } from "@paycore/db/repositories/outbox.repository";
import { createRedisClient } from "@paycore/platform/adapters/redis-client";
import { findTestRedis, redisServerAvailable, startOwnRedis } from "@paycore/platform/testing/redis";
import {
  OutboxRelay,
  type OutboxSource,
  outboxEventFromFields,
} from "@paycore/platform/workers/outbox-relay";
import { defaultDeadLetterStream, StreamConsumer } from "@paycore/platform/workers/stream-consumer";
import { Worker } from "@paycore/platform/workers/worker";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status } errors { code } }
}`;

const log = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("outbox relay", async () => {
  const found = await findTestRedis();
  const skip = "skipReason" in found ? found.skipReason : null;

  describe.skipIf(skip !== null)(`to Redis Streams${skip ? ` (skipped: ${skip})` : ""}`, () => {
    const url = "url" in found ? found.url : "";
    let t: TestApp;
    let merchant: TestMerchant;
    let card: string;
    let outbox: OutboxRepository;
    let redis: Redis;
    const streamsToDelete: string[] = [];

    const newStream = () => {
      const stream = `test:outbox:${randomBytes(6).toString("hex")}`;
      streamsToDelete.push(stream, defaultDeadLetterStream(stream));
      return stream;
    };
    const createPayments = async (count: number) => {
      const ids: string[] = [];
      for (let index = 0; index < count; index += 1) {
        const result = await t.gql<{ createPayment: { payment: { id: string } | null } }>(
          merchant.secretKey,
          CREATE,
          { input: { idempotencyKey: newKey(), amount: "1000", currency: "USD", paymentMethodId: card } },
        );
        const id = result.data?.createPayment.payment?.id;
        if (!id) throw new Error(`createPayment failed: ${result.raw}`);
        ids.push(id);
      }
      return ids;
    };
    /** The rows a relay should publish now, oldest first. */
    const unpublished = () =>
      t.app.db.outboxMessage.findMany({
        where: { publishedAt: null },
        orderBy: { id: "asc" },
        select: {
          id: true,
          merchantId: true,
          mode: true,
          topic: true,
          aggregateId: true,
          payload: true,
          createdAt: true,
        },
      });
    const readStream = async (client: Redis, stream: string) =>
      ((await client.xrange(stream, "-", "+")) as Array<[string, string[]]>).map(([, flat]) =>
        outboxEventFromFields(
          Object.fromEntries(
            Array.from({ length: flat.length / 2 }, (_, index) => [flat[2 * index], flat[2 * index + 1]]),
          ),
        ),
      );

    beforeAll(async () => {
      t = await createTestApp({ redisUrl: null });
      merchant = await t.createMerchant();
      card = await t.tokenize(merchant.publishableKey);
      outbox = new OutboxRepository(t.app.sql);
      redis = await failFastClient(url);
    });
    afterEach(async () => {
      if (streamsToDelete.length > 0) await redis.del(...streamsToDelete.splice(0));
    });
    afterAll(async () => {
      redis?.disconnect();
      await t?.close();
    });

    it("publishes the outbox rows of new payments in id order, each exactly once", async () => {
      const paymentIds = await createPayments(3);
      const rows = await unpublished();
      // Each payment change wrote its outbox row in its own transaction.
      expect(rows.map((row) => row.aggregateId)).toEqual(expect.arrayContaining(paymentIds));
      const stream = newStream();
      const relay = new OutboxRelay({ outbox, redis, stream, log });

      expect(await relay.runOnce()).toBe(rows.length);
      expect(await relay.runOnce()).toBe(0);

      const events = await readStream(redis, stream);
      expect(events).toEqual(
        rows.map((row) => ({
          outboxId: row.id.toString(),
          topic: row.topic,
          aggregateId: row.aggregateId,
          merchantId: merchant.id,
          // The merchant's onboarding events (account.updated) are rows of both modes beside the test payments'.
          mode: row.mode,
          payload: row.payload,
          createdAt: row.createdAt,
        })),
      );
      expect(events.map((event) => event.payload)).toEqual(
        expect.arrayContaining([expect.objectContaining({ paymentId: paymentIds[0] })]),
      );
      expect(await outbox.countUnpublished()).toBe(0);
      expect(await t.app.db.outboxMessage.count({ where: { publishedAt: null } })).toBe(0);
    });

    it("publishes at most batchSize rows per run", async () => {
      await createPayments(3);
      const rows = await unpublished();
      expect(rows.length).toBeGreaterThanOrEqual(3);
      const stream = newStream();
      const relay = new OutboxRelay({ outbox, redis, stream, batchSize: 2, log });
      const counts: number[] = [];
      for (let run = 0; run < 10; run += 1) {
        const count = await relay.runOnce();
        counts.push(count);
        if (count === 0) break;
      }
      expect(counts.slice(0, -2).every((count) => count === 2)).toBe(true);
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(rows.length);
      expect((await readStream(redis, stream)).map((e) => e.outboxId)).toEqual(
        rows.map((r) => r.id.toString()),
      );
      expect(() => new OutboxRelay({ outbox, redis, batchSize: 1001, log })).toThrow(/batchSize/);
    });

    it("publishes every row exactly once with two relays running at once", async () => {
      await createPayments(12);
      const rows = await unpublished();
      const stream = newStream();
      // A slow publish keeps each batch's rows locked while the other relay claims the next ones.
      const slowOutbox: OutboxSource = {
        publishBatch: (limit, publish) =>
          outbox.publishBatch(limit, async (batch) => {
            await sleep(30);
            await publish(batch);
          }),
      };
      const relays = [1, 2].map(
        () => new OutboxRelay({ outbox: slowOutbox, redis, stream, batchSize: 3, log }),
      );
      const drain = async (relay: OutboxRelay) => {
        for (let run = 0; run < 50 && (await relay.runOnce()) > 0; run += 1);
      };
      await Promise.all(relays.map(drain));

      const published = (await readStream(redis, stream)).map((event) => event.outboxId);
      expect([...published].sort()).toEqual(rows.map((row) => row.id.toString()).sort());
      expect(new Set(published).size).toBe(published.length);
      expect(relays.map((relay) => relay.publishedCount > 0)).toEqual([true, true]);
      expect(await outbox.countUnpublished()).toBe(0);
    });

    it("re-publishes a batch after a crash between XADD and COMMIT, and a deduping consumer applies it once", async () => {
      await createPayments(2);
      const rows = await unpublished();
      const stream = newStream();
      const crashingOutbox: OutboxSource = {
        publishBatch: (limit, publish) =>
          outbox.publishBatch(limit, async (batch) => {
            await publish(batch);
            throw new Error("simulated crash after XADD, before COMMIT");
          }),
      };
      const crashing = new OutboxRelay({ outbox: crashingOutbox, redis, stream, log });
      await expect(crashing.runOnce()).rejects.toThrow(/simulated crash/);
      expect(await outbox.countUnpublished()).toBe(rows.length);
      expect(await redis.xlen(stream)).toBe(rows.length);

      expect(await new OutboxRelay({ outbox, redis, stream, log }).runOnce()).toBe(rows.length);
      const ids = rows.map((row) => row.id.toString());
      expect((await readStream(redis, stream)).map((event) => event.outboxId)).toEqual([...ids, ...ids]);

      // The consumer records the outbox id under a unique constraint in the transaction of its effect.
      await t.app.db.$executeRawUnsafe(
        "CREATE TABLE IF NOT EXISTS relay_test_effects (outbox_id BIGINT PRIMARY KEY, topic TEXT NOT NULL)",
      );
      let calls = 0;
      let applied = 0;
      const consumerRedis = new Redis(url);
      const consumer = new StreamConsumer({
        redis: consumerRedis,
        stream,
        group: "ledger-sync",
        consumer: "c1",
        startId: "0",
        blockMs: 0,
        log,
        handle: async (message) => {
          calls += 1;
          const event = outboxEventFromFields(message.fields);
          await t.app.db.$transaction(async (tx) => {
            const inserted = await tx.$executeRaw`
              INSERT INTO relay_test_effects (outbox_id, topic) VALUES (${BigInt(event.outboxId)}, ${event.topic})
              ON CONFLICT (outbox_id) DO NOTHING`;
            if (inserted === 1) applied += 1; // the effect would go here, in the same transaction
          });
        },
      });
      try {
        expect(await consumer.runOnce()).toEqual({ handled: 2 * rows.length, failed: 0, deadLettered: 0 });
      } finally {
        consumerRedis.disconnect();
      }
      expect(calls).toBe(2 * rows.length);
      expect(applied).toBe(rows.length);
      const effects = await t.app.db.$queryRawUnsafe<Array<{ outbox_id: bigint; topic: string }>>(
        "SELECT outbox_id, topic FROM relay_test_effects ORDER BY outbox_id",
      );
      expect(effects.map((e) => [e.outbox_id.toString(), e.topic])).toEqual(
        rows.map((row) => [row.id.toString(), row.topic]),
      );
    });

    it("runs in the background as a worker and stops cleanly", async () => {
      const stream = newStream();
      const worker = new Worker(new OutboxRelay({ outbox, redis, stream, idleDelayMs: 20, log }), { log });
      worker.start();
      try {
        await createPayments(2);
        await waitFor(async () => (await outbox.countUnpublished()) === 0);
        expect(await redis.xlen(stream)).toBeGreaterThanOrEqual(2);
      } finally {
        await worker.stop();
      }
      expect(worker.health()).toMatchObject({ running: false, consecutiveFailures: 0 });
    });

    const ownSkip = redisServerAvailable() ? null : "redis-server is not installed";
    it.skipIf(ownSkip !== null)(
      `keeps rows unpublished and backs off while Redis is down, then publishes them all${ownSkip ? ` (skipped: ${ownSkip})` : ""}`,
      async () => {
        const own = await startOwnRedis();
        const downClient = await failFastClient(own.url);
        await own.stop();
        await createPayments(3);
        const rows = await unpublished();
        let attempts = 0;
        const countingOutbox: OutboxSource = {
          publishBatch: (limit, publish) => {
            attempts += 1;
            return outbox.publishBatch(limit, publish);
          },
        };
        const down = new OutboxRelay({
          outbox: countingOutbox,
          redis: downClient,
          stream: "paycore:events:test",
          idleDelayMs: 5,
          backoffBaseMs: 50,
          backoffMaxMs: 400,
          log,
        });
        const worker = new Worker(down, { log });
        worker.start();
        await sleep(1_500);
        const failuresWhileDown = worker.consecutiveFailures;
        await worker.stop();
        downClient.disconnect();

        expect(await outbox.countUnpublished()).toBe(rows.length);
        expect(failuresWhileDown).toBeGreaterThanOrEqual(2);
        // Without backoff it would have tried every 5 ms (about 300 times); with it, about 7.
        expect(attempts).toBeGreaterThanOrEqual(2);
        expect(attempts).toBeLessThanOrEqual(12);

        const back = await startOwnRedis();
        const backClient = await failFastClient(back.url);
        try {
          const relay = new OutboxRelay({ outbox, redis: backClient, stream: "paycore:events:test", log });
          expect(await relay.runOnce()).toBe(rows.length);
          expect((await readStream(backClient, "paycore:events:test")).map((e) => e.outboxId)).toEqual(
            rows.map((row) => row.id.toString()),
          );
          expect(await outbox.countUnpublished()).toBe(0);
        } finally {
          backClient.disconnect();
          await back.stop();
        }
      },
    );
  });
});

/** The app's kind of client (no offline queue: commands fail at once while disconnected), once connected. */
async function failFastClient(url: string): Promise<Redis> {
  // A URL makes a single-node client.
  const client = createRedisClient({ url }, () => undefined) as Redis;
  if (client.status !== "ready") await new Promise((resolve) => client.once("ready", resolve));
  return client;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}
