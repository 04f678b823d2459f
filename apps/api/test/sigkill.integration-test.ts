// Goal: the production API (apps/api/src/main.ts, its own process) is killed
// with SIGKILL in the middle of a load, and restarted. What the dead process
// left half done (payments PENDING with their PSP attempt PENDING, requests
// whose idempotency key is IN_PROGRESS) is finished by the resolver; clients
// that retry their killed requests with the same key get one consistent
// answer (for captures, cancellations and refunds too: the operation's object
// or a typed error, never an empty payload); and the sandbox's own ledger and
// ours agree as after any chaos: nobody charged or refunded twice, every PSP
// charge known to us, every payment settled, the ledger balanced.

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import { createDatabaseClient, type DatabaseClient } from "@paycore/db/client";
import { LedgerAuditRepository } from "@paycore/db/repositories/ledger-audit.repository";
import { createTestDatabase } from "@paycore/db/testing/test-database";
import { createAdminCommands } from "@paycore/platform/admin-commands";
import { findTestRedis } from "@paycore/platform/testing/redis";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type App, createApp } from "../src/app";
import {
  figuresTable,
  freePort,
  LoadClient,
  luhnCard,
  type MutationPayload,
  seededRandom,
  sleep,
  weighted,
} from "../src/testing/load-client";
import { describePayment, openWork, reconcile } from "../src/testing/psp-reconciliation";
import { routeByCurrency } from "../src/testing/sandbox-test-app";
import { TEST_FIXTURE_ACTOR } from "../src/testing/test-app";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SEED = 4_242;
const CONCURRENCY = 8;
const PSP_TIMEOUT_MS = 1_000;
const HANG_MS = 2_000;
/** Load once the API is warm, before the kill; then against the dead port; then after the restart. */
const BEFORE_KILL_MS = 1_500;
/** Payments answered before the API counts as warm (its first requests load modules and pools). */
const WARM_AFTER_PAYMENTS = 4;
const WHILE_DEAD_MS = 1_000;
const AFTER_RESTART_MS = 2_000;
/** Bounds the retries of killed requests and the resolver loop, from the restart. */
const SETTLE_LIMIT_MS = 60_000;
const API_READY_TIMEOUT_MS = 60_000;

const CARD_MIX: ReadonlyArray<readonly [string, number]> = [
  ["fresh", 30], // a new Luhn-valid number each time: approved
  ["4000009900000020", 20], // timeout after charging
  ["4000009900000046", 15], // outcome only by webhook
  ["4000009900000038", 8], // timeout without charging
  ["4000009900000079", 8], // duplicated webhooks
  ["4000009900000061", 6], // late webhooks
  ["4000000000000002", 5], // declined
  ["4000009900000012", 8], // transient 5xx
];

