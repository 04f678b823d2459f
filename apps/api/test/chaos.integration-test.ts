// Goal: a few hundred payments through both sandbox PSPs while faults run in
// phases (latency, 5xx, timeouts, one PSP down), with clients that give up and
// retry with the same idempotency key. Once the faults stop and the resolver
// and webhooks have settled everything, the sandbox's own ledger and ours must
// agree: nobody charged twice, every PSP charge known to us with the amounts
// we recorded, every payment settled (or explicitly waiting for an operator),
// one payment per idempotency key, and the ledger balanced.
//
// CHAOS_PAYMENTS (default 300, at least 200) and CHAOS_SEED change the run.

import { findTestRedis } from "@paycore/platform/testing/redis";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CountingProxy, startCountingProxy } from "../src/testing/counting-proxy";
import {
  type ClientPayment,
  figuresTable,
  LoadClient,
  luhnCard,
  runPaced,
  seededRandom,
  sleep,
  weighted,
} from "../src/testing/load-client";
import { describePayment, openWork, reconcile } from "../src/testing/psp-reconciliation";
import { routeByCurrency } from "../src/testing/sandbox-test-app";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../src/testing/test-app";

const PAYMENTS = Math.max(200, Number(process.env.CHAOS_PAYMENTS ?? 300) || 300);
const SEED = Number(process.env.CHAOS_SEED ?? 7_2024) || 7_2024;
const CONCURRENCY = 8;
/** How long the sandbox holds a timed-out answer; our PSP timeout is shorter, so the call times out. */
const HANG_MS = 1_500;
const PSP_TIMEOUT_MS = 700;
/** The merchant's own client gives up on a request after this long, and may send it again with the key. */
const CLIENT_TIMEOUT_MS = 1_200;
const SETTLE_LIMIT_MS = 60_000;
/** Settling also ends once nothing is in flight anywhere for this long (what is left then is stuck). */
const QUIET_MS = 5_000;
const STRIPE_SECRET = "whsec_chaos_test_0123456789";
const ADYEN_KEY = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";

interface Phase {
  name: string;
  ms: number;
  apply(sandbox: SandboxHandle): void;
}

const both = (sandbox: SandboxHandle, faults: Parameters<SandboxHandle["setFaults"]>[1]) => {
  sandbox.clearFaults();
  sandbox.setFaults("stripe", faults);
  sandbox.setFaults("adyen", faults);
};

/** Phases are sized for 200 payments at ~6 a second on 2 cores, and stretched for more. */
const SCALE = PAYMENTS / 200;
const seconds = (n: number) => Math.round(n * 1_000 * SCALE);

/**
 * The fault schedule. The last phase lasts until the load is done. The breaker of the PSP that was down stays
 * open for 30 s after it opened, so USD and EUR traffic fails over while it is open, and the resolver meets it.
 */
const PHASES: Phase[] = [
  { name: "normal", ms: seconds(4), apply: (s) => s.clearFaults() },
  { name: "latency 250 ms", ms: seconds(5), apply: (s) => both(s, { latencyMs: 250 }) },
  { name: "5xx 30%", ms: seconds(6), apply: (s) => both(s, { errorRate: 0.3 }) },
  { name: "timeouts 20%", ms: seconds(6), apply: (s) => both(s, { timeoutRate: 0.2 }) },
  {
    name: "stripe down",
    ms: seconds(5),
    apply: (s) => {
      s.clearFaults();
      s.setFaults("stripe", { down: true });
    },
  },
  { name: "normal again", ms: seconds(8), apply: (s) => s.clearFaults() },
];
const SCHEDULE_MS = PHASES.reduce((sum, phase) => sum + phase.ms, 0);
/** Payments start evenly over the schedule but its last few seconds, so every phase sees traffic. */
const START_WINDOW_MS = SCHEDULE_MS - seconds(4);

/** A dead letter's reason on one line: the last line of a multi-line error, cut to 90 characters. */
function shortReason(reason: string): string {
  const lines = reason.split("\n").map((line) => line.trim());
  const last = lines.filter((line) => line.length > 0).at(-1) ?? "";
  return last.length > 90 ? `${last.slice(0, 87)}...` : last;
}

