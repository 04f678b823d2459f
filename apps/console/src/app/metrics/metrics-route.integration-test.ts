// Goal (issue 22): the console's GET /metrics is closed to the public and serves Prometheus text with the console's
// own series. The route handler is called as Next calls it, on a console runtime over a real database: no token
// configured answers 401 to everyone, a missing or wrong bearer token 401, another method 405, and the right token
// 200 with the text format, every series labelled process="console" (its pool, PSP and Node figures).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ConsoleServices } from "../../server/services";
import { createTestConsole, type TestConsole } from "../../server/testing/test-console";
import { GET } from "./route";

const TOKEN = `console-metrics-${randomBytes(12).toString("hex")}`;
let tc: TestConsole;

const scrape = (authorization?: string, method = "GET") =>
  GET(
    new Request("http://127.0.0.1:3000/metrics", {
      method,
      headers: authorization === undefined ? {} : { authorization },
    }),
  );

beforeAll(async () => {
  tc = await createTestConsole({ runtime: { metricsProcess: "console" } });
  // The route reads the process's console services, as under `next start`: these are the test's.
  (globalThis as unknown as { paycoreConsoleServices?: ConsoleServices }).paycoreConsoleServices =
    tc.services;
  vi.stubEnv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/unused");
});

afterAll(async () => {
  vi.unstubAllEnvs();
  delete (globalThis as unknown as { paycoreConsoleServices?: ConsoleServices }).paycoreConsoleServices;
  await tc?.close();
});

describe("the console's /metrics route", () => {
  it("answers 401 to everyone while no METRICS_TOKEN is configured", async () => {
    vi.stubEnv("METRICS_TOKEN", undefined);
    const response = await scrape(`Bearer ${TOKEN}`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(await response.text()).not.toContain("paycore_");
  });

  it("refuses a missing or wrong token (401) and another method (405)", async () => {
    vi.stubEnv("METRICS_TOKEN", TOKEN);
    for (const authorization of [undefined, "Bearer wrong", `Basic ${TOKEN}`]) {
      const response = await scrape(authorization);
      expect([authorization, response.status]).toEqual([authorization, 401]);
      expect(await response.text()).not.toContain("paycore_");
    }
    expect((await scrape(`Bearer ${TOKEN}`, "POST")).status).toBe(405);
  });

  it("serves Prometheus text with the console's series to the right token", async () => {
    vi.stubEnv("METRICS_TOKEN", TOKEN);
    const response = await scrape(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const body = await response.text();
    for (const [name, type] of [
      ["paycore_db_pool_connections", "gauge"],
      ["paycore_psp_circuit_breaker_state", "gauge"],
      ["paycore_idempotency_replays_total", "counter"],
      ["paycore_nodejs_heap_size_used_bytes", "gauge"],
    ])
      expect(body).toContain(`# TYPE ${name} ${type}`);
    expect(body).toMatch(/^paycore_db_pool_connections\{[^}]*process="console"[^}]*\} \d+/m);
    expect(body).not.toContain('process="api"');
  });
});
