// Goal: the API follows the GraphQL-over-HTTP specification as clients (graphql-request, urql, Apollo, Relay) expect
// it: graphql-http's server audit, run against the real server, passes every MUST (an error fails this test) and
// SHOULD (a warning is listed, and the count may not grow unnoticed), both in process and over loopback HTTP.
import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApp, type TestApp, type TestMerchant } from "../src/testing/test-app";

let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  // Listening too: the audit runs over loopback HTTP as well, through the HTTP edge (body limits, strict parsing,
  // timeouts) that yoga.fetch never passes through.
  t = await createTestApp({ listen: true });
  merchant = await t.createMerchant();
});
afterAll(async () => {
  await t?.close();
});

/** Every audit of graphql-http's, run with `fetchFn`: the failed MUSTs and the SHOULD warnings. */
async function audit(url: string, fetchFn: typeof fetch) {
  const audits = serverAudits({
    url,
    // The merchant's key on every request, as a client sends it.
    fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${merchant.secretKey}`);
      return fetchFn(input, { ...init, headers });
    },
  });
  const failures: string[] = [];
  const warnings: string[] = [];
  for (const audit of audits) {
    const result = await audit.fn();
    if (result.status === "error") failures.push(`${audit.name}: ${result.reason}`);
    if (result.status === "warn") warnings.push(`${audit.name}: ${result.reason}`);
  }
  return { count: audits.length, failures, warnings };
}

it("passes graphql-http's audit of the server, in process", async () => {
  // No port: yoga.fetch answers the request in this process.
  const result = await audit("http://localhost/graphql", async (input, init) =>
    t.app.yoga.fetch(String(input instanceof Request ? input.url : input), init ?? {}),
  );
  expect(result).toMatchObject({ failures: [], warnings: [] });
  expect(result.count).toBeGreaterThanOrEqual(50);
});

it("passes it over loopback HTTP too, as an outside client meets the running API", async () => {
  const result = await audit(`${t.url}/graphql`, fetch);
  expect(result).toMatchObject({ failures: [], warnings: [] });
  expect(result.count).toBeGreaterThanOrEqual(50);
});
