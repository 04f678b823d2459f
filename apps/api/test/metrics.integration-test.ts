// Goal: the Prometheus metrics of a running API and sandbox (issue 22). A real
// API on a loopback port, with real Redis, paying through the sandbox PSP
// server: GET /metrics refuses a scrape without the token (401) and serves the
// series docs/operations.md lists, each with its type; the counters move with
// the traffic (payments by outcome and PSP, authorizations, idempotency replays
// and conflicts, per-operation GraphQL requests); the backlog gauges hold what
// the database holds; labels stay bounded (a flood of operation names folds
// into "other", and no payment or merchant id appears in any label).
import { randomBytes } from "node:crypto";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATION_NAMES_MAX } from "../src/plugins/use-metrics";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const TOKEN = `metrics-${randomBytes(12).toString("hex")}`;
const SANDBOX_TOKEN = `sandbox-${randomBytes(12).toString("hex")}`;

let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;

interface Scrape {
  types: Map<string, string>;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
  raw: string;
}

/** Prometheus' text format, as far as these checks need: TYPE lines and samples with their labels. */
function parse(raw: string): Scrape {
  const types = new Map<string, string>();
  const samples: Scrape["samples"] = [];
  for (const line of raw.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    if (line === "" || line.startsWith("#")) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) });
  }
  return { types, samples, raw };
}

async function scrape(url: string, token: string): Promise<Scrape> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return parse(await response.text());
}

function value(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scraped.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

const CREATE = `mutation PayMetricsTest($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status pspName } errors { code } } }`;

async function pay(card: string, key = newKey(), amount = "2500", known?: string) {
  const method = known ?? (await t.tokenize(merchant.publishableKey, card));
  const result = await t.gql<{
    createPayment: {
      payment: { id: string; status: string; pspName: string } | null;
      errors: Array<{ code: string }>;
    };
  }>(merchant.secretKey, CREATE, {
    input: { idempotencyKey: key, amount, currency: "USD", paymentMethodId: method },
  });
  if (!result.data) throw new Error(result.raw);
  return result.data.createPayment;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 11, metricsToken: SANDBOX_TOKEN });
  t = await createTestApp({
    pspSandboxUrl: sandbox.url,
    listen: true,
    redisUrl: "redis://127.0.0.1:6379",
    metricsToken: TOKEN,
  });
  merchant = await t.createMerchant();
}, 60_000);

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