/** Card numbers and how often each is used: plain approvals, declines, and the sandbox's scenario cards. */
const CARD_MIX: ReadonlyArray<readonly [string, number]> = [
  ["fresh", 30], // a new Luhn-valid number each time: approved
  ["4242424242424242", 6],
  ["5555555555554444", 6],
  ["4000000000000002", 4], // declined
  ["4000000000009995", 3], // insufficient funds
  ["4000000000000119", 3], // processing error: nothing charged, fails over
  ["4000009900000012", 7], // transient 5xx
  ["4000009900000020", 7], // timeout after charging
  ["4000009900000038", 6], // timeout without charging
  ["4000009900000046", 7], // outcome only by webhook
  ["4000009900000053", 3], // declined only by webhook
  ["4000009900000061", 6], // late webhooks
  ["4000009900000079", 7], // duplicated webhooks
  ["4000009900000087", 5], // out-of-order webhooks
];

let sandbox: SandboxHandle;
let proxy: CountingProxy;
let t: TestApp;
let merchants: TestMerchant[];
let redisNote: string;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    seed: SEED,
    hangMs: HANG_MS,
    timings: {
      asyncOutcomeDelayMs: 300,
      modificationDelayMs: 100,
      followUpFailureDelayMs: 200,
      lateWebhookDelayMs: 800,
      outOfOrderWindowMs: 200,
    },
    // Retried long enough to outlast the phase in which a PSP is down (Stripe events are confirmed by reading
    // the PaymentIntent back, which fails while it is down).
    webhookRetry: { attemptsMax: 20, initialDelayMs: 100, maxDelayMs: 2_000, timeoutMs: 5_000 },
  });
  proxy = await startCountingProxy(sandbox.url, {
    pspOf: (path) => (path.startsWith("/adyen") ? "adyen" : "stripe"),
    slowAfterMs: 200,
  });
  const redis = await findTestRedis();
  redisNote = "url" in redis ? `Redis at ${redis.url}` : `no Redis (${redis.skipReason})`;
  t = await createTestApp({
    pspSandboxUrl: proxy.url,
    pspTimeoutMs: PSP_TIMEOUT_MS,
    stripeWebhookSecret: STRIPE_SECRET,
    adyenHmacKeyHex: ADYEN_KEY,
    redisUrl: "url" in redis ? redis.url : null,
    idempotencyWaitMs: 1_500,
    listen: true,
  });
  sandbox.configureWebhooks({
    stripe: { url: `${t.url}/webhooks/stripe`, secret: STRIPE_SECRET },
    adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
  });
  merchants = [await t.createMerchant(), await t.createMerchant()];
  // Both PSPs get traffic from both merchants, each PSP first for one of them.
  const [a, b] = merchants as [TestMerchant, TestMerchant];
  await routeByCurrency(t.app.services.routingRuleCommands, a.id, [
    ["USD", ["stripe", "adyen"]],
    ["EUR", ["adyen", "stripe"]],
  ]);
  await routeByCurrency(t.app.services.routingRuleCommands, b.id, [
    ["USD", ["adyen", "stripe"]],
    ["EUR", ["stripe", "adyen"]],
  ]);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await sandbox?.stop();
});

