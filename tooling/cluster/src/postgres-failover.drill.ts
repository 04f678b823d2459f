// Drill (`npm run drill:postgres`): the Postgres leader of the local cluster is
// killed with SIGKILL (its Patroni and its postmaster: the machine is gone)
// under a steady load of creates, captures and refunds. Patroni promotes the
// synchronous standby, HAProxy reroutes, the API's pool reconnects; clients
// retry with their idempotency keys. Prints the figures, then checks: every
// payment answered CAPTURED exists (0 lost), 0 double charges against the
// sandbox's ledger, the ledger balanced, no idempotency record in progress.
// The killed node is started again and rejoins as a replica.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { figuresTable, LoadClient, luhnCard, runPaced, seededRandom } from "@paycore/api/testing/load-client";
import { openWork, reconcile } from "@paycore/api/testing/psp-reconciliation";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "@paycore/api/testing/test-app";
import { findRepoRoot } from "@paycore/db/database-url";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterPaths, HAPROXY, HOST, postgresNodes } from "./layout";
import { describe as describeMembers, healthy, leaderName, patroniCluster } from "./patroni";
import { readPid, startDaemon } from "./processes";
import { clusterUp, defaultClusterDir } from "./up";

const NODES = postgresNodes(3);
const PAYMENTS = Number(process.env.DRILL_PAYMENTS ?? 120) || 120;
const START_WINDOW_MS = 24_000;
const KILL_AFTER_MS = 6_000;
const STRIPE_SECRET = "whsec_pg_drill_0123456789abcdef";
const ADYEN_KEY = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";

const paths = clusterPaths(defaultClusterDir());
const runAs = () => {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g"), home: "/var/lib/postgresql" };
};

/** A fresh database for this drill, created and migrated through HAProxy. */
async function drillDatabase(): Promise<string> {
  const name = `paycore_drill_${Date.now().toString(36)}`;
  const admin = new pg.Client({
    connectionString: `postgres://postgres@${HOST}:${HAPROXY.readWrite}/postgres`,
  });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = `postgres://postgres@${HOST}:${HAPROXY.readWrite}/${name}`;
  const root = findRepoRoot();
  execFileSync(process.execPath, [join(root, "scripts", "prisma.mjs"), "migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
    stdio: "ignore",
  });
  return url;
}

