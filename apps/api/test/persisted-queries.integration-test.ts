// Goal: automatic persisted queries by Apollo's protocol (what apollo-link-persisted-queries sends): a hash alone
// is answered PERSISTED_QUERY_NOT_FOUND until the client sends the query with it once; then the hash alone works by
// POST and by GET; a hash that does not match its query is refused; a query too long for the store runs but is not
// stored.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { APQ_QUERY_CHARS_MAX } from "../src/plugins/use-persisted-queries";
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

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

async function post(body: Record<string, unknown>) {
  const response = await t.app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${merchant.secretKey}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: JSON.parse(await response.text()) };
}

async function get(params: Record<string, unknown>) {
  const search = new URLSearchParams(
    Object.entries(params).map(([name, value]) => [
      name,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
  const response = await t.app.yoga.fetch(`http://localhost/graphql?${search}`, {
    method: "GET",
    headers: { accept: "application/json", authorization: `Bearer ${merchant.secretKey}` },
  });
  return { status: response.status, body: JSON.parse(await response.text()) };
}

it("registers a query on first use, then answers its hash alone by POST and by GET", async () => {
  const query = "query Recent($n: Int) { payments(first: $n) { nodes { id } } }";
  const hash = sha256(query);
  const unknown = await post({ variables: { n: 1 }, extensions: persisted(hash) });
  expect(unknown.body.errors[0]).toMatchObject({
    message: "PersistedQueryNotFound",
    extensions: { code: "PERSISTED_QUERY_NOT_FOUND" },
  });

  const registered = await post({ query, variables: { n: 1 }, extensions: persisted(hash) });
  expect(registered.body).toEqual({ data: { payments: { nodes: [] } } });

  const byHash = await post({ variables: { n: 2 }, extensions: persisted(hash) });
  expect(byHash.body).toEqual({ data: { payments: { nodes: [] } } });

  const byGet = await get({ operationName: "Recent", variables: { n: 3 }, extensions: persisted(hash) });
  expect(byGet.status).toBe(200);
  expect(byGet.body).toEqual({ data: { payments: { nodes: [] } } });
});

it("refuses a hash that is not its query's", async () => {
  const response = await post({
    query: "{ payments { nodes { id } } }",
    extensions: persisted(sha256("other")),
  });
  expect(response.body.data).toBeUndefined();
  expect(response.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_MISMATCH");
});

it("runs a query too long for the store without storing it", async () => {
  const query = `{ payments { nodes { id } } } # ${"x".repeat(APQ_QUERY_CHARS_MAX)}`;
  const hash = sha256(query);
  const ran = await post({ query, extensions: persisted(hash) });
  expect(ran.body).toEqual({ data: { payments: { nodes: [] } } });
  const again = await post({ extensions: persisted(hash) });
  expect(again.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
});
