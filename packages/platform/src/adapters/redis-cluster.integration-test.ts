// The Redis adapters on a real Redis Cluster (three masters, three replicas of
// the machine's redis-server): every multi-key script keeps its keys in one hash
// slot (asked of the cluster itself, CLUSTER KEYSLOT), the velocity counters
// answer exactly what a single Redis answers, the idempotency scripts run, and
// the start-up sweep reaches every master.
import { randomBytes } from "node:crypto";
import { LEGACY_IDEMPOTENCY_SCOPE_KEY_PREFIX } from "@paycore/core/idempotency/idempotency-service";
import { type CurrencyCode, parseCurrency } from "@paycore/core/money/currency";
import type { CachedResult } from "@paycore/core/ports/idempotency-store";
import type { VelocityAttempt } from "@paycore/core/ports/risk-data";
import { generateKeyMaterial, parseKeyring } from "@paycore/core/vault/card-vault";
import { createPiiVault } from "@paycore/core/vault/pii-vault";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OwnRedis, redisServerAvailable, startOwnRedis } from "../testing/redis";
import { type OwnRedisCluster, startOwnRedisCluster } from "../testing/redis-cluster";
import { defaultDeadLetterStream } from "../workers/stream-consumer";
import { createRedisClient, isCluster, type RedisClient } from "./redis-client";
import {
  deleteLegacyIdempotencyEntries,
  doneKey,
  lockKey,
  RedisIdempotencyCache,
} from "./redis-idempotency-cache";
import { keysOf, RedisVelocityCounter, slotGroups } from "./redis-velocity-counter";

const skip = !redisServerAvailable();

const piiVault = createPiiVault(
  parseKeyring({ encryptionKeys: `1:${generateKeyMaterial()}`, fingerprintKey: generateKeyMaterial() }),
);
const testBlindIndex = (kind: "email" | "ip", value: string) => piiVault.blindIndex(kind, value) as string;

async function ready(client: RedisClient): Promise<void> {
  if (client.status !== "ready") await new Promise((resolve) => client.once("ready", resolve));
}

function attempt(overrides: Partial<VelocityAttempt> = {}): VelocityAttempt {
  return {
    merchantId: "mer_slots",
    mode: "TEST",
    paymentId: `pay_${randomBytes(6).toString("hex")}`,
    requestKey: randomBytes(8).toString("hex"),
    amountMinor: 1_250n,
    currency: parseCurrency("EUR") as CurrencyCode,
    small: false,
    at: new Date(),
    cardFingerprint: randomBytes(16).toString("hex"),
    email: "shopper@example.com",
    ipAddress: "203.0.113.7",
    deviceId: "dev_3f9a",
    location: { latitude: 51.5, longitude: -0.12 },
    ...overrides,
  };
}

