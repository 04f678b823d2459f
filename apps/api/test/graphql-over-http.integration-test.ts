// Goal: the API follows the GraphQL-over-HTTP specification as clients (graphql-request, urql, Apollo, Relay) expect
// it: graphql-http's server audit, run against the real server, passes every MUST (an error fails this test) and
// SHOULD (a warning is listed, and the count may not grow unnoticed).
import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApp, type TestApp, type TestMerchant } from "../src/testing/test-app";

let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  t = await createTestApp();
  merchant = await t.createMerchant();
});
afterAll(async () => {
  await t?.close();
});

it("passes graphql-http's audit of the server", async () => {
  const audits = serverAudits({
    url: "http://localhost/graphql",
    // The merchant's key on every request, as a client sends it; no port is opened.
    fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${merchant.secretKey}`);
      return t.app.yoga.fetch(String(input instanceof Request ? input.url : input), { ...init, headers });
    },
  });
  const failures: string[] = [];
  const warnings: string[] = [];
  for (const audit of audits) {
    const result = await audit.fn();
    if (result.status === "error") failures.push(`${audit.name}: ${result.reason}`);
    if (result.status === "warn") warnings.push(`${audit.name}: ${result.reason}`);
  }
  expect(failures).toEqual([]);
  expect(warnings).toEqual([]);
  expect(audits.length).toBeGreaterThanOrEqual(50);
});