const secrets = {
  VAULT_ENCRYPTION_KEYS: `1:${generateKeyMaterial()}`,
  VAULT_FINGERPRINT_KEY: randomBytes(32).toString("base64"),
  IDEMPOTENCY_HASH_SECRET: randomBytes(32).toString("base64"),
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString("hex")}`,
  ADYEN_HMAC_KEY: randomBytes(32).toString("hex"),
};

/** The API as production runs it: its own process, configured by the environment only. */
class ApiProcess {
  private child: ChildProcess | null = null;
  private output: string[] = [];

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the process wrote (for a failing run's output). */
  get log(): string {
    return this.output.slice(-40).join("");
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
      cwd: REPO_ROOT,
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const deadline = Date.now() + API_READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `the API exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${this.log}`,
        );
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`the API did not answer /health in time:\n${this.log}`);
      await sleep(100);
    }
  }

  /** kill -9: no shutdown hook runs, nothing is flushed or finished. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    if ((await Promise.race([exited.then(() => "exited"), sleep(5_000).then(() => "late")])) === "late") {
      child.kill("SIGKILL");
      await exited;
    }
  }
}

interface Flow {
  key: string;
  secretKey: string;
  input: Record<string, unknown>;
  /** The last answer to createPayment, null when none came. */
  answer: MutationPayload | null;
  startedAt: number;
}

/** A capture, cancellation or refund sent after its payment was answered. */
interface ModificationFlow {
  mutation: "capturePayment" | "cancelPayment" | "refundPayment";
  key: string;
  input: Record<string, unknown>;
  answer: MutationPayload | null;
}

const STILL_RUNNING = new Set(["IDEMPOTENCY_IN_PROGRESS", "PAYMENT_OPERATION_IN_PROGRESS"]);

/** The payload's object: the refund for a refund, else the payment. */
const objectOf = (mutation: ModificationFlow["mutation"], answer: MutationPayload) =>
  mutation === "refundPayment" ? (answer.refund ?? null) : answer.payment;

/** An answer that says nothing: no object and no error (what a killed refund used to replay). */
const empty = (flow: ModificationFlow, answer: MutationPayload | null) =>
  answer !== null && objectOf(flow.mutation, answer) === null && answer.errors.length === 0;

/** The operation's object or a typed error that is not "still running". */
const modificationAnswered = (flow: ModificationFlow, answer: MutationPayload | null) =>
  answer !== null &&
  !answer.errors.some((e) => STILL_RUNNING.has(e.code)) &&
  (objectOf(flow.mutation, answer) !== null || answer.errors.length > 0);

const definitive = (answer: MutationPayload | null) =>
  answer !== null &&
  answer.payment !== null &&
  !answer.errors.some(
    (e) => e.code === "IDEMPOTENCY_IN_PROGRESS" || e.code === "PAYMENT_OPERATION_IN_PROGRESS",
  );

let sandbox: SandboxHandle;
let database: { url: string; drop: () => Promise<void> };
let db: DatabaseClient;
let api: ApiProcess;
let resolverApp: App;
let merchant: { id: string; secretKey: string; publishableKey: string };
let redisNote: string;

beforeAll(async () => {
  const port = await freePort();
  sandbox = await startSandbox({
    port: await freePort(),
    seed: SEED,
    hangMs: HANG_MS,
    timings: {
      asyncOutcomeDelayMs: 300,
      modificationDelayMs: 100,
      lateWebhookDelayMs: 800,
      outOfOrderWindowMs: 200,
    },
    // Retried for long enough to outlast the API being dead and restarted.
    webhookRetry: { attemptsMax: 20, initialDelayMs: 100, maxDelayMs: 2_000, timeoutMs: 5_000 },
    webhooks: {
      stripe: { url: `http://127.0.0.1:${port}/webhooks/stripe`, secret: secrets.STRIPE_WEBHOOK_SECRET },
      adyen: { url: `http://127.0.0.1:${port}/webhooks/adyen`, hmacKeyHex: secrets.ADYEN_HMAC_KEY },
    },
  });
  database = await createTestDatabase(inject("adminDatabaseUrl"), inject("templateDatabase"));
  db = createDatabaseClient({ url: database.url, poolMax: 5 });
  const commands = createAdminCommands(db);
  const created = await commands.merchantCommands.create(TEST_FIXTURE_ACTOR, {
    name: "SIGKILL merchant",
    modes: ["TEST"],
    // Permissive: the load reuses a few scenario cards, which the velocity rules would (rightly) hold.
    settings: { riskReviewThreshold: 99, riskDeclineThreshold: 100 },
  });
  const key = (kind: "SECRET" | "PUBLISHABLE") => created.keys.find((k) => k.kind === kind)?.key as string;
  merchant = { id: created.merchant.id, secretKey: key("SECRET"), publishableKey: key("PUBLISHABLE") };
  await routeByCurrency(commands.routingRuleCommands, merchant.id, [
    ["USD", ["stripe", "adyen"]],
    ["EUR", ["adyen", "stripe"]],
  ]);

  const redis = await findTestRedis();
  redisNote = "url" in redis ? `Redis at ${redis.url}` : `no Redis (${redis.skipReason})`;
  api = new ApiProcess(port, {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? REPO_ROOT,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: String(port),
    // Every process of one deployment shares its public URL: the 3-D Secure return URL is part of the body an
    // unknown authorization is asked about again with, so the resolver below must build the very same one.
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: database.url,
    PSP_SANDBOX_URL: sandbox.url,
    PSP_TIMEOUT_MS: String(PSP_TIMEOUT_MS),
    // One client tokenizing a card per payment, as fast as it can: far past the production limits.
    RATE_LIMIT_IP_PER_SECOND: "100000",
    RATE_LIMIT_KEY_PER_SECOND: "100000",
    RATE_LIMIT_TOKENIZE_PER_MINUTE: "100000",
    RATE_LIMIT_TOKENIZE_PER_IP_PER_MINUTE: "100000",
    ...("url" in redis ? { REDIS_URL: redis.url } : {}),
    ...secrets,
  });

  // Our own app on the same database and sandbox: it runs the resolver on demand, with a staleness measured
  // from the kill, instead of waiting the 20 s without heartbeat after which the restarted API's own resolver
  // takes over a dead process's calls (both may run; every resolution is idempotent).
  resolverApp = createApp({
    databaseUrl: database.url,
    databasePoolMax: 5,
    redisUrl: null,
    secrets: {
      vaultEncryptionKeys: secrets.VAULT_ENCRYPTION_KEYS,
      vaultFingerprintKey: secrets.VAULT_FINGERPRINT_KEY,
      idempotencyHashSecret: secrets.IDEMPOTENCY_HASH_SECRET,
      stripeWebhookSecret: secrets.STRIPE_WEBHOOK_SECRET,
      adyenHmacKeyHex: secrets.ADYEN_HMAC_KEY,
    },
    pspSandboxUrl: sandbox.url,
    publicBaseUrl: `http://127.0.0.1:${port}`,
    pspTimeoutMs: PSP_TIMEOUT_MS,
    idempotencyRetentionHours: 24,
    idempotencyWaitMs: 5_000,
    velocityFallback: "postgres",
    reviewHoldTtlMs: 24 * 60 * 60 * 1000,
    logger: pino({ level: "silent" }),
  });
  await api.start();
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await resolverApp?.close();
  await sandbox?.stop();
  await db?.$disconnect();
  await database?.drop();
});