describe.skipIf(skip)("Redis adapters on a Redis Cluster", () => {
  let cluster: OwnRedisCluster;
  let client: Cluster;
  let single: OwnRedis;
  let singleClient: Redis;

  beforeAll(async () => {
    cluster = await startOwnRedisCluster();
    const made = createRedisClient({ clusterNodes: cluster.nodes }, () => undefined);
    if (!isCluster(made)) throw new Error("expected a cluster client");
    client = made;
    await ready(client);
    single = await startOwnRedis();
    singleClient = createRedisClient({ url: single.url }, () => undefined) as Redis;
    await ready(singleClient);
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    singleClient?.disconnect();
    await cluster?.stop();
    await single?.stop();
  });

  const slotOf = async (key: string) => Number(await client.cluster("KEYSLOT", key));
  const slotsOf = async (keys: readonly string[]) => new Set(await Promise.all(keys.map(slotOf)));

  it("keeps the keys of every multi-key script and MULTI in one hash slot", async () => {
    const attempts = [
      attempt(),
      attempt({ email: null, ipAddress: null, deviceId: null, location: null }),
      attempt({ ipAddress: "2001:db8::1", email: null }),
      attempt({ mode: "LIVE", deviceId: null }),
    ];
    for (const a of attempts) {
      for (const call of slotGroups(keysOf(a, testBlindIndex)))
        expect((await slotsOf(call.keys)).size).toBe(1);
    }
    for (const scope of ["idem:v2:mer_1:TEST:createPayment:k1", "idem:v2:mer_2:LIVE:refundPayment:{odd}"]) {
      expect((await slotsOf([doneKey(scope), lockKey(scope)])).size).toBe(1);
    }
    for (const stream of ["paycore:outbox", "{paycore:events}"]) {
      expect((await slotsOf([stream, defaultDeadLetterStream(stream)])).size).toBe(1);
    }
    // The entities really are spread: a card's keys and an IP's keys are not forced into one slot.
    const spread = await slotsOf(
      slotGroups(keysOf(attempts[0] as VelocityAttempt, testBlindIndex)).map((c) => c.keys[0] as string),
    );
    expect(spread.size).toBeGreaterThan(1);
  });

  it("counts velocity exactly as a single Redis does", async () => {
    const onCluster = new RedisVelocityCounter(client, testBlindIndex);
    const onSingle = new RedisVelocityCounter(singleClient, testBlindIndex);
    const card = randomBytes(16).toString("hex");
    const base = Date.now();
    const sequence = Array.from({ length: 12 }, (_, i) =>
      attempt({
        cardFingerprint: card,
        at: new Date(base + i * 1_000),
        small: i % 3 === 0,
        ipAddress: i % 2 === 0 ? "198.51.100.4" : null,
        email: i % 4 === 0 ? null : "repeat@example.com",
        location: i % 5 === 0 ? null : { latitude: 48.85 + i / 100, longitude: 2.35 },
        amountMinor: BigInt(500 + i),
      }),
    );
    for (const [i, a] of sequence.entries()) {
      if (i === 5) {
        const decline = { ...a, paymentId: `pay_declined_${i}` };
        await onCluster.recordDecline(decline);
        await onSingle.recordDecline(decline);
      }
      const fromCluster = await onCluster.recordAndCount(a);
      const fromSingle = await onSingle.recordAndCount(a);
      expect(fromCluster).not.toBe("unavailable");
      expect(fromCluster).toEqual(fromSingle);
    }
    const last = await onCluster.recordAndCount(
      attempt({ cardFingerprint: card, at: new Date(base + 20_000) }),
    );
    if (last === "unavailable") throw new Error("cluster unavailable");
    expect(last.velocity.card?.count10m).toBe(13);
    expect(last.velocity.declines1h.card).toBe(1);
  });

  it("runs the idempotency lock and result scripts", async () => {
    const cache = new RedisIdempotencyCache(client);
    const scope = `idem:v2:mer_cluster:TEST:createPayment:${randomBytes(6).toString("hex")}`;
    expect(await cache.completedOrLock(scope, "t1", 5_000)).toBe("acquired");
    expect(await cache.completedOrLock(scope, "t2", 5_000)).toBe("held");
    const result: CachedResult = { operation: "createPayment", requestHash: "h", response: { ok: true } };
    await cache.putCompletedAndRelease(scope, result, 5_000, "t1");
    expect(await cache.completedOrLock(scope, "t3", 5_000)).toEqual({ completed: result });
    expect(await cache.acquireLock(scope, "t4", 5_000)).toBe("acquired");
    await cache.releaseLock(scope, "t4");
    expect(await cache.acquireLock(scope, "t5", 5_000)).toBe("acquired");
  });

  it("sweeps legacy idempotency entries from every master", async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `{${LEGACY_IDEMPOTENCY_SCOPE_KEY_PREFIX}m${i}:k}:done`);
    await Promise.all(keys.map((key) => client.set(key, "x", "PX", 60_000)));
    const masters = new Set(await Promise.all(keys.map(slotOf)));
    expect(masters.size).toBeGreaterThan(3);
    expect(await deleteLegacyIdempotencyEntries(client)).toBeGreaterThanOrEqual(keys.length);
    expect(await Promise.all(keys.map((key) => client.exists(key)))).toEqual(keys.map(() => 0));
  });
});
