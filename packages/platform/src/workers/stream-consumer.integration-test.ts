// Goal: the stream consumer gives each entry to one consumer of its group, acknowledges it only after the
// handler succeeded, retries failures and takes over entries of crashed consumers after claimIdleMs, moves an
// entry that keeps failing to the dead-letter stream, and lets an idempotent handler absorb redeliveries.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { findTestRedis } from "../testing/redis";
import {
  defaultDeadLetterStream,
  StreamConsumer,
  type StreamConsumerOptions,
  type StreamMessage,
} from "./stream-consumer";
import { Worker } from "./worker";

const log = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("stream consumer", async () => {
  const found = await findTestRedis();
  const skip = "skipReason" in found ? found.skipReason : null;

  describe.skipIf(skip !== null)(`on Redis${skip ? ` (skipped: ${skip})` : ""}`, () => {
    const url = "url" in found ? found.url : "";
    const clients: Redis[] = [];
    const streamsToDelete: string[] = [];
    let redis: Redis;

    /** A connection of its own (a blocking read holds its connection). */
    const connect = () => {
      const client = new Redis(url);
      clients.push(client);
      return client;
    };
    /** A stream name no other test or run uses; deleted (with its dead-letter stream) after the test. */
    const newStream = () => {
      const stream = `test:consumer:${randomBytes(6).toString("hex")}`;
      streamsToDelete.push(stream, defaultDeadLetterStream(stream));
      return stream;
    };
    const consumerOf = (
      stream: string,
      handle: (message: StreamMessage) => Promise<void>,
      options: Partial<StreamConsumerOptions> = {},
    ) =>
      new StreamConsumer({
        redis: redis,
        stream,
        group: "g",
        consumer: `c-${randomBytes(3).toString("hex")}`,
        handle,
        blockMs: 0,
        startId: "0",
        log,
        ...options,
      });
    const add = async (stream: string, count: number) => {
      const ids: string[] = [];
      for (let index = 0; index < count; index += 1) {
        ids.push((await redis.xadd(stream, "*", "id", String(index + 1), "topic", "test.event")) as string);
      }
      return ids;
    };
    const pendingCount = async (stream: string) => {
      const summary = (await redis.xpending(stream, "g")) as [number, ...unknown[]];
      return Number(summary[0]);
    };
    const entries = async (stream: string) =>
      ((await redis.xrange(stream, "-", "+")) as Array<[string, string[]]>).map(([entryId, flat]) => ({
        entryId,
        fields: Object.fromEntries(
          Array.from({ length: flat.length / 2 }, (_, index) => [flat[2 * index], flat[2 * index + 1]]),
        ) as Record<string, string>,
      }));

    beforeAll(() => {
      redis = connect();
    });
    afterEach(async () => {
      if (streamsToDelete.length > 0) await redis.del(...streamsToDelete.splice(0));
    });
    afterAll(() => {
      for (const client of clients) client.disconnect();
    });

    it("delivers each entry once, in order, and acknowledges it after the handler resolved", async () => {
      const stream = newStream();
      const seen: StreamMessage[] = [];
      const consumer = consumerOf(stream, async (message) => {
        seen.push(message);
        // Not acknowledged while the handler runs.
        expect(await pendingCount(stream)).toBeGreaterThan(0);
      });
      const ids = await add(stream, 5);

      expect(await consumer.runOnce()).toEqual({ handled: 5, failed: 0, deadLettered: 0 });
      expect(seen.map((m) => m.entryId)).toEqual(ids);
      expect(seen.map((m) => m.fields)).toEqual(
        ["1", "2", "3", "4", "5"].map((id) => ({ id, topic: "test.event" })),
      );
      expect(seen.every((m) => m.deliveries === 1)).toBe(true);
      expect(await pendingCount(stream)).toBe(0);
      expect(await consumer.runOnce()).toEqual({ handled: 0, failed: 0, deadLettered: 0 });
    });

    it("starts a new group at the end of the stream with startId $ and at its beginning with 0", async () => {
      const stream = newStream();
      await add(stream, 2);
      const fromEnd: string[] = [];
      const fromStart: string[] = [];
      const tail = consumerOf(stream, async (m) => void fromEnd.push(m.fields.id ?? ""), { startId: "$" });
      const head = consumerOf(stream, async (m) => void fromStart.push(m.fields.id ?? ""), {
        group: "other",
      });
      await tail.ensureGroup();
      await tail.ensureGroup(); // BUSYGROUP is not an error
      await redis.xadd(stream, "*", "id", "3");
      await tail.runOnce();
      await head.runOnce();
      expect(fromEnd).toEqual(["3"]);
      expect(fromStart).toEqual(["1", "2", "3"]);
    });

    it("shares the work between two consumers of one group, each entry handled once", async () => {
      const stream = newStream();
      const handledBy = new Map<string, string[]>();
      const make = (name: string) =>
        consumerOf(
          stream,
          async (message) => {
            await sleep(2);
            handledBy.set(message.entryId, [...(handledBy.get(message.entryId) ?? []), name]);
          },
          { consumer: name, batchSize: 4, redis: connect() },
        );
      const a = make("a");
      const b = make("b");
      await a.ensureGroup();
      const ids = await add(stream, 40);
      const drain = async (consumer: StreamConsumer) => {
        let total = 0;
        for (let round = 0; round < 50; round += 1) {
          const { handled } = await consumer.runOnce();
          if (handled === 0) break;
          total += handled;
        }
        return total;
      };
      const [byA, byB] = await Promise.all([drain(a), drain(b)]);

      expect(byA).toBeGreaterThan(0);
      expect(byB).toBeGreaterThan(0);
      expect(byA + byB).toBe(40);
      expect([...handledBy.keys()].sort()).toEqual([...ids].sort());
      expect([...handledBy.values()].every((names) => names.length === 1)).toBe(true);
      expect(await pendingCount(stream)).toBe(0);
    });

    it("retries a failing entry after claimIdleMs and dead-letters it, acknowledged, on its last delivery", async () => {
      const stream = newStream();
      const deliveries: number[] = [];
      const consumer = consumerOf(
        stream,
        async (message) => {
          if (message.fields.id === "2") return; // a healthy neighbour is not held up
          deliveries.push(message.deliveries);
          throw new Error("boom");
        },
        { maxDeliveries: 3, claimIdleMs: 50 },
      );
      const [poisonId] = await add(stream, 2);
      const results = [await consumer.runOnce()];
      for (let round = 0; round < 20 && results.at(-1)?.deadLettered === 0; round += 1) {
        await sleep(60);
        results.push(await consumer.runOnce());
      }

      expect(results[0]).toEqual({ handled: 1, failed: 1, deadLettered: 0 });
      expect(results.filter((r) => r.failed + r.deadLettered > 0)).toEqual([
        { handled: 1, failed: 1, deadLettered: 0 },
        { handled: 0, failed: 1, deadLettered: 0 },
        { handled: 0, failed: 0, deadLettered: 1 },
      ]);
      expect(deliveries).toEqual([1, 2, 3]);
      expect(await pendingCount(stream)).toBe(0);
      const dead = await entries(consumer.deadLetterStream);
      expect(dead).toHaveLength(1);
      expect(dead[0]?.fields).toEqual({
        id: "1",
        topic: "test.event",
        error: "Error: boom",
        deliveries: "3",
        failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        originalId: poisonId,
        group: "g",
      });
      // Acknowledged: later rounds see nothing.
      await sleep(60);
      expect(await consumer.runOnce()).toEqual({ handled: 0, failed: 0, deadLettered: 0 });
    });

    it("lets another consumer take over an entry whose consumer died holding it, once idle past claimIdleMs", async () => {
      const stream = newStream();
      const handled: StreamMessage[] = [];
      const survivor = consumerOf(stream, async (m) => void handled.push(m), { claimIdleMs: 200 });
      await survivor.ensureGroup();
      const [id] = await add(stream, 1);
      // The dead consumer read it and never acknowledged it.
      await redis.xreadgroup("GROUP", "g", "dead", "COUNT", 10, "STREAMS", stream, ">");

      expect(await survivor.runOnce()).toEqual({ handled: 0, failed: 0, deadLettered: 0 });
      await sleep(250);
      expect(await survivor.runOnce()).toEqual({ handled: 1, failed: 0, deadLettered: 0 });
      expect(handled).toEqual([{ entryId: id, fields: { id: "1", topic: "test.event" }, deliveries: 2 }]);
      expect(await pendingCount(stream)).toBe(0);
    });

    it("dead-letters, without running the handler, an entry delivered too often without a verdict", async () => {
      const stream = newStream();
      let calls = 0;
      const consumer = consumerOf(
        stream,
        async () => {
          calls += 1;
        },
        {
          maxDeliveries: 3,
          claimIdleMs: 1,
        },
      );
      await consumer.ensureGroup();
      const [id] = await add(stream, 1);
      // Each consumer that took it crashed: three deliveries already.
      await redis.xreadgroup("GROUP", "g", "crashed", "COUNT", 1, "STREAMS", stream, ">");
      await redis.xclaim(stream, "g", "crashed", 0, id as string, "RETRYCOUNT", 3);
      await sleep(5);

      expect(await consumer.runOnce()).toEqual({ handled: 0, failed: 0, deadLettered: 1 });
      expect(calls).toBe(0);
      const dead = await entries(consumer.deadLetterStream);
      expect(dead[0]?.fields).toMatchObject({ id: "1", deliveries: "4", originalId: id });
      expect(dead[0]?.fields.error).toMatch(/crashed or stalled/);
      expect(await pendingCount(stream)).toBe(0);
    });

    it("applies each event once under redelivery when the handler dedupes on the event id", async () => {
      const stream = newStream();
      // The handler's store: the effect and its dedupe marker change together (in production, one Postgres
      // transaction with a unique constraint on the event id).
      const applied = new Map<string, number>();
      let calls = 0;
      let crashAfterEffect = true;
      const consumer = consumerOf(
        stream,
        async (message) => {
          calls += 1;
          const eventId = message.fields.id as string;
          if (!applied.has(eventId)) applied.set(eventId, (applied.get(eventId) ?? 0) + 1);
          if (crashAfterEffect) {
            crashAfterEffect = false;
            throw new Error("lost the acknowledgement");
          }
        },
        { claimIdleMs: 30 },
      );
      // Event 1 twice (the relay re-published it after a crash), then event 2.
      await redis.xadd(stream, "*", "id", "1");
      await redis.xadd(stream, "*", "id", "1");
      await redis.xadd(stream, "*", "id", "2");

      expect(await consumer.runOnce()).toEqual({ handled: 2, failed: 1, deadLettered: 0 });
      await sleep(50);
      expect(await consumer.runOnce()).toEqual({ handled: 1, failed: 0, deadLettered: 0 });

      expect(calls).toBe(4);
      expect(Object.fromEntries(applied)).toEqual({ "1": 1, "2": 1 });
      expect(await pendingCount(stream)).toBe(0);
    });

    it("runs in the background until stopped, recreating its group when the stream was deleted", async () => {
      const stream = newStream();
      const seen: string[] = [];
      const consumer = consumerOf(stream, async (m) => void seen.push(m.fields.id ?? ""), {
        redis: connect(),
        blockMs: 100,
        backoffBaseMs: 10,
        backoffMaxMs: 50,
      });
      await consumer.ensureGroup();
      const worker = new Worker(consumer, { log });
      worker.start();
      expect(() => worker.start()).toThrow(/already started/);
      await add(stream, 3);
      await waitFor(() => seen.length === 3);

      await redis.del(stream); // drops the group too: the loop fails with NOGROUP, then recreates it
      await sleep(150);
      await add(stream, 1);
      await waitFor(() => seen.length === 4);

      const stopping = Date.now();
      await worker.stop();
      expect(Date.now() - stopping).toBeLessThan(1_000);
      expect(seen).toEqual(["1", "2", "3", "1"]);
    });

    it("refuses a blocking read longer than the client's command timeout", () => {
      const client = new Redis(url, { lazyConnect: true, commandTimeout: 500 });
      expect(() => consumerOf("s", async () => undefined, { redis: client, blockMs: 1_000 })).toThrow(
        /commandTimeout/,
      );
      client.disconnect();
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}