describe("GET /metrics on the API", () => {
  it("refuses a scrape without the token or with a wrong one (401), and another method (405)", async () => {
    const url = t.url as string;
    const bare = await fetch(`${url}/metrics`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toContain("Bearer");
    expect(await bare.text()).not.toContain("paycore_");
    const wrong = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const post = await fetch(`${url}/metrics`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(post.status).toBe(405);
    // In this process (no socket): the token is the only way in.
    expect((await t.app.http.fetch("http://localhost/metrics")).status).toBe(401);
  });

  it("counts payments by outcome and PSP, authorizations, replays and conflicts, per GraphQL operation", async () => {
    const key = newKey();
    const method = await t.tokenize(merchant.publishableKey, "4242424242424242");
    const approved = await pay("4242424242424242", key, "2500", method);
    expect(approved.payment?.status).toBe("CAPTURED");
    const declined = await pay("4000000000000002");
    expect(declined.payment?.status).toBe("DECLINED");
    // The same key and input: a replay. The same key, another amount: a conflict.
    const replay = await pay("4242424242424242", key, "2500", method);
    expect(replay.payment?.id).toBe(approved.payment?.id);
    const conflict = await pay("4242424242424242", key, "2600", method);
    expect(conflict.errors.map((e) => e.code)).toContain("IDEMPOTENCY_KEY_REUSED");

    const scraped = await scrape(t.url as string, TOKEN);
    const psp = approved.payment?.pspName as string;
    expect(value(scraped, "paycore_payments_total", { outcome: "captured", psp, mode: "test" })).toBe(1);
    expect(value(scraped, "paycore_payments_total", { outcome: "declined" })).toBe(1);
    expect(
      value(scraped, "paycore_psp_authorizations_total", { psp, result: "approved" }),
    ).toBeGreaterThanOrEqual(1);
    expect(value(scraped, "paycore_psp_authorizations_total", { result: "refused" })).toBe(1);
    expect(
      value(scraped, "paycore_psp_requests_total", { psp, operation: "authorize", outcome: "succeeded" }),
    ).toBe(1);
    expect(value(scraped, "paycore_psp_request_duration_seconds_count", { operation: "authorize" })).toBe(2);
    expect(
      value(scraped, "paycore_psp_circuit_breaker_state", { psp: "stripe", mode: "test", state: "closed" }),
    ).toBe(1);
    expect(
      value(scraped, "paycore_psp_circuit_breaker_state", { psp: "stripe", mode: "test", state: "open" }),
    ).toBe(0);
    expect(value(scraped, "paycore_idempotency_conflicts_total", { code: "IDEMPOTENCY_KEY_REUSED" })).toBe(1);
    expect(value(scraped, "paycore_idempotency_replays_total", { operation: "createPayment" })).toBe(1);
    expect(
      value(scraped, "paycore_graphql_requests_total", { operation: "PayMetricsTest", type: "mutation" }),
    ).toBe(4);
    expect(
      value(scraped, "paycore_graphql_request_duration_seconds_count", { operation: "PayMetricsTest" }),
    ).toBe(4);
    // Pool figures are read at scrape time; the event loop and heap come from prom-client's defaults.
    expect(value(scraped, "paycore_db_pool_connections", { state: "idle" })).toBeGreaterThan(0);
    expect(value(scraped, "paycore_nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    await t.expectLedgerBalanced();
  });

  it("covers live mode's PSPs in the breaker gauge once their clients are built", async () => {
    const before = await scrape(t.url as string, TOKEN);
    expect(value(before, "paycore_psp_circuit_breaker_state", { mode: "live" })).toBe(0);
    // A live PSP account (unreachable endpoint: nothing calls it); routing builds its client.
    await t.app.services.pspAccounts.create(
      { operatorId: null, name: "test:metrics" },
      {
        psp: "stripe",
        mode: "LIVE",
        endpoint: "http://127.0.0.1:9",
        apiKey: `sk_live_${randomBytes(12).toString("hex")}`,
        webhookSecret: `whsec_${randomBytes(16).toString("hex")}`,
      },
    );
    t.app.services.livePsps.invalidate();
    const routable = await t.app.services.livePsps.routable();
    expect(routable.map((p) => p.profile.name)).toEqual(["stripe"]);
    const scraped = await scrape(t.url as string, TOKEN);
    expect(
      value(scraped, "paycore_psp_circuit_breaker_state", { psp: "stripe", mode: "live", state: "closed" }),
    ).toBe(1);
    expect(
      value(scraped, "paycore_psp_circuit_breaker_state", { psp: "stripe", mode: "live", state: "open" }),
    ).toBe(0);
    // Test mode's series are still there beside it.
    expect(
      value(scraped, "paycore_psp_circuit_breaker_state", { psp: "stripe", mode: "test", state: "closed" }),
    ).toBe(1);
  });

  it("serves every documented series with its type", async () => {
    await t.app.refreshMetrics();
    const scraped = await scrape(t.url as string, TOKEN);
    const expected: Record<string, string> = {
      paycore_graphql_requests_total: "counter",
      paycore_graphql_errors_total: "counter",
      paycore_graphql_request_duration_seconds: "histogram",
      paycore_payments_total: "counter",
      paycore_psp_authorizations_total: "counter",
      paycore_psp_requests_total: "counter",
      paycore_psp_request_duration_seconds: "histogram",
      paycore_psp_circuit_breaker_state: "gauge",
      paycore_psp_attempts_unsettled: "gauge",
      paycore_outbox_backlog_messages: "gauge",
      paycore_outbox_oldest_message_age_seconds: "gauge",
      paycore_webhook_deliveries_backlog: "gauge",
      paycore_dead_letters_open: "gauge",
      paycore_reconciliation_open_items: "gauge",
      paycore_payouts: "gauge",
      paycore_disputes: "gauge",
      paycore_needs_attention_items: "gauge",
      paycore_ledger_check_ok: "gauge",
      paycore_ledger_check_last_run_timestamp_seconds: "gauge",
      paycore_operational_figures_refreshed_timestamp_seconds: "gauge",
      paycore_idempotency_replays_total: "counter",
      paycore_idempotency_conflicts_total: "counter",
      paycore_rate_limit_refusals_total: "counter",
      paycore_redis_fallbacks_total: "counter",
      paycore_db_pool_connections: "gauge",
      paycore_db_pool_waiting_requests: "gauge",
      paycore_db_group_commit_flushes: "gauge",
      paycore_db_group_commit_grouped_statements: "gauge",
      paycore_db_group_commit_windows: "gauge",
      paycore_nodejs_eventloop_lag_p99_seconds: "gauge",
      paycore_nodejs_heap_size_used_bytes: "gauge",
      paycore_process_cpu_seconds_total: "counter",
    };
    for (const [name, type] of Object.entries(expected))
      expect([name, scraped.types.get(name)]).toEqual([name, type]);
    // Two payments went to the outbox and no relay runs in this suite: the backlog gauge holds them.
    expect(value(scraped, "paycore_outbox_backlog_messages")).toBe(await unpublished());
    expect(value(scraped, "paycore_psp_attempts_unsettled", { status: "unknown", age: "lt_5m" })).toBe(0);
    expect(value(scraped, "paycore_needs_attention_items", { source: "recon_items" })).toBe(0);
    expect(value(scraped, "paycore_operational_figures_refreshed_timestamp_seconds")).toBeGreaterThan(0);
    // The two payments' writes went through the group commit (alone or grouped): their intents at least.
    const flushes =
      value(scraped, "paycore_db_group_commit_flushes", { kind: "alone" }) +
      value(scraped, "paycore_db_group_commit_grouped_statements");
    expect(flushes).toBeGreaterThanOrEqual(2);
    // The coalescing window is off by default: no group was held open.
    expect(value(scraped, "paycore_db_group_commit_windows")).toBe(0);
  });

  it("keeps labels bounded: operation names fold into 'other', no payment or merchant id in any label", async () => {
    for (let i = 0; i < OPERATION_NAMES_MAX + 20; i++) {
      await t.gql(merchant.secretKey, `query Flood${i} { __typename }`);
    }
    await t.gql(merchant.secretKey, `query Flood_${"x".repeat(80)} { __typename }`);
    await t.gql(merchant.secretKey, `{ __typename }`);
    const scraped = await scrape(t.url as string, TOKEN);
    const operations = new Set(
      scraped.samples
        .filter((s) => s.name === "paycore_graphql_requests_total")
        .map((s) => s.labels.operation),
    );
    expect(operations.size).toBeLessThanOrEqual(OPERATION_NAMES_MAX + 3);
    expect(operations).toContain("other");
    expect(operations).toContain("anonymous");
    expect(value(scraped, "paycore_graphql_requests_total", { operation: "other" })).toBeGreaterThanOrEqual(
      21,
    );
    for (const sample of scraped.samples)
      for (const label of Object.values(sample.labels)) {
        expect(label).not.toMatch(/^(pay|mer|key|pm|att)_/);
        expect(label).not.toContain(merchant.id);
      }
  });
});

describe("GET /metrics on the sandbox", () => {
  it("refuses a scrape without its token and serves its request and fault series", async () => {
    expect((await fetch(`${sandbox.url}/metrics`)).status).toBe(401);
    sandbox.setFaults("adyen", { down: true });
    const scraped = await scrape(sandbox.url, SANDBOX_TOKEN);
    sandbox.clearFaults();
    expect(scraped.types.get("paycore_sandbox_requests_total")).toBe("counter");
    expect(scraped.types.get("paycore_sandbox_request_duration_seconds")).toBe("histogram");
    expect(scraped.types.get("paycore_sandbox_fault_active")).toBe("gauge");
    expect(value(scraped, "paycore_sandbox_fault_active", { psp: "adyen", fault: "down" })).toBe(1);
    expect(value(scraped, "paycore_sandbox_requests_total", { status_class: "2xx" })).toBeGreaterThan(0);
    expect(value(scraped, "paycore_sandbox_charges")).toBeGreaterThan(0);
  });
});

async function unpublished(): Promise<number> {
  const [row] = await t.app.sql.query<{ count: number }>(
    "SELECT count(*)::integer AS count FROM outbox_messages WHERE published_at IS NULL",
  );
  return row?.count ?? 0;
}