/** Probes writes through HAProxy every 100 ms; the longest gap between two successful writes is the outage. */
function writeProbe() {
  let last = Date.now();
  let longestGapMs = 0;
  let stopped = false;
  const run = (async () => {
    while (!stopped) {
      const client = new pg.Client({
        connectionString: `postgres://postgres@${HOST}:${HAPROXY.readWrite}/postgres`,
        connectionTimeoutMillis: 1_000,
        query_timeout: 1_000,
      });
      // A dropped connection also arrives as an 'error' event; the loop reconnects.
      client.on("error", () => {});
      try {
        await client.connect();
        while (!stopped) {
          await client.query("select txid_current()");
          const now = Date.now();
          longestGapMs = Math.max(longestGapMs, now - last);
          last = now;
          await sleep(100);
        }
      } catch {
        await sleep(100);
      } finally {
        await client.end().catch(() => {});
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await run;
      return longestGapMs;
    },
  };
}

describe("drill: the Postgres leader killed under load", () => {
  let sandbox: SandboxHandle;
  let t: TestApp;
  let merchant: TestMerchant;

  beforeAll(async () => {
    await clusterUp({ nodes: NODES.length, migrate: false });
    sandbox = await startSandbox({ port: 0, seed: 21 });
    t = await createTestApp({
      databaseUrl: await drillDatabase(),
      pspSandboxUrl: sandbox.url,
      stripeWebhookSecret: STRIPE_SECRET,
      adyenHmacKeyHex: ADYEN_KEY,
      redisUrl: null,
      idempotencyWaitMs: 2_000,
      listen: true,
    });
    sandbox.configureWebhooks({
      stripe: { url: `${t.url}/webhooks/stripe`, secret: STRIPE_SECRET },
      adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
    });
    merchant = await t.createMerchant();
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    await sandbox?.stop();
  });

  it("promotes the synchronous standby and loses nothing", { timeout: 300_000 }, async () => {
    const client = new LoadClient({
      baseUrl: () => t.url as string,
      timeoutMs: 5_000,
      // Long enough to outlast the failover plus the 30 s lease of an idempotency record whose request was cut.
      triesMax: 120,
      retryPauseMs: 500,
    });
    const answeredCaptured = new Set<string>();
    const operations = { captures: 0, refunds: 0 };
    const onePayment = async (index: number) => {
      const random = seededRandom(9_000 + index);
      const paymentMethodId = await client.tokenize(merchant.publishableKey, luhnCard("4111", random));
      const manual = index % 3 === 0;
      const input = {
        amount: String(2_000 + index),
        currency: "EUR",
        paymentMethodId,
        captureMethod: manual ? "MANUAL" : "AUTOMATIC",
      };
      let payment = (await client.mutate("createPayment", merchant.secretKey, newKey("pgdrill"), input))
        ?.payment;
      if (payment && manual && payment.status === "AUTHORIZED") {
        operations.captures++;
        payment =
          (
            await client.mutate("capturePayment", merchant.secretKey, newKey("cap"), {
              paymentId: payment.id,
            })
          )?.payment ?? payment;
      }
      if (payment?.status === "CAPTURED") {
        answeredCaptured.add(payment.id);
        if (index % 4 === 0) {
          operations.refunds++;
          await client.mutate("refundPayment", merchant.secretKey, newKey("ref"), {
            paymentId: payment.id,
            amount: "500",
          });
        }
      }
    };

    const before = await patroniCluster(NODES);
    const oldLeader = before ? leaderName(before) : null;
    if (!oldLeader) throw new Error("no leader before the drill");
    const probe = writeProbe();
    const startedAt = Date.now();
    let killedAt = 0;
    let newLeader: string | null = null;
    let promotedAfterMs = 0;
    const killer = (async () => {
      await sleep(KILL_AFTER_MS);
      const patroniPid = readPid(paths, `patroni-${oldLeader}`);
      const postmasterPid = Number(
        readFileSync(join(paths.postgres(oldLeader), "postmaster.pid"), "utf8").split("\n")[0],
      );
      killedAt = Date.now();
      if (patroniPid) process.kill(patroniPid, "SIGKILL");
      process.kill(postmasterPid, "SIGKILL");
      for (;;) {
        const members = await patroniCluster(NODES);
        const leader = members ? leaderName(members) : null;
        if (leader && leader !== oldLeader) {
          newLeader = leader;
          promotedAfterMs = Date.now() - killedAt;
          break;
        }
        if (Date.now() - killedAt > 90_000) break;
        await sleep(200);
      }
    })();
    await runPaced(PAYMENTS, 6, (i) => startedAt + Math.floor((i * START_WINDOW_MS) / PAYMENTS), onePayment);
    await killer;
    const outageMs = await probe.stop();

    // Settle what is still open, then compare with the sandbox's ledger.
    const settleBy = Date.now() + 60_000;
    for (;;) {
      await t.app.services.commands.resolveUnknownOutcomes({ staleAfterMs: 1_000 });
      const open = await openWork(t.app.db);
      if (open.openAttempts + open.openPayments + open.openRefunds === 0 || Date.now() > settleBy) break;
      await sleep(250);
    }
    const result = await reconcile(t.app.db, sandbox.charges());
    const stored = await t.app.db.payment.findMany({
      where: { id: { in: [...answeredCaptured] } },
      select: { id: true },
    });
    const lost = [...answeredCaptured].filter((id) => !stored.some((p) => p.id === id));
    const inProgress = await t.app.db.idempotencyRecord.count({ where: { status: "IN_PROGRESS" } });
    const keyProblems = [...client.paymentIdsByKey].filter(([, ids]) => ids.size !== 1).length;

    // The old leader comes back as a replica of the new one.
    startDaemon(paths, `patroni-${oldLeader}`, "patroni", [paths.patroniConfig(oldLeader)], {
      runAs: runAs(),
    });
    const rejoinBy = Date.now() + 120_000;
    let after = await patroniCluster(NODES);
    while (!(after && healthy(after, NODES.length)) && Date.now() < rejoinBy) {
      await sleep(500);
      after = await patroniCluster(NODES);
    }

    const unavailable = client.stats.graphqlErrorCodes.SERVICE_UNAVAILABLE ?? 0;
    const otherErrors = Object.entries(client.stats.graphqlErrorCodes)
      .filter(([code]) => code !== "SERVICE_UNAVAILABLE")
      .reduce((sum, [, count]) => sum + count, 0);
    console.log(
      figuresTable("Postgres leader killed under load", [
        ["leader killed → promoted", `${oldLeader} → ${newLeader ?? "none"} after ${promotedAfterMs} ms`],
        ["seconds without a write through HAProxy", (outageMs / 1000).toFixed(1)],
        ["payments sent / in the database", `${PAYMENTS} / ${result.payments}`],
        ["captures / refunds sent", `${operations.captures} / ${operations.refunds}`],
        [
          "client: requests / no answer / in progress / same-key retries / replays",
          `${client.stats.requests} / ${client.stats.noAnswer} / ${client.stats.inProgress} / ${client.stats.sameKeyRetries} / ${client.stats.replays}`,
        ],
        [
          "requests failed retryably (503 SERVICE_UNAVAILABLE / no answer / in progress)",
          `${unavailable} / ${client.stats.noAnswer} / ${client.stats.inProgress}`,
        ],
        [
          "requests failed otherwise (GraphQL errors by code)",
          `${otherErrors} ${JSON.stringify(client.stats.graphqlErrorCodes)}`,
        ],
        ["answered CAPTURED / lost", `${answeredCaptured.size} / ${lost.length}`],
        ["keys answered with more than one payment", keyProblems],
        ["double charges", result.doubleCharges.length],
        ["idempotency records left in progress", inProgress],
        ["violations", result.violations.length],
        ["cluster after the old leader rejoined", after ? describeMembers(after) : "unknown"],
      ]),
    );
    expect(newLeader).not.toBeNull();
    // In-flight requests failed with a retryable answer or completed: nothing masked as "Unexpected error.".
    expect(client.stats.graphqlErrorCodes).toEqual(
      unavailable > 0 ? { SERVICE_UNAVAILABLE: unavailable } : {},
    );
    expect(lost).toEqual([]);
    expect(keyProblems).toBe(0);
    expect(result.doubleCharges).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(inProgress).toBe(0);
    await t.expectLedgerBalanced();
    expect(after && healthy(after, NODES.length)).toBe(true);
  });
});