describe("chaos: payments while the PSPs misbehave", () => {
  it(`${PAYMENTS} payments through latency, 5xx, timeouts and a PSP outage: the sandbox's ledger and ours agree`, {
    timeout: 180_000,
  }, async () => {
    const client = new LoadClient({
      baseUrl: () => t.url as string,
      timeoutMs: CLIENT_TIMEOUT_MS,
      triesMax: 4,
      retryPauseMs: 300,
    });
    const startedInPhase = new Map<string, number>();
    let phase = PHASES[0]!.name;
    const operations = { captures: 0, cancels: 0, refunds: 0 };

    const onePayment = async (index: number) => {
      startedInPhase.set(phase, (startedInPhase.get(phase) ?? 0) + 1);
      const random = seededRandom(SEED * 1_000 + index);
      const merchant = merchants[index % 2] as TestMerchant;
      const currency = random() < 0.5 ? "USD" : "EUR";
      const captureMethod = random() < 0.6 ? "AUTOMATIC" : "MANUAL";
      const card = weighted(random, CARD_MIX);
      const number = card === "fresh" ? luhnCard("4111", random) : card;
      const amount = 1_000 + Math.floor(random() * 3_000);
      const paymentMethodId = await client.tokenize(merchant.publishableKey, number);
      const key = newKey("chaos");
      const input = { amount: String(amount), currency, paymentMethodId, captureMethod };
      let payload = await client.mutate("createPayment", merchant.secretKey, key, input);
      if (random() < 0.2) {
        // A client that did not trust the answer: the same request again, with the same key.
        payload = (await client.resend("createPayment", merchant.secretKey, key, input)) ?? payload;
      }
      let payment: ClientPayment | null = payload?.payment ?? null;
      if (payment === null) return;
      if (payment.status === "AUTHORIZED" && payment.pendingOperation === null) {
        const choice = random();
        if (choice < 0.6) {
          operations.captures++;
          const partial = random() < 0.5;
          const captured = await client.mutate("capturePayment", merchant.secretKey, newKey("cap"), {
            paymentId: payment.id,
            ...(partial ? { amount: String(amount - 500) } : {}),
          });
          payment = captured?.payment ?? payment;
        } else if (choice < 0.8) {
          operations.cancels++;
          const cancelled = await client.mutate("cancelPayment", merchant.secretKey, newKey("can"), {
            paymentId: payment.id,
          });
          payment = cancelled?.payment ?? payment;
        }
      }
      if (payment.status === "CAPTURED" && random() < 0.5) {
        const refunds = random() < 0.3 ? 2 : 1;
        for (let i = 0; i < refunds; i++) {
          operations.refunds++;
          const refundInput = {
            paymentId: payment.id,
            amount: String(Math.floor(Number(payment.amountCaptured) / 4)),
          };
          const refundKey = newKey("ref");
          const refunded = await client.mutate("refundPayment", merchant.secretKey, refundKey, refundInput);
          if (random() < 0.2)
            await client.resend("refundPayment", merchant.secretKey, refundKey, refundInput);
          if (refunded?.errors.length) break;
        }
      }
    };

    // The fault schedule and the load run side by side.
    const loadStartedAt = Date.now();
    let lastFaultEndedAt = loadStartedAt;
    const schedule = (async () => {
      for (const [i, step] of PHASES.entries()) {
        step.apply(sandbox);
        proxy.setLabel(step.name);
        phase = step.name;
        if (i === PHASES.length - 1) lastFaultEndedAt = Date.now();
        await sleep(step.ms);
      }
    })();
    await runPaced(
      PAYMENTS,
      CONCURRENCY,
      (i) => loadStartedAt + Math.floor((i * START_WINDOW_MS) / PAYMENTS),
      onePayment,
    );
    await schedule;
    const loadMs = Date.now() - loadStartedAt;

    // Faults off; let the resolver and the webhooks settle what is still open.
    sandbox.clearFaults();
    proxy.setLabel("settling");
    const settleStartedAt = Date.now();
    let resolverPasses = 0;
    let resolverErrors: string[] = [];
    let quietSince: number | null = null;
    let settledAt: number | null = null;
    const nothingDueForResolver = async () =>
      (await t.app.db.pspAttempt.count({
        where: { status: { in: ["UNKNOWN", "PENDING"] }, escalatedAt: null },
      })) === 0;
    for (;;) {
      try {
        await t.app.services.commands.resolveUnknownOutcomes({ staleAfterMs: 2_000 });
      } catch (error) {
        resolverErrors = [...resolverErrors, error instanceof Error ? error.message : String(error)];
      }
      resolverPasses++;
      const open = await openWork(t.app.db);
      const inFlightWebhooks = sandbox
        .webhookDeliveries()
        .filter((d) => d.status === "queued" || d.status === "delivering").length;
      const settled =
        open.openAttempts + open.openPayments + open.openRefunds === 0 && inFlightWebhooks === 0;
      if (settled) settledAt = Date.now();
      if (settled || Date.now() - settleStartedAt > SETTLE_LIMIT_MS) break;
      // Only webhooks can settle ACKNOWLEDGED attempts: with none in flight and nothing for the resolver for a
      // while, nothing will change any more (the assertions below say what is stuck).
      const quiet = inFlightWebhooks === 0 && open.unknownAttempts === 0 && (await nothingDueForResolver());
      quietSince = quiet ? (quietSince ?? Date.now()) : null;
      if (quietSince !== null && Date.now() - quietSince > QUIET_MS) break;
      await sleep(250);
    }
    const open = await openWork(t.app.db);
    const settleFigure = (from: number) =>
      settledAt !== null
        ? settledAt - from
        : `not settled: ${open.openAttempts} attempts, ${open.openPayments} payments, ${open.openRefunds} refunds left open; nothing moved after ${(quietSince ?? Date.now()) - from}`;

    // Compare the sandbox's truth with ours.
    const charges = sandbox.charges();
    const result = await reconcile(t.app.db, charges);
    const db = t.app.db;
    const deliveries = sandbox.webhookDeliveries();
    const distinctEvents = new Set(deliveries.map((d) => `${d.psp}:${d.eventId}`)).size;
    const delivered = deliveries.filter((d) => d.status === "delivered").length;
    const storedEvents = await db.pspWebhookEvent.count();
    const failovers = await db.paymentEvent.count({ where: { type: "payment.failover" } });
    // Routing skips a PSP whose breaker is open: those payments never reach it (no failover needed).
    const [{ skipped } = { skipped: 0 }] = await db.$queryRaw<Array<{ skipped: number }>>`
      SELECT count(*)::int AS skipped FROM psp_attempts
       WHERE operation = 'AUTHORIZE' AND routing @> '{"skipped": [{"reason": "breaker_open"}]}'::jsonb`;
    const escalations = await db.paymentEvent.count({ where: { type: "payment.escalated" } });
    const resolverEvents = await db.paymentEvent.groupBy({
      by: ["type"],
      where: { source: "SYSTEM" },
      _count: { _all: true },
    });
    const failureCodes = await db.payment.groupBy({
      by: ["failureCode"],
      where: { status: "FAILED" },
      _count: { _all: true },
    });
    const deadLetters = await db.deadLetter.groupBy({ by: ["reason"], _count: { _all: true } });
    const records = await db.idempotencyRecord.findMany({
      where: { operation: "createPayment" },
      select: { key: true, merchantId: true, resourceId: true, status: true },
    });

    // One key, one payment: every answer to a key named the payment its record links to.
    const recordByKey = new Map(records.map((r) => [r.key, r]));
    const keyProblems: string[] = [];
    for (const [key, ids] of client.paymentIdsByKey) {
      const linked = recordByKey.get(key)?.resourceId;
      if (ids.size !== 1 || linked !== [...ids][0])
        keyProblems.push(`${key}: answers named ${[...ids].join(", ")}, its record links ${linked}`);
    }
    const linkedPayments = new Set(records.map((r) => r.resourceId).filter((id) => id !== null));
    const paymentRows = await db.payment.findMany({ select: { id: true } });
    const unlinked = paymentRows.filter((p) => !linkedPayments.has(p.id)).map((p) => p.id);

    const tallies = proxy.tallies();
    const faultRows: Array<[string, string]> = [];
    for (const step of [...PHASES.map((p) => p.name), "settling"]) {
      const byPsp = tallies.get(step);
      if (!byPsp) continue;
      const sum = { requests: 0, serverErrors: 0, slow: 0, reset: 0, timedOut: 0 };
      for (const tally of byPsp.values()) {
        for (const field of Object.keys(sum) as Array<keyof typeof sum>) sum[field] += tally[field];
      }
      faultRows.push([
        `  ${step} (${startedInPhase.get(step) ?? 0} payments started)`,
        `${sum.requests} PSP requests: ${sum.serverErrors} 5xx, ${sum.timedOut} timed out, ${sum.reset} reset, ${sum.slow} slow (>200 ms)`,
      ]);
    }
    console.log(
      figuresTable(`chaos figures (seed ${SEED}, ${redisNote})`, [
        ["payments attempted", PAYMENTS],
        ["payments created", result.payments],
        ...Object.entries(result.statusCounts)
          .sort()
          .map(([status, count]) => [`  ${status}`, count] as [string, number]),
        ["  of which pending verification", result.pendingVerification],
        [
          "  FAILED by failure code",
          failureCodes.map((f) => `${f.failureCode}: ${f._count._all}`).join(", "),
        ],
        [
          "settled by the resolver (events)",
          resolverEvents.map((e) => `${e.type}: ${e._count._all}`).join(", ") || "none",
        ],
        [
          "captures / cancels / refunds sent",
          `${operations.captures} / ${operations.cancels} / ${operations.refunds}`,
        ],
        ["faults injected per phase", ""],
        ...faultRows,
        [
          "client: requests / no answer / in progress / same-key retries / replays",
          `${client.stats.requests} / ${client.stats.noAnswer} / ${client.stats.inProgress} / ${client.stats.sameKeyRetries} / ${client.stats.replays}`,
        ],
        [
          "client: GraphQL errors",
          `${client.stats.graphqlErrors} ${client.stats.graphqlErrorMessages.slice(0, 3).join(" | ")}`,
        ],
        ["webhook deliveries (copies) / distinct events", `${deliveries.length} / ${distinctEvents}`],
        [
          "webhooks delivered / failed for good",
          `${delivered} / ${deliveries.filter((d) => d.status === "failed").length}`,
        ],
        ["duplicate webhooks received (delivered − stored)", delivered - storedEvents],
        ...deadLetters.map(
          (d) => [`dead letters: ${shortReason(d.reason)}`, d._count._all] as [string, number],
        ),
        ["failovers (payment.failover)", failovers],
        ["payments routed around an open breaker", skipped],
        ["escalations (payment.escalated)", escalations],
        ["sandbox charges / holding money", `${result.sandboxCharges} / ${result.sandboxMoneyCharges}`],
        ["double charges", result.doubleCharges.length],
        ["unknown outcomes left", result.unknownLeft],
        ["load duration (ms)", loadMs],
        ["time to settle after the load (ms)", settleFigure(settleStartedAt)],
        ["time to settle after the last fault phase (ms)", settleFigure(lastFaultEndedAt)],
        [
          "resolver passes / errors",
          `${resolverPasses} / ${resolverErrors.length} ${resolverErrors.slice(0, 2).join(" | ")}`,
        ],
        ["violations", result.violations.length],
      ]),
    );
    if (result.violations.length > 0) {
      console.log(result.violations.slice(0, 40).join("\n"));
      const named = [...new Set(result.violations.flatMap((v) => v.match(/pay_[0-9A-Z]{26}/g) ?? []))];
      for (const id of named.slice(0, 10)) console.log(await describePayment(t.app.db, id, charges));
    }

    // The run did meet the faults it was meant to.
    const faults = (name: string, field: "serverErrors" | "timedOut" | "reset") =>
      [...(tallies.get(name)?.values() ?? [])].reduce((sum, tally) => sum + tally[field], 0);
    expect(faults("5xx 30%", "serverErrors")).toBeGreaterThan(0);
    expect(faults("timeouts 20%", "timedOut")).toBeGreaterThan(0);
    // Stripe was down: cut off, or already skipped for a breaker the earlier faults had opened.
    expect(faults("stripe down", "reset") + skipped).toBeGreaterThan(0);

    // (a) nobody charged twice.
    expect(result.doubleCharges).toEqual([]);
    // (b)-(d) every sandbox charge known, amounts agree, every payment settled or pending verification.
    expect(result.violations).toEqual([]);
    expect(open).toEqual({ openAttempts: 0, unknownAttempts: 0, openPayments: 0, openRefunds: 0 });
    // One key, one payment.
    expect(keyProblems).toEqual([]);
    expect(unlinked).toEqual([]);
    expect(result.payments).toBeLessThanOrEqual(PAYMENTS);
    // (e) the ledger balances.
    await t.expectLedgerBalanced();
  });
});

