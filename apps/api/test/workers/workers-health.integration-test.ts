// Goal: GET /health/workers on a real app (real Postgres, workers on, no Redis) names every worker with its
// last run and success and the chain sealer's lag, says why the outbox relay is not running, holds no secret,
// is answered before the rate limits, and turns 503 while a worker keeps failing (the sealer with its table
// gone), then 200 again once it recovers; Yoga's /health is unchanged.

import type { WorkersHealth } from "@paycore/platform/workers/worker-registry";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../src/testing/test-app";

const HEALTH_URL = "http://localhost/health/workers";
const WAIT_MS = 15_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function healthOf(t: TestApp): Promise<{ status: number; body: WorkersHealth }> {
  const response = await t.app.http.fetch(HEALTH_URL);
  return { status: response.status, body: (await response.json()) as WorkersHealth };
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms`);
    await sleep(50);
  }
}

describe("GET /health/workers", () => {
  let t: TestApp;

  beforeAll(async () => {
    // A limit of 1 request per second per client IP: GraphQL is limited at once, the health route never.
    t = await createTestApp({
      workers: true,
      redisUrl: null,
      listen: true,
      rateLimits: { ipPerSecond: 1 },
      logger: pino({ level: "silent" }),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("lists every worker with its last run, the sealer's lag, and the relay skipped without Redis", async () => {
    // The heartbeat and the sealer run at once, but on a loaded machine their first run may not have finished
    // when the route is first asked: wait (bounded) for both.
    const { status, body } = await waitFor(
      "the sealer's first status and the heartbeat's first write",
      async () => {
        const health = await healthOf(t);
        const sealer = health.body.workers.find((worker) => worker.name === "chain-sealer");
        const heartbeat = health.body.workers.find((worker) => worker.name === "process-heartbeat");
        return sealer?.details?.lag && heartbeat?.lastSuccessAt ? health : null;
      },
    );
    expect(status).toBe(200);
    expect(body.healthy).toBe(true);
    expect(body.workers.map((worker) => worker.name).sort()).toEqual([
      "announced-report-fetch",
      "authorization-expiry",
      "balance-release",
      "bank-transfer-expiry",
      "chain-sealer",
      "checkout-session-expiry",
      "dispute-evidence-forwarding",
      "idempotency-purge",
      "ledger-check",
      "metrics-refresh",
      "partition-maintenance",
      "payout-dispatch",
      "pii-erasure-sweep",
      "process-heartbeat",
      "report-run-poll",
      "request-nonce-purge",
      "resolver",
      "review-hold-expiry",
      "risk-signals",
      "sanctions-screening",
      "three-d-secure-expiry",
      "webhook-delivery",
      "webhook-event-purge",
    ]);
    for (const worker of body.workers) {
      expect(worker, worker.name).toMatchObject({ running: true, healthy: true, consecutiveFailures: 0 });
    }
    // The heartbeat and the sealer run at once; the others wait their interval (2 s, 1 min, 10 min) first.
    const byName = new Map(body.workers.map((worker) => [worker.name, worker]));
    expect(byName.get("process-heartbeat")?.lastSuccessAt).toEqual(expect.any(String));
    expect(byName.get("review-hold-expiry")?.lastRunAt).toBeNull();
    expect(byName.get("chain-sealer")?.details).toEqual({
      lag: expect.arrayContaining([
        {
          stream: "journal",
          unsealedRows: expect.any(String),
          lagSeconds: expect.any(Number),
          measuredAt: expect.any(String),
        },
        expect.objectContaining({ stream: "operator_audit" }),
      ]),
    });
    expect(body.skipped).toEqual([{ name: "outbox-relay", reason: expect.stringContaining("no Redis") }]);
  });

  it("holds no secret: no database URL, no key material", async () => {
    const raw = await (await t.app.http.fetch(HEALTH_URL)).text();
    expect(raw).not.toMatch(/postgres(ql)?:\/\//);
    expect(raw).not.toMatch(/whsec_|sk_(test|live)_|password/i);
    expect(raw).not.toContain(t.databaseUrl);
  });

  it("is served by the HTTP listener before the rate limits, and Yoga's /health is unchanged", async () => {
    const statuses: number[] = [];
    for (let request = 0; request < 5; request += 1) {
      statuses.push((await fetch(`${t.url}/health/workers`)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const graphql = [1, 2, 3].map(() =>
      fetch(`${t.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      }).then((response) => response.status),
    );
    expect(await Promise.all(graphql)).toContain(429);
    expect((await fetch(`${t.url}/health/workers`)).status).toBe(200);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });

  it.each([
    { method: "HEAD", status: 200, body: "" },
    { method: "POST", status: 405, body: "METHOD_NOT_ALLOWED" },
    { method: "DELETE", status: 405, body: "METHOD_NOT_ALLOWED" },
  ])("answers $method with $status", async ({ method, status, body }) => {
    for (const response of [
      await fetch(`${t.url}/health/workers`, { method }),
      await t.app.http.fetch(HEALTH_URL, { method }),
    ]) {
      expect(response.status).toBe(status);
      expect(await response.text()).toContain(body);
      if (status === 405) expect(response.headers.get("allow")).toBe("GET, HEAD");
    }
  });

  it("answers 503 while a worker has failed 5 passes in a row, and 200 once it recovers", async () => {
    // The sealer's table gone: each pass fails, backing off 200 ms, 400 ms, … (with jitter).
    await t.app.sql.query("ALTER TABLE chain_heads RENAME TO chain_heads_away");
    try {
      const failing = await waitFor("the sealer's fifth failure", async () => {
        const health = await healthOf(t);
        return health.status === 503 ? health : null;
      });
      const sealer = failing.body.workers.find((worker) => worker.name === "chain-sealer");
      expect(sealer).toMatchObject({
        running: true,
        healthy: false,
        problem: expect.stringMatching(/passes failed in a row/),
      });
      expect(sealer?.consecutiveFailures).toBeGreaterThanOrEqual(5);
      expect(sealer?.lastFailureAt).toEqual(expect.any(String));
      expect(failing.body.healthy).toBe(false);
      expect(failing.body.workers.filter((worker) => !worker.healthy).map((worker) => worker.name)).toEqual([
        "chain-sealer",
      ]);
    } finally {
      await t.app.sql.query("ALTER TABLE chain_heads_away RENAME TO chain_heads");
    }
    // The backoff is capped at 30 s; the jittered waits so far sum to a few seconds.
    const recovered = await waitFor("the sealer's recovery", async () => {
      const health = await healthOf(t);
      return health.status === 200 ? health : null;
    });
    expect(recovered.body.workers.find((worker) => worker.name === "chain-sealer")).toMatchObject({
      healthy: true,
      consecutiveFailures: 0,
    });
  });
});

describe("GET /health/workers with the background workers off", () => {
  it("shows the heartbeat and the purge, which every process runs", async () => {
    const t = await createTestApp();
    try {
      const { status, body } = await healthOf(t);
      expect(status).toBe(200);
      expect(body.workers.map((worker) => worker.name)).toEqual(["process-heartbeat", "idempotency-purge"]);
      expect(body.skipped).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
