// What the failover drills share: a database of their own on the local cluster (created and migrated through
// HAProxy), the sandbox PSP server, an in-process API (or the drill's own API processes), a steady load of
// creates, captures and refunds whose clients retry with their idempotency keys, and the invariants checked
// after the disruption: every payment answered CAPTURED exists (0 lost), one payment per key, 0 double charges
// against the sandbox's charge ledger, the ledger balanced, no idempotency record left in progress, and every
// failed request failed retryably (SERVICE_UNAVAILABLE, no answer, in progress) rather than masked.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LoadClient, luhnCard, runPaced, seededRandom } from "@paycore/api/testing/load-client";
import { openWork, reconcile } from "@paycore/api/testing/psp-reconciliation";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "@paycore/api/testing/test-app";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import { findRepoRoot } from "@paycore/db/database-url";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import pg from "pg";
import { expect } from "vitest";
import { clusterDatabaseUrl, DATABASE, HAPROXY, HOST } from "./layout";
import { tlsFiles } from "./tls";
import { defaultClusterDir } from "./up";

export const DRILL_SECRETS = {
  VAULT_ENCRYPTION_KEYS: `1:${generateKeyMaterial()}`,
  VAULT_FINGERPRINT_KEY: randomBytes(32).toString("base64"),
  IDEMPOTENCY_HASH_SECRET: randomBytes(32).toString("base64"),
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString("hex")}`,
  ADYEN_HMAC_KEY: randomBytes(32).toString("hex"),
};

/**
 * A fresh database for one drill: a copy of the `paycore` database `cluster:up` migrated (CREATE DATABASE …
 * TEMPLATE, a second) when it holds every migration of this checkout, else created and migrated through
 * HAProxy (12 s or more).
 */
export async function drillDatabase(): Promise<string> {
  const name = `paycore_drill_${Date.now().toString(36)}`;
  const caCert = tlsFiles(defaultClusterDir()).caCert;
  const root = findRepoRoot();
  const wanted = readdirSync(join(root, "prisma", "migrations"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const admin = new pg.Client({ connectionString: clusterDatabaseUrl("postgres", caCert) });
  await admin.connect();
  try {
    if (await templateIsCurrent(caCert, wanted)) {
      // Refused while someone is connected to it (an API run against the cluster, say): then migrate instead.
      const cloned = await admin.query(`create database ${name} template ${DATABASE}`).then(
        () => true,
        () => false,
      );
      if (cloned) return clusterDatabaseUrl(name, caCert);
    }
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  // The API's connections use TLS, checked against the cluster's test CA (sslmode=verify-full).
  const url = clusterDatabaseUrl(name, caCert);
  execFileSync(process.execPath, [join(root, "scripts", "prisma.mjs"), "migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
    stdio: "ignore",
  });
  return url;
}

/** Whether the `paycore` database has every migration applied and nobody connected (a template must be idle). */
async function templateIsCurrent(caCert: string, wanted: readonly string[]): Promise<boolean> {
  const client = new pg.Client({ connectionString: clusterDatabaseUrl(DATABASE, caCert) });
  try {
    await client.connect();
    const { rows } = await client.query<{ migration_name: string }>(
      "select migration_name from _prisma_migrations where finished_at is not null and rolled_back_at is null",
    );
    const applied = new Set(rows.map((row) => row.migration_name));
    return wanted.every((migration) => applied.has(migration));
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface DrillBackend {
  sandbox: SandboxHandle;
  /** The in-process API: it serves the load (unless the drill runs its own processes), resolves and checks. */
  t: TestApp;
  merchant: TestMerchant;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * The sandbox, a drill database and the in-process API on it. `webhooksTo` is where the sandbox sends its
 * notifications (the in-process API by default).
 */
export async function startDrillBackend(options: {
  seed: number;
  redisClusterNodes?: string[];
  webhooksTo?: () => string;
}): Promise<DrillBackend> {
  // A PSP resends a notification it could not deliver for hours or days (Adyen: up to 30 days); the sandbox's
  // default gives up after six attempts over about 15 s, less than an outage lasts here. A notice answered "our
  // call is still in flight" during the failover (a capture whose answer commits after it) must outlive it, as
  // with a real PSP: 12 attempts over about 45 s, inside the invariants' one-minute settle.
  const sandbox = await startSandbox({
    port: 0,
    seed: options.seed,
    webhookRetry: { attemptsMax: 12, initialDelayMs: 500, maxDelayMs: 5_000 },
  });
  const databaseUrl = await drillDatabase();
  const t = await createTestApp({
    databaseUrl,
    pspSandboxUrl: sandbox.url,
    stripeWebhookSecret: DRILL_SECRETS.STRIPE_WEBHOOK_SECRET,
    adyenHmacKeyHex: DRILL_SECRETS.ADYEN_HMAC_KEY,
    secrets: {
      vaultEncryptionKeys: DRILL_SECRETS.VAULT_ENCRYPTION_KEYS,
      vaultFingerprintKey: DRILL_SECRETS.VAULT_FINGERPRINT_KEY,
      idempotencyHashSecret: DRILL_SECRETS.IDEMPOTENCY_HASH_SECRET,
    },
    redisUrl: null,
    ...(options.redisClusterNodes ? { redisClusterNodes: options.redisClusterNodes } : {}),
    idempotencyWaitMs: 2_000,
    listen: true,
  });
  const webhookBase = options.webhooksTo ?? (() => t.url as string);
  sandbox.configureWebhooks({
    stripe: { url: `${webhookBase()}/webhooks/stripe`, secret: DRILL_SECRETS.STRIPE_WEBHOOK_SECRET },
    adyen: { url: `${webhookBase()}/webhooks/adyen`, hmacKeyHex: DRILL_SECRETS.ADYEN_HMAC_KEY },
  });
  const merchant = await t.createMerchant();
  return {
    sandbox,
    t,
    merchant,
    databaseUrl,
    async close() {
      await t.close();
      await sandbox.stop();
    },
  };
}

export interface PaymentLoad {
  client: LoadClient;
  answeredCaptured: Set<string>;
  operations: { captures: number; refunds: number };
  /** Error codes of the answers' payloads (a declined or refused payment), by mutation and code. */
  answerErrors: Record<string, number>;
  /** Sends `count` payments over `windowMs` with `concurrency` clients; a third captured by hand, a quarter refunded. */
  run(count: number, windowMs: number, concurrency: number): Promise<void>;
}

/** New-key retries of a payment refused PSP_NOT_REACHED, and the pause before each. */
const PSP_NOT_REACHED_RETRIES_MAX = 20;
const PSP_NOT_REACHED_PAUSE_MS = 2_000;

/** Clients that retry with their idempotency keys for long enough to outlast a failover. */
export function paymentLoad(baseUrl: () => string, merchant: TestMerchant, seedBase: number): PaymentLoad {
  const client = new LoadClient({ baseUrl, timeoutMs: 5_000, triesMax: 120, retryPauseMs: 500 });
  const answeredCaptured = new Set<string>();
  const operations = { captures: 0, refunds: 0 };
  const answerErrors: Record<string, number> = {};
  const noteErrors = (mutation: string, payload: { errors: Array<{ code: string }> } | null) => {
    for (const error of payload?.errors ?? []) {
      const name = `${mutation}:${error.code}`;
      answerErrors[name] = (answerErrors[name] ?? 0) + 1;
    }
  };
  const onePayment = async (index: number) => {
    const random = seededRandom(seedBase + index);
    const paymentMethodId = await client.tokenize(merchant.publishableKey, luhnCard("4111", random));
    const manual = index % 3 === 0;
    const input = {
      amount: String(2_000 + index),
      currency: "EUR",
      paymentMethodId,
      captureMethod: manual ? "MANUAL" : "AUTOMATIC",
    };
    // PSP_NOT_REACHED without a payment (a PSP's breaker open: nothing was done) asks for a retry later with a
    // new key, as a merchant would; bounded. With a payment (FAILED, the PSP unreachable) that payment is the one
    // sent, and is checked like the others.
    let created = await client.mutate("createPayment", merchant.secretKey, newKey("drill"), input);
    noteErrors("createPayment", created);
    for (let retry = 0; retry < PSP_NOT_REACHED_RETRIES_MAX; retry++) {
      if (created?.payment !== null || !created.errors.some((error) => error.code === "PSP_NOT_REACHED"))
        break;
      await sleep(PSP_NOT_REACHED_PAUSE_MS);
      created = await client.mutate("createPayment", merchant.secretKey, newKey("drill"), input);
      noteErrors("createPayment", created);
    }
    let payment = created?.payment;
    if (payment && manual && payment.status === "AUTHORIZED") {
      operations.captures++;
      payment =
        (await client.mutate("capturePayment", merchant.secretKey, newKey("cap"), { paymentId: payment.id }))
          ?.payment ?? payment;
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
  return {
    client,
    answeredCaptured,
    operations,
    answerErrors,
    async run(count, windowMs, concurrency) {
      const startedAt = Date.now();
      await runPaced(count, concurrency, (i) => startedAt + Math.floor((i * windowMs) / count), onePayment);
    },
  };
}

/**
 * The resolver during the load, as the API's resolver worker runs it (the in-process API runs no workers): a
 * request cut after its PSP call left its payment and its idempotency record open, and the client's retries
 * with that key answer "in progress" until the outcome is resolved with the PSP. Every second; errors (the
 * database failing over) are the next round's problem.
 *
 * With the worker's own staleness rule: a PENDING attempt is taken over once its process stopped heartbeating
 * (20 s; the in-process API never heartbeats) or after 2 minutes, never while its process is still calling the
 * PSP. It used to take over any attempt older than 3 s: at a load of 30-40 a live process's call lasts longer,
 * so two senders raced for one attempt. One run left a sandbox authorization on a FAILED payment that way: the
 * owner's breaker was open (it sent nothing, and recorded FAILED at 11:04:04.55), while this resolver had re-sent
 * the authorization, which the loaded sandbox applied at 11:04:14.
 */
export function resolverDuringLoad(t: TestApp) {
  let stopped = false;
  let rounds = 0;
  const run = (async () => {
    while (!stopped) {
      await t.app.services.commands.resolveUnknownOutcomes().catch(() => undefined);
      rounds++;
      await sleep(1_000);
    }
  })();
  return {
    async stop(): Promise<number> {
      stopped = true;
      await run;
      return rounds;
    },
  };
}

/** Probes writes through HAProxy every 100 ms; the longest gap between two successful writes is the outage. */
export function writeProbe() {
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

export type FigureRows = Array<readonly [string, string | number]>;

/**
 * Settles what is still open (the resolver, as the workers would), compares with the sandbox's charge ledger,
 * and checks the invariants. Returns the rows to print; the expectations run after the caller printed them.
 */
export async function drillInvariants(backend: DrillBackend, load: PaymentLoad, paymentsSent: number) {
  const { t, sandbox } = backend;
  const settleBy = Date.now() + 60_000;
  for (;;) {
    // Both of the resolver's backstops, with their waits shortened to the drill's minute: calls left in flight
    // (stale after 1 s), and modifications the PSP acknowledged whose notification has not come. The sandbox
    // resends a notice for about 45 s (above) where a PSP resends for days; in production the acknowledged lookup
    // and the settlement report are the backstops after that.
    await t.app.services.commands.resolveUnknownOutcomes({ staleAfterMs: 1_000, acknowledgedDeadlineMs: 0 });
    const open = await openWork(t.app.db);
    if (open.openAttempts + open.openPayments + open.openRefunds === 0 || Date.now() > settleBy) break;
    await sleep(250);
  }
  const result = await reconcile(t.app.db, sandbox.charges());
  const stored = await t.app.db.payment.findMany({
    where: { id: { in: [...load.answeredCaptured] } },
    select: { id: true },
  });
  const lost = [...load.answeredCaptured].filter((id) => !stored.some((p) => p.id === id));
  // Each payment the load sends has its own amount (2,000 + its index), so two payments with one amount are one
  // payment created twice under two keys (the client was told to retry with a new key while the first existed).
  const sentTwice = await t.app.db.$queryRaw<Array<{ amount: string; payments: string }>>`
    SELECT amount_minor::text AS amount, string_agg(id || ' ' || status::text, ', ' ORDER BY created_at) AS payments
      FROM payments GROUP BY amount_minor HAVING count(*) > 1 ORDER BY amount_minor LIMIT 5`;
  const inProgress = await t.app.db.idempotencyRecord.count({ where: { status: "IN_PROGRESS" } });
  const keyProblems = [...load.client.paymentIdsByKey].filter(([, ids]) => ids.size !== 1).length;
  const stats = load.client.stats;
  const unavailable = stats.graphqlErrorCodes.SERVICE_UNAVAILABLE ?? 0;
  const otherErrors = Object.entries(stats.graphqlErrorCodes)
    .filter(([code]) => code !== "SERVICE_UNAVAILABLE")
    .reduce((sum, [, count]) => sum + count, 0);
  const rows: FigureRows = [
    ["payments sent / in the database", `${paymentsSent} / ${result.payments}`],
    ["captures / refunds sent", `${load.operations.captures} / ${load.operations.refunds}`],
    [
      "client: requests / same-key retries / replays",
      `${stats.requests} / ${stats.sameKeyRetries} / ${stats.replays}`,
    ],
    [
      "requests failed retryably (503 SERVICE_UNAVAILABLE / no answer / in progress)",
      `${unavailable} / ${stats.noAnswer} / ${stats.inProgress}`,
    ],
    [
      "requests failed otherwise (GraphQL errors by code)",
      `${otherErrors} ${JSON.stringify(stats.graphqlErrorCodes)}`,
    ],
    ["answered CAPTURED / lost", `${load.answeredCaptured.size} / ${lost.length}`],
    [
      "payments created twice (one amount, two keys)",
      `${sentTwice.length} ${sentTwice.map((row) => `${row.amount}: ${row.payments}`).join("; ")}`,
    ],
    ["createPayment answers with errors, by code", JSON.stringify(load.answerErrors)],
    ["keys answered with more than one payment", keyProblems],
    ["double charges", result.doubleCharges.length],
    ["idempotency records left in progress", inProgress],
    ["violations", `${result.violations.length} ${result.violations.slice(0, 3).join("; ")}`],
    ...(await noticeRows(backend, result.violations)),
  ];
  return {
    rows,
    async check() {
      // In-flight requests failed with a retryable answer or completed: nothing masked as "Unexpected error.".
      expect(stats.graphqlErrorCodes).toEqual(unavailable > 0 ? { SERVICE_UNAVAILABLE: unavailable } : {});
      expect(sentTwice).toEqual([]);
      expect(result.payments).toBe(paymentsSent);
      expect(lost).toEqual([]);
      expect(keyProblems).toBe(0);
      expect(result.doubleCharges).toEqual([]);
      expect(result.violations).toEqual([]);
      expect(inProgress).toBe(0);
      await t.expectLedgerBalanced();
    },
  };
}

/**
 * The sandbox's notices, so a violation can be traced to a notice that never arrived: delivered, failed after
 * its attempts, or still queued; and for each payment named by a violation, its notices one by one.
 */
async function noticeRows(backend: DrillBackend, violations: readonly string[]): Promise<FigureRows> {
  const deliveries = backend.sandbox.webhookDeliveries();
  const byStatus = (status: string) => deliveries.filter((d) => d.status === status).length;
  const rows: FigureRows = [
    [
      "sandbox notices: delivered / failed / queued or in flight (attempts)",
      `${byStatus("delivered")} / ${byStatus("failed")} / ${byStatus("queued") + byStatus("delivering")} (${deliveries.reduce((sum, d) => sum + d.attempts, 0)})`,
    ],
  ];
  const named = [
    ...new Set(
      violations.flatMap((line) => [...line.matchAll(/(?:payment|of) (\S+?)[\s:(]/g)].map((m) => m[1]!)),
    ),
  ];
  if (named.length === 0) return rows;
  const references = await backend.t.app.db.payment.findMany({
    where: { id: { in: named.slice(0, 5) } },
    select: { id: true, pspReference: true },
  });
  for (const { id, pspReference } of references) {
    const own = deliveries.filter((d) => pspReference !== null && d.paymentPspReference === pspReference);
    rows.push([
      `sandbox notices of payment ${id}`,
      own.length === 0
        ? "none"
        : own
            .map(
              (d) =>
                `${d.eventType} ${d.status} after ${d.attempts} attempts (first due ${d.firstDueAt}${d.deliveredAt ? `, delivered ${d.deliveredAt}` : ""}${d.lastError ? `, last error ${d.lastError}` : ""})`,
            )
            .join("; "),
    ]);
  }
  return rows;
}