// Each of these pins down, deterministically, a way the chaos run above can end with our ledger disagreeing
// with the PSP's. Each builds its own app (own breakers) against its own sandbox, webhooks pointed at it.
describe("what the chaos run can hit, one case at a time", () => {
  let psp: SandboxHandle;
  let slowNetwork: CountingProxy;
  /** The next answer to a POST whose path matches is held back this long (a slow network after the PSP acted). */
  let holdNext: { path: RegExp; ms: number } | null = null;
  let app: TestApp;
  let owner: TestMerchant;

  const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } errors { code } } }`;
  const CAPTURE = `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { id status pendingOperation } errors { code } } }`;
  const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id status } errors { code } } }`;

  beforeAll(async () => {
    psp = await startSandbox({
      port: 0,
      seed: SEED,
      hangMs: HANG_MS,
      timings: { modificationDelayMs: 200, asyncOutcomeDelayMs: 200 },
      webhookRetry: { attemptsMax: 10, initialDelayMs: 100, maxDelayMs: 1_000, timeoutMs: 5_000 },
    });
    slowNetwork = await startCountingProxy(psp.url, {
      pspOf: (path) => (path.startsWith("/adyen") ? "adyen" : "stripe"),
      slowAfterMs: 200,
      holdAnswerMs: (method, path) => {
        if (method !== "POST" || holdNext === null || !holdNext.path.test(path)) return 0;
        const { ms } = holdNext;
        holdNext = null;
        return ms;
      },
    });
  });
  afterAll(async () => {
    await slowNetwork?.close();
    await psp?.stop();
  });

  async function freshApp(currency: "USD" | "EUR", pspNames: Array<"stripe" | "adyen">) {
    app = await createTestApp({
      pspSandboxUrl: slowNetwork.url,
      pspTimeoutMs: PSP_TIMEOUT_MS,
      stripeWebhookSecret: STRIPE_SECRET,
      adyenHmacKeyHex: ADYEN_KEY,
      listen: true,
    });
    psp.configureWebhooks({
      stripe: { url: `${app.url}/webhooks/stripe`, secret: STRIPE_SECRET },
      adyen: { url: `${app.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
    });
    owner = await app.createMerchant();
    // One PSP only unless a case needs failover, so what is seen is that PSP's doing.
    await app.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
      merchantId: owner.id,
      priority: 1,
      match: { currencies: [currency] },
      pspNames,
    });
  }

  /** Null when no payment was created (the PSP_NOT_REACHED of a PSP skipped for its open breaker). */
  async function tryPay(input: Record<string, unknown>): Promise<{ id: string; status: string } | null> {
    const method = await app.tokenize(owner.publishableKey, "4242424242424242");
    const result = await app.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
      owner.secretKey,
      CREATE,
      { input: { idempotencyKey: newKey(), amount: "4000", paymentMethodId: method, ...input } },
    );
    if (!result.data) throw new Error(result.raw);
    return result.data.createPayment.payment;
  }

  async function pay(input: Record<string, unknown>): Promise<{ id: string; status: string }> {
    const payment = await tryPay(input);
    if (payment === null) throw new Error("no payment created");
    return payment;
  }

  async function until(done: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done()) && Date.now() < deadline) await sleep(50);
  }

  it("the resolver does not call a payment FAILED because its own retry met the PSP's open breaker", async () => {
    await freshApp("USD", ["stripe"]);
    try {
      // The PSP charges, then holds its answer past our timeout; then it goes down, so our retries are cut off.
      psp.setFaults("stripe", { timeoutRate: 1 });
      const earlier = psp.charges().length;
      const charged = pay({ currency: "USD" });
      await until(() =>
        psp
          .charges()
          .slice(earlier)
          .some((c) => c.capturedMinor > 0n),
      );
      psp.setFaults("stripe", { down: true });
      const first = await charged;
      expect(first.status).toBe("PENDING");
      // More payments while it is down trip its circuit breaker (5 consecutive transient failures).
      let tripped = false;
      for (let i = 0; i < 4 && !tripped; i++) {
        const next = await tryPay({ currency: "USD" });
        tripped = next === null || next.status === "FAILED";
      }
      expect(tripped, "the breaker opened: a payment was refused without reaching the PSP").toBe(true);
      psp.clearFaults();

      await app.app.services.commands.resolveUnknownOutcomes();
      const charge = psp.charges().find((c) => c.reference === first.id);
      expect(charge?.capturedMinor).toBe(4000n);
      const payment = await app.app.db.payment.findUniqueOrThrow({
        where: { id: first.id },
        select: { status: true, failureCode: true },
      });
      // The customer was charged. An open breaker says nothing about the first call: the payment must stay
      // PENDING (asked again later) or be CAPTURED, never FAILED.
      expect(payment, "the PSP captured 4000 for this payment").not.toMatchObject({ status: "FAILED" });
      // A try that never reached the PSP does not move the attempt along the resolver's schedule (which would
      // stretch the next wait to a minute and, over a long outage, escalate): it is asked again in seconds.
      const attempt = await app.app.db.pspAttempt.findFirstOrThrow({
        where: { paymentId: first.id, operation: "AUTHORIZE" },
        select: { status: true, resolveCount: true, nextResolveAt: true, escalatedAt: true },
      });
      if (attempt.status === "UNKNOWN") {
        expect(attempt).toMatchObject({ resolveCount: 0, escalatedAt: null });
        const wait = (attempt.nextResolveAt?.getTime() ?? 0) - Date.now();
        expect(wait).toBeGreaterThan(2_000);
        expect(wait).toBeLessThanOrEqual(5_000);
      }
      await app.expectLedgerBalanced();
    } finally {
      psp.clearFaults();
      await app.close();
    }
  });

  it("a refund's notification settles that refund, not another refund of the payment still in flight", async () => {
    await freshApp("EUR", ["adyen"]);
    try {
      const payment = await pay({ currency: "EUR" });
      expect(payment.status).toBe("CAPTURED");
      const refund = (idempotencyKey: string) =>
        app.gql<{ refundPayment: { refund: { id: string; status: string } } }>(owner.secretKey, REFUND, {
          input: { idempotencyKey, paymentId: payment.id, amount: "1000" },
        });
      const first = await refund(newKey());
      expect(first.data?.refundPayment.refund.status).toBe("PENDING");
      // The second refund's request is still in flight when the first refund's notification arrives.
      psp.setFaults("adyen", { latencyMs: 600 });
      await refund(newKey());
      psp.clearFaults();

      const db = app.app.db;
      await until(
        async () =>
          (await db.refund.count({ where: { paymentId: payment.id, status: "PENDING" } })) === 0 &&
          psp.webhookDeliveries().every((d) => d.status === "delivered" || d.status === "failed"),
        5_000,
      );
      const charge = psp.charges().find((c) => c.reference === payment.id);
      expect(charge?.refundedMinor).toBe(2000n);
      const refunds = await db.refund.findMany({
        where: { paymentId: payment.id },
        orderBy: { createdAt: "asc" },
        select: { status: true, amountMinor: true },
      });
      expect(refunds).toEqual([
        { status: "SUCCEEDED", amountMinor: 1000n },
        { status: "SUCCEEDED", amountMinor: 1000n },
      ]);
      expect(
        await db.payment.findUniqueOrThrow({
          where: { id: payment.id },
          select: { amountRefundedMinor: true, amountRefundPendingMinor: true },
        }),
      ).toEqual({ amountRefundedMinor: 2000n, amountRefundPendingMinor: 0n });
      await app.expectLedgerBalanced();
    } finally {
      psp.clearFaults();
      await app.close();
    }
  });

  it("a capture confirmed by notification stays confirmed when the PSP's late acknowledgement comes in", async () => {
    await freshApp("EUR", ["adyen"]);
    try {
      const payment = await pay({ currency: "EUR", captureMethod: "MANUAL" });
      expect(payment.status).toBe("AUTHORIZED");
      // The PSP takes the capture and holds its answer past our timeout; its notification comes first, then our
      // retry with the same key gets the (replayed) acknowledgement.
      psp.setFaults("adyen", { timeoutRate: 1 });
      await app.gql(owner.secretKey, CAPTURE, { input: { idempotencyKey: newKey(), paymentId: payment.id } });
      psp.clearFaults();
      const db = app.app.db;
      await until(
        async () =>
          (await db.payment.findUniqueOrThrow({ where: { id: payment.id }, select: { status: true } }))
            .status === "CAPTURED",
      );
      const capture = await db.pspAttempt.findFirstOrThrow({
        where: { paymentId: payment.id, operation: "CAPTURE" },
        select: { status: true },
      });
      expect(
        await db.payment.findUniqueOrThrow({
          where: { id: payment.id },
          select: { status: true, amountCapturedMinor: true, pendingOperation: true },
        }),
      ).toEqual({ status: "CAPTURED", amountCapturedMinor: 4000n, pendingOperation: null });
      // The attempt the notification confirmed must not go back to ACKNOWLEDGED (left open forever).
      expect(capture.status).toBe("SUCCEEDED");
      await app.expectLedgerBalanced();
    } finally {
      psp.clearFaults();
      await app.close();
    }
  });
  it("a capture the PSP's webhook confirmed before its answer came still answers the request, for good", async () => {
    await freshApp("USD", ["stripe"]);
    try {
      const payment = await pay({ currency: "USD", captureMethod: "MANUAL" });
      expect(payment.status).toBe("AUTHORIZED");
      // The PSP captures and sends payment_intent.succeeded at once; its answer reaches us only after our
      // timeout, so the webhook records the capture first and our retry with the same key replays the answer.
      // Held past our PSP timeout (700 ms).
      holdNext = { path: /\/v1\/payment_intents\/[^/]+\/capture$/, ms: 1_000 };
      const key = newKey();
      const capture = () =>
        app.gql<{ capturePayment: { payment: { status: string } | null; errors: Array<{ code: string }> } }>(
          owner.secretKey,
          CAPTURE,
          { input: { idempotencyKey: key, paymentId: payment.id } },
        );
      const first = await capture();
      // The webhook came first but waited (503, redelivered): a call still in flight owns its outcome, so
      // the capture is recorded once, by the request's own answer, and the redelivered webhook changes nothing.
      expect(
        await app.app.db.paymentEvent.findMany({
          where: { paymentId: payment.id, type: "payment.captured" },
          select: { source: true },
        }),
        "the capture is recorded once, by the request's own answer",
      ).toEqual([{ source: "API" }]);
      // The request that asked for the capture gets the captured payment, not "Unexpected error."...
      expect(first.errors, first.raw).toBeUndefined();
      expect(first.data?.capturePayment.payment?.status).toBe("CAPTURED");
      // ...and its key is answered for good: a retry replays it instead of IDEMPOTENCY_IN_PROGRESS forever.
      const again = await capture();
      expect(again.data?.capturePayment, again.raw).toMatchObject({
        payment: { status: "CAPTURED" },
        errors: [],
      });
      expect(
        await app.app.db.idempotencyRecord.findFirst({ where: { key }, select: { status: true } }),
      ).toEqual({ status: "COMPLETED" });
      await app.expectLedgerBalanced();
    } finally {
      holdNext = null;
      await app.close();
    }
  });
  it("a decline notification that outruns the PSP's answer does not break failover: the request is answered", async () => {
    await freshApp("USD", ["stripe", "adyen"]);
    try {
      // processing_error: nothing charged, retryable, so the payment fails over to the next PSP (and, failing
      // there too, ends FAILED as documented). Stripe's answer reaches us 300 ms late (no timeout), after its
      // payment_intent.payment_failed webhook has been applied.
      const method = await app.tokenize(owner.publishableKey, "4000000000000119");
      holdNext = { path: /^\/v1\/payment_intents$/, ms: 300 };
      const key = newKey();
      const create = () =>
        app.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
          owner.secretKey,
          CREATE,
          {
            input: { idempotencyKey: key, amount: "4000", currency: "USD", paymentMethodId: method },
          },
        );
      const first = await create();
      const db = app.app.db;
      // The early payment_failed webhook waited (503, redelivered) while our call was in flight: failover
      // ran as designed, and nothing recorded the payment from the webhook.
      expect(
        await db.paymentEvent.findFirst({
          where: { type: "payment.failover", payment: { merchantId: owner.id } },
          select: { type: true },
        }),
        "the payment failed over",
      ).not.toBeNull();
      // Not "Unexpected error.": the request is answered with its payment, FAILED as docs/api.md documents
      // for processing_error, and its key replays that answer.
      expect(first.errors, first.raw).toBeUndefined();
      expect(first.data?.createPayment.payment?.status).toBe("FAILED");
      const again = await create();
      expect(again.data?.createPayment.payment?.id).toBe(first.data?.createPayment.payment?.id);
      expect(await db.idempotencyRecord.findFirst({ where: { key }, select: { status: true } })).toEqual({
        status: "COMPLETED",
      });
      await app.expectLedgerBalanced();
    } finally {
      holdNext = null;
      await app.close();
    }
  });
});
