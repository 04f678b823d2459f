// Drill: a Redis Cluster master is SIGKILLed in the middle of a storm of
// payments whose clients resend every request with its idempotency key. Its
// replica takes over after the cluster's node timeout; until then the
// idempotency and velocity fast paths fall back to Postgres. Afterwards: one
// payment per key, one PSP charge per payment (the sandbox's own ledger), no
// idempotency record left in progress, the ledger balanced. Prints its figures.

import { redisServerAvailable } from "@paycore/platform/testing/redis";
import { type OwnRedisCluster, startOwnRedisCluster } from "@paycore/platform/testing/redis-cluster";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  figuresTable,
  LoadClient,
  luhnCard,
  runPaced,
  seededRandom,
  sleep,
} from "../src/testing/load-client";
import { openWork, reconcile } from "../src/testing/psp-reconciliation";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const PAYMENTS = 90;
const CONCURRENCY = 8;
/** The storm's payments start over this window; the master dies a third of the way in. */
const START_WINDOW_MS = 9_000;
const KILL_AFTER_MS = 3_000;
const STRIPE_SECRET = "whsec_cluster_drill_0123456789";
const ADYEN_KEY = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";

describe.skipIf(!redisServerAvailable())("drill: a Redis Cluster master killed mid-storm", () => {
  let cluster: OwnRedisCluster;
  let sandbox: SandboxHandle;
  let t: TestApp;
  let merchant: TestMerchant;

  beforeAll(async () => {
    cluster = await startOwnRedisCluster({ nodeTimeoutMs: 1_000 });
    sandbox = await startSandbox({ port: 0, seed: 11 });
    t = await createTestApp({
      pspSandboxUrl: sandbox.url,
      stripeWebhookSecret: STRIPE_SECRET,
      adyenHmacKeyHex: ADYEN_KEY,
      redisClusterNodes: cluster.nodes,
      idempotencyWaitMs: 2_000,
      listen: true,
    });
    sandbox.configureWebhooks({
      stripe: { url: `${t.url}/webhooks/stripe`, secret: STRIPE_SECRET },
      adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
    });
    merchant = await t.createMerchant();
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    await sandbox?.stop();
    await cluster?.stop();
  });

  it("keeps exactly-once: one payment and one PSP charge per key, nothing left in progress", {
    timeout: 180_000,
  }, async () => {
    const redis = t.app.redis;
    if (!redis) throw new Error("the app has no Redis client");
    const client = new LoadClient({
      baseUrl: () => t.url as string,
      timeoutMs: 5_000,
      triesMax: 6,
      retryPauseMs: 300,
    });
    const inputs = new Map<string, Record<string, unknown>>();

    const onePayment = async (index: number) => {
      const random = seededRandom(4_242 + index);
      const paymentMethodId = await client.tokenize(merchant.publishableKey, luhnCard("4111", random));
      const key = newKey("drill");
      const input = {
        amount: String(1_000 + index),
        currency: "EUR",
        paymentMethodId,
        captureMethod: "AUTOMATIC",
      };
      inputs.set(key, input);
      // Two copies at once for a third of the keys: the lock decides which one runs.
      if (index % 3 === 0) {
        await Promise.all([
          client.mutate("createPayment", merchant.secretKey, key, input),
          client.resend("createPayment", merchant.secretKey, key, input),
        ]);
      } else {
        await client.mutate("createPayment", merchant.secretKey, key, input);
      }
    };

    const startedAt = Date.now();
    let killedPort = 0;
    let killedAt = 0;
    let healthyAt = 0;
    const killer = (async () => {
      await sleep(KILL_AFTER_MS);
      const masters = await cluster.masters();
      killedPort = masters[0] ?? 0;
      killedAt = Date.now();
      cluster.kill(killedPort);
      // Over once the killed master's replica serves its slots: three masters again, the dead one not among them
      // (right after the kill the others still call the cluster ok: they notice only after the node timeout).
      const overBy = Date.now() + 30_000;
      for (;;) {
        const masters = await cluster.masters().catch((): number[] => []);
        if (masters.length === 3 && !masters.includes(killedPort)) break;
        if (Date.now() > overBy)
          throw new Error(`no replica took over from ${killedPort}: masters ${masters}`);
        await sleep(100);
      }
      await cluster.waitHealthy(30_000);
      healthyAt = Date.now();
    })();
    await runPaced(
      PAYMENTS,
      CONCURRENCY,
      (i) => startedAt + Math.floor((i * START_WINDOW_MS) / PAYMENTS),
      onePayment,
    );
    await killer;
    const mastersAfter = await cluster.masters();

    // After the failover every key once more: the answer must name the same payment.
    for (const [key, input] of inputs) await client.resend("createPayment", merchant.secretKey, key, input);

    // Let webhooks and the resolver settle what is open.
    const settleBy = Date.now() + 60_000;
    for (;;) {
      await t.app.services.commands.resolveUnknownOutcomes({ staleAfterMs: 1_000 });
      const open = await openWork(t.app.db);
      if (open.openAttempts + open.openPayments + open.openRefunds === 0 || Date.now() > settleBy) break;
      await sleep(250);
    }

    const keyProblems = [...client.paymentIdsByKey].filter(([, ids]) => ids.size !== 1).map(([key]) => key);
    const unanswered = [...inputs.keys()].filter((key) => !client.paymentIdsByKey.has(key));
    const result = await reconcile(t.app.db, sandbox.charges());
    const inProgress = await t.app.db.idempotencyRecord.count({ where: { status: "IN_PROGRESS" } });
    console.log(
      figuresTable("Redis Cluster master killed mid-storm", [
        ["payments sent (distinct keys)", inputs.size],
        ["payments in the database", result.payments],
        ["master killed (port) → masters after", `${killedPort} → ${mastersAfter.join(", ")}`],
        ["kill to a replica serving the slots, cluster ok (ms)", healthyAt - killedAt],
        [
          "client: requests / no answer / in progress / same-key retries / replays",
          `${client.stats.requests} / ${client.stats.noAnswer} / ${client.stats.inProgress} / ${client.stats.sameKeyRetries} / ${client.stats.replays}`,
        ],
        ["keys answered with more than one payment", keyProblems.length],
        ["keys never answered", unanswered.length],
        ["sandbox charges", result.sandboxCharges],
        ["double charges", result.doubleCharges.length],
        ["idempotency records left in progress", inProgress],
        ["violations", result.violations.length],
      ]),
    );

    expect(killedPort).toBeGreaterThan(0);
    expect(mastersAfter).not.toContain(killedPort);
    expect(mastersAfter).toHaveLength(3);
    expect(keyProblems).toEqual([]);
    expect(unanswered).toEqual([]);
    expect(result.payments).toBe(inputs.size);
    expect(result.doubleCharges).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(inProgress).toBe(0);
    await t.expectLedgerBalanced();
  });
});