describe("SIGKILL mid-load", () => {
  it("the API killed with SIGKILL and restarted: no double charge, every charge known, everything settled", {
    timeout: 180_000,
  }, async () => {
    const client = new LoadClient({
      baseUrl: () => api.url,
      // Longer than the API's own wait for a request still running under the same key (5 s).
      timeoutMs: 8_000,
      triesMax: 3,
      retryPauseMs: 300,
    });
    const flows: Flow[] = [];
    const modifications: ModificationFlow[] = [];
    /** Every answer a modification got, before the kill and after: none may be empty. */
    const emptyAnswers: string[] = [];
    const modify = async (
      mutation: ModificationFlow["mutation"],
      key: string,
      input: Record<string, unknown>,
    ): Promise<void> => {
      const flow: ModificationFlow = { mutation, key, input, answer: null };
      modifications.push(flow);
      flow.answer = await client.mutate(mutation, merchant.secretKey, key, input);
      if (empty(flow, flow.answer)) emptyAnswers.push(`${key} (${mutation}): ${JSON.stringify(flow.answer)}`);
    };
    let next = 0;
    let stopping = false;
    let phase: "before kill" | "while dead" | "after restart" = "before kill";
    const flowsByPhase = { "before kill": 0, "while dead": 0, "after restart": 0 };

    const worker = async () => {
      while (!stopping) {
        const index = next++;
        const random = seededRandom(SEED * 1_000 + index);
        const card = weighted(random, CARD_MIX);
        const number = card === "fresh" ? luhnCard("4111", random) : card;
        let paymentMethodId: string;
        try {
          paymentMethodId = await client.tokenize(merchant.publishableKey, number);
        } catch {
          await sleep(200); // the API is down
          continue;
        }
        flowsByPhase[phase]++;
        const flow: Flow = {
          key: `sigkill-${index}-${randomBytes(6).toString("hex")}`,
          secretKey: merchant.secretKey,
          input: {
            amount: String(1_000 + Math.floor(random() * 3_000)),
            currency: random() < 0.5 ? "USD" : "EUR",
            paymentMethodId,
            captureMethod: random() < 0.7 ? "AUTOMATIC" : "MANUAL",
          },
          answer: null,
          startedAt: Date.now(),
        };
        flows.push(flow);
        flow.answer = await client.mutate("createPayment", flow.secretKey, flow.key, flow.input);
        const payment = flow.answer?.payment;
        const choice = random();
        if (payment?.status === "AUTHORIZED" && choice < 0.45) {
          await modify("capturePayment", `cap-${flow.key}`, { paymentId: payment.id });
        } else if (payment?.status === "AUTHORIZED" && choice < 0.9) {
          await modify("cancelPayment", `can-${flow.key}`, { paymentId: payment.id });
        } else if (payment?.status === "CAPTURED" && choice < 0.5) {
          await modify("refundPayment", `ref-${flow.key}`, {
            paymentId: payment.id,
            amount: String(Math.floor(Number(payment.amountCaptured) / 3)),
          });
        }
      }
    };

    // Latency at both PSPs keeps PSP calls in flight at any moment, so the kill lands in the middle of some.
    sandbox.setFaults("stripe", { latencyMs: 200 });
    sandbox.setFaults("adyen", { latencyMs: 200 });
    const loadStartedAt = Date.now();
    const workers = Array.from({ length: CONCURRENCY }, worker);
    // Mid-load: the API is warm, and PSP calls are in flight (their attempts PENDING) when it is killed.
    const deadline = Date.now() + 30_000;
    while (flows.filter((f) => definitive(f.answer)).length < WARM_AFTER_PAYMENTS && Date.now() < deadline)
      await sleep(20);
    // One capture, one cancellation and one refund are certainly cut off mid-call: their payments are made now,
    // and they are sent just before the kill while the PSPs hold every call for HANG_MS.
    const targetRandom = seededRandom(SEED * 7);
    const target = async (currency: string, captureMethod: string) => {
      const paymentMethodId = await client.tokenize(merchant.publishableKey, luhnCard("4111", targetRandom));
      const key = `target-${randomBytes(6).toString("hex")}`;
      const input = { amount: "3000", currency, paymentMethodId, captureMethod };
      const answer = await client.mutate("createPayment", merchant.secretKey, key, input);
      if (!answer?.payment) throw new Error(`target payment not made: ${JSON.stringify(answer)}`);
      return answer.payment;
    };
    const targets = {
      capture: await target("USD", "MANUAL"),
      cancel: await target("EUR", "MANUAL"),
      refund: await target("EUR", "AUTOMATIC"),
    };
    await sleep(BEFORE_KILL_MS);
    sandbox.setFaults("stripe", { latencyMs: HANG_MS });
    sandbox.setFaults("adyen", { latencyMs: HANG_MS });
    const targeted = Promise.all([
      modify("capturePayment", `cap-target-${targets.capture.id}`, { paymentId: targets.capture.id }),
      modify("cancelPayment", `can-target-${targets.cancel.id}`, { paymentId: targets.cancel.id }),
      modify("refundPayment", `ref-target-${targets.refund.id}`, {
        paymentId: targets.refund.id,
        amount: "1000",
      }),
    ]);
    const targetIds = Object.values(targets).map((p) => p.id);
    const targetsDeadline = Date.now() + 8_000;
    const targetsInFlight = () =>
      db.pspAttempt.count({
        where: { paymentId: { in: targetIds }, status: "PENDING", operation: { not: "AUTHORIZE" } },
      });
    while ((await targetsInFlight()) < targetIds.length && Date.now() < targetsDeadline) await sleep(10);
    const inFlightDeadline = Date.now() + 3_000;
    while ((await db.pspAttempt.count({ where: { status: "PENDING" } })) < 2 && Date.now() < inFlightDeadline)
      await sleep(10);

    const inFlightAtKill = client.inFlight;
    const answeredBeforeKill = flows.filter((f) => definitive(f.answer)).length;
    const killedPid = api.pid;
    await api.kill();
    const killedAt = Date.now();
    phase = "while dead";
    const pendingAttemptsAtKill = await db.pspAttempt.count({ where: { status: "PENDING" } });
    const pendingModificationsAtKill = await db.pspAttempt.groupBy({
      by: ["operation"],
      where: { status: "PENDING", operation: { not: "AUTHORIZE" } },
      _count: { _all: true },
    });
    sandbox.clearFaults();
    await sleep(WHILE_DEAD_MS);

    const restartStartedAt = Date.now();
    await api.start();
    const restartedAt = Date.now();
    phase = "after restart";
    await sleep(AFTER_RESTART_MS);
    stopping = true;
    await Promise.all(workers);
    await targeted;
    const loadMs = Date.now() - loadStartedAt;

    // Clients whose request was killed (no answer, or "in progress") send it again with the same key, while
    // the resolver finishes what the dead process left behind.
    const killedFlows = flows.filter((f) => !definitive(f.answer));
    const killedModifications = modifications.filter((m) => !modificationAnswered(m, m.answer));
    const retryAnswers = new Map<string, MutationPayload | null>();
    const retries = (async () => {
      await Promise.all([
        ...killedFlows.map(async (flow) => {
          while (Date.now() - restartedAt < SETTLE_LIMIT_MS) {
            const answer = await client.mutate("createPayment", flow.secretKey, flow.key, flow.input);
            retryAnswers.set(flow.key, answer);
            if (definitive(answer)) return;
            await sleep(1_000);
          }
        }),
        ...killedModifications.map(async (flow) => {
          while (Date.now() - restartedAt < SETTLE_LIMIT_MS) {
            const answer = await client.mutate(flow.mutation, merchant.secretKey, flow.key, flow.input);
            retryAnswers.set(flow.key, answer);
            if (empty(flow, answer)) emptyAnswers.push(`${flow.key} replayed ${JSON.stringify(answer)}`);
            if (modificationAnswered(flow, answer)) return;
            await sleep(1_000);
          }
        }),
      ]);
    })();
    let resolved = 0;
    let settledAt: number | null = null;
    let resolverPasses = 0;
    const resolverErrors: string[] = [];
    for (;;) {
      try {
        // Only PENDING attempts started before the kill are dead; later ones belong to the live process.
        const summary = await resolverApp.services.commands.resolveUnknownOutcomes({
          staleAfterMs: Math.max(1_000, Date.now() - killedAt),
        });
        resolved += summary.resolved;
      } catch (error) {
        resolverErrors.push(error instanceof Error ? error.message : String(error));
      }
      resolverPasses++;
      const open = await openWork(db);
      const webhooksInFlight = sandbox
        .webhookDeliveries()
        .filter((d) => d.status === "queued" || d.status === "delivering").length;
      const unanswered =
        killedFlows.filter((f) => !definitive(retryAnswers.get(f.key) ?? null)).length +
        killedModifications.filter((m) => !modificationAnswered(m, retryAnswers.get(m.key) ?? null)).length;
      const settled =
        open.openAttempts + open.openPayments + open.openRefunds + webhooksInFlight + unanswered === 0;
      if (settled) settledAt = Date.now();
      if (settled || Date.now() - restartedAt > SETTLE_LIMIT_MS) break;
      await sleep(500);
    }
    await retries;

    const charges = sandbox.charges();
    const result = await reconcile(db, charges);
    const open = await openWork(db);
    const audit = new LedgerAuditRepository(db);
    const totals = await audit.totalsByCurrency();
    const unbalanced = await audit.unbalancedEntries();
    const disagreeing = await audit.paymentsDisagreeingWithLedger();
    const bySystem = await db.paymentEvent.groupBy({
      by: ["type"],
      where: { source: "SYSTEM" },
      _count: { _all: true },
    });
    const records = await db.idempotencyRecord.findMany({
      where: { operation: "createPayment" },
      select: { key: true, resourceId: true, status: true },
    });

    // One key, one payment: every answer a key ever got, before the kill or after, names the same payment,
    // the one its record links.
    const recordByKey = new Map(records.map((r) => [r.key, r]));
    const keyProblems: string[] = [];
    for (const [key, ids] of client.paymentIdsByKey) {
      const linked = recordByKey.get(key)?.resourceId;
      if (ids.size !== 1 || linked !== [...ids][0])
        keyProblems.push(`${key}: answers named ${[...ids].join(", ")}, its record links ${linked}`);
    }
    const unansweredRetries = [
      ...killedFlows
        .filter((f) => !definitive(retryAnswers.get(f.key) ?? null))
        .map((f) => `${f.key}: ${JSON.stringify(retryAnswers.get(f.key) ?? null)}`),
      ...killedModifications
        .filter((m) => !modificationAnswered(m, retryAnswers.get(m.key) ?? null))
        .map((m) => `${m.key} (${m.mutation}): ${JSON.stringify(retryAnswers.get(m.key) ?? null)}`),
    ];
    const killedByMutation = (mutation: ModificationFlow["mutation"]) =>
      killedModifications.filter((m) => m.mutation === mutation).length;
    const sentByMutation = (mutation: ModificationFlow["mutation"]) =>
      modifications.filter((m) => m.mutation === mutation).length;
    const paymentsPerKey = await db.$queryRaw<Array<{ payments: number; keys: number }>>`
        SELECT count(*)::int AS payments, count(DISTINCT r.key)::int AS keys
          FROM payments p JOIN idempotency_records r ON r.resource_id = p.id AND r.operation = 'createPayment'`;

    console.log(
      figuresTable(`SIGKILL figures (API pid ${killedPid} killed, restarted as ${api.pid}; ${redisNote})`, [
        ["payments sent", flows.length],
        [
          "  before the kill / while dead / after the restart",
          `${flowsByPhase["before kill"]} / ${flowsByPhase["while dead"]} / ${flowsByPhase["after restart"]}`,
        ],
        ["answered before the kill", answeredBeforeKill],
        ["requests in flight when killed (client side)", inFlightAtKill],
        ["PSP attempts PENDING when killed (server side)", pendingAttemptsAtKill],
        [
          "  of which captures, voids, refunds",
          pendingModificationsAtKill.map((g) => `${g.operation}: ${g._count._all}`).join(", ") || "none",
        ],
        [
          "captures / cancels / refunds sent",
          `${sentByMutation("capturePayment")} / ${sentByMutation("cancelPayment")} / ${sentByMutation("refundPayment")}`,
        ],
        [
          "  of which killed (retried with the same key)",
          `${killedByMutation("capturePayment")} / ${killedByMutation("cancelPayment")} / ${killedByMutation("refundPayment")}`,
        ],
        ["  answers with neither object nor error", emptyAnswers.length],
        ["payments created", result.payments],
        ...Object.entries(result.statusCounts)
          .sort()
          .map(([status, count]) => [`  ${status}`, count] as [string, number]),
        ["  of which pending verification", result.pendingVerification],
        ["killed requests retried with the same key", killedFlows.length + killedModifications.length],
        [
          "  answered consistently after the restart",
          killedFlows.length + killedModifications.length - unansweredRetries.length,
        ],
        ["resolved after the restart (our resolver passes)", `${resolved} in ${resolverPasses} passes`],
        ["  events by the resolver", bySystem.map((e) => `${e.type}: ${e._count._all}`).join(", ") || "none"],
        [
          "client: requests / no answer / in progress / replays",
          `${client.stats.requests} / ${client.stats.noAnswer} / ${client.stats.inProgress} / ${client.stats.replays}`,
        ],
        ["sandbox charges / holding money", `${result.sandboxCharges} / ${result.sandboxMoneyCharges}`],
        ["double charges", result.doubleCharges.length],
        ["unknown outcomes left", result.unknownLeft],
        ["restart: process start to /health (ms)", restartedAt - restartStartedAt],
        ["load duration (ms)", loadMs],
        [
          "time to settle after the restart (ms)",
          settledAt !== null ? settledAt - restartedAt : `not settled within ${SETTLE_LIMIT_MS}`,
        ],
        ["resolver errors", `${resolverErrors.length} ${resolverErrors.slice(0, 2).join(" | ")}`],
        ["violations", result.violations.length + keyProblems.length + unansweredRetries.length],
      ]),
    );
    if (result.violations.length > 0) {
      console.log(result.violations.slice(0, 40).join("\n"));
      const named = [...new Set(result.violations.flatMap((v) => v.match(/pay_[0-9A-Z]{26}/g) ?? []))];
      for (const id of named.slice(0, 8)) console.log(await describePayment(db, id, charges));
    }

    if (emptyAnswers.length > 0) console.log(emptyAnswers.slice(0, 20).join("\n"));
    if (keyProblems.length + unansweredRetries.length > 0)
      console.log([...keyProblems, ...unansweredRetries].slice(0, 20).join("\n"));

    // The load did meet the kill: requests were cut off and work was left half done.
    expect(pendingAttemptsAtKill, "PSP calls were in flight when the API was killed").toBeGreaterThan(0);
    for (const mutation of ["capturePayment", "cancelPayment", "refundPayment"] as const)
      expect(killedByMutation(mutation), `a ${mutation} was cut off by the kill`).toBeGreaterThan(0);
    // Every capture, cancellation and refund answered its object or a typed error, before the kill and on replay.
    expect(emptyAnswers).toEqual([]);
    // No double charge.
    expect(result.doubleCharges).toEqual([]);
    // Every sandbox charge known, amounts agree, every payment settled or explicitly pending verification.
    expect(result.violations).toEqual([]);
    expect(open).toEqual({ openAttempts: 0, unknownAttempts: 0, openPayments: 0, openRefunds: 0 });
    // Killed requests retried with their key got an answer, naming the one payment of that key.
    expect(unansweredRetries).toEqual([]);
    expect(keyProblems).toEqual([]);
    expect(paymentsPerKey[0]?.payments).toBe(paymentsPerKey[0]?.keys);
    expect(paymentsPerKey[0]?.payments).toBe(result.payments);
    // The ledger balances: Σ debits = Σ credits per currency, every entry, every payment.
    for (const total of totals) expect(total.debitsMinor, total.currency).toBe(total.creditsMinor);
    expect(unbalanced).toEqual([]);
    expect(disagreeing).toEqual([]);
  });
});
