// Goal: no GraphQL request a client can send crashes or stalls the API: oversized, deep, aliased, costly and
// long-listed queries are refused with a typed error before anything executes; a query stops when its client
// goes away or its deadline passes; a page of payments costs a fixed number of database queries; and merchants
// see neither the schema without a secret key, nor suggestions in production, nor the platform's routing
// economics or event sequence.
import { getIntrospectionQuery } from "graphql";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { QUERY_LIMITS } from "../src/plugins/use-query-limits";
import { type QueryCounter, startQueryCounter } from "../src/testing/query-counter";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../src/testing/test-app";

const NESTED = `events { id type } ledgerEntries { kind lines { account amount } } attempts { id routing }
  refunds { id } risk { score signals { name } } paymentMethod { last4 }`;
/** The attack: a full page with every nested list, under `aliases` aliases. */
function attack(aliases: number): string {
  const fields = Array.from(
    { length: aliases },
    (_, i) => `a${i}: payments(first: 100) { nodes { id ${NESTED} } }`,
  );
  return `{ ${fields.join(" ")} }`;
}

/** The payment page's statement (node-postgres since the read path left Prisma; Prisma's form kept for reads on it). */
const PAYMENT_PAGE = /FROM payments p WHERE|FROM "public"\."payments"/;
/** The API key's lookup by its hash (packages/db/src/repositories/api-key-auth.repository.ts), which the key cache usually answers. */
const API_KEY_LOOKUP = /AS "apiKeyId"/;

let t: TestApp;
let merchant: TestMerchant;
let counter: QueryCounter;
const paymentIds: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  merchant = await t.createMerchant();
  const card = await t.tokenize(merchant.publishableKey);
  for (let i = 0; i < 12; i++) {
    const created = await t.gql<{ createPayment: { payment: { id: string } } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }`,
      { input: { idempotencyKey: newKey(), amount: 1000 + i, currency: "USD", paymentMethodId: card } },
    );
    paymentIds.push(created.data?.createPayment.payment.id as string);
  }
  counter = startQueryCounter();
});
afterEach(() => {
  counter.onStatement = null;
  counter.reset();
});
afterAll(async () => {
  counter?.stop();
  await t?.close();
});

function codeOf(response: { errors?: Array<{ extensions?: Record<string, unknown> }> }): unknown {
  return response.errors?.[0]?.extensions?.code;
}

describe("limits before execution", () => {
  it.each([
    [40, "QUERY_TOO_MANY_ALIASES"],
    [100, "QUERY_TOO_LARGE"],
  ])("refuses the issue's attack under %i aliases (%s) with 400 and no database query", async (n, code) => {
    const response = await t.gql(merchant.secretKey, attack(n));
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe(code);
    expect(response.data).toBeNull();
    expect(counter.statements).toEqual([]);
  });

  it("allows one page of 100 with every nested list, refuses it twice over as too complex before reading a payment", async () => {
    const once = await t.gql(merchant.secretKey, attack(1));
    expect(once.errors).toBeUndefined();
    counter.reset();
    const response = await t.gql(merchant.secretKey, attack(2));
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe("QUERY_TOO_COMPLEX");
    expect(counter.statements.filter((sql) => /payments|payment_events/.test(sql))).toEqual([]);
  });

  it("costs the page by its variable `first`, not by the first request's", async () => {
    const query = `query($n: Int) { a: payments(first: $n) { nodes { id ${NESTED} } } b: payments(first: $n) { nodes { id ${NESTED} } } }`;
    const small = await t.gql(merchant.secretKey, query, { n: 2 });
    expect(small.errors).toBeUndefined();
    const large = await t.gql(merchant.secretKey, query, { n: 100 });
    expect(codeOf(large)).toBe("QUERY_TOO_COMPLEX");
  });

  it.each([
    ["deep nesting (parser stack)", `{ ${"payments { nodes { ".repeat(20_000)}`, "QUERY_TOO_LARGE"],
    ["too many tokens", `{ ${"__typename ".repeat(QUERY_LIMITS.tokensMax)} }`, "QUERY_TOO_LARGE"],
    [
      "too many directives",
      `{ payments { nodes { ${"id @include(if: true) ".repeat(30)} } } }`,
      "QUERY_TOO_MANY_DIRECTIVES",
    ],
  ])("%s", async (_name, query, code) => {
    const response = await t.gql(merchant.secretKey, query);
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe(code);
    // The API still answers.
    const after = await t.gql(merchant.secretKey, "{ payments(first: 1) { nodes { id } } }");
    expect(after.errors).toBeUndefined();
  });

  it("refuses a query nested deeper than the limit, and allows the deepest honest one", async () => {
    const honest = "{ payments { edges { node { ledgerEntries { lines { account } } } } } }";
    expect((await t.gql(merchant.secretKey, honest)).errors).toBeUndefined();
    const levels = QUERY_LIMITS.depthMax;
    const tooDeep = `{ __type(name: "Payment") { fields { type { ${"ofType { ".repeat(levels)} name ${"} ".repeat(levels)} } } } }`;
    const response = await t.gql(merchant.secretKey, tooDeep);
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe("QUERY_TOO_DEEP");
  });

  it("refuses 80,000 statuses in the variables, and more statuses than exist in the document", async () => {
    const query = `query($s: [PaymentStatus!]) { payments(filter: { status: $s }) { nodes { id } } }`;
    const many = await t.gql(merchant.secretKey, query, { s: Array(80_000).fill("AUTHORIZED") });
    expect(many.status).toBe(400);
    expect(codeOf(many)).toBe("LIST_TOO_LONG");
    expect(counter.statements.filter((sql) => /payments/.test(sql))).toEqual([]);
    const literal = await t.gql(
      merchant.secretKey,
      `{ payments(filter: { status: [${Array(30).fill("AUTHORIZED").join(", ")}] }) { nodes { id } } }`,
    );
    expect(codeOf(literal)).toBe("LIST_TOO_LONG");
  });
});

describe("execution", () => {
  const PAGE = (first: number) => `{ payments(first: ${first}) { nodes { id ${NESTED} } } }`;

  it("reads a page of payments with every nested list in the same number of queries, whatever its size", async () => {
    const small = await t.gql(merchant.secretKey, PAGE(2));
    expect(small.errors).toBeUndefined();
    // The API key's lookup is left out: the key cache (2 s) may expire between the two requests on a loaded
    // machine, which adds a statement to one of them that says nothing about the page (seen at nice 19, load 15).
    const pageStatements = () => counter.statements.filter((sql) => !API_KEY_LOOKUP.test(sql));
    const smallCount = pageStatements().length;
    counter.reset();
    const large = await t.gql<{ payments: { nodes: Array<{ events: unknown[] }> } }>(
      merchant.secretKey,
      PAGE(12),
    );
    expect(large.errors).toBeUndefined();
    expect(large.data?.payments.nodes).toHaveLength(12);
    expect(large.data?.payments.nodes.every((p) => p.events.length > 0)).toBe(true);
    expect(pageStatements().length).toBe(smallCount);
    // Page, events (2), entries (2, lines and accounts by Prisma), attempts (2), refunds, risk, cards.
    expect(pageStatements().length).toBeLessThanOrEqual(15);
  });

  it("stops a query when its client goes away: nothing nested is read after the abort", async () => {
    const controller = new AbortController();
    let pageQuery: Promise<void> | null = null;
    counter.onStatement = (sql) => {
      if (pageQuery !== null || !PAYMENT_PAGE.test(sql)) return undefined;
      // The page is being read: the client hangs up now, and the page arrives after.
      controller.abort();
      pageQuery = new Promise((resolve) => setTimeout(resolve, 50));
      return pageQuery;
    };
    const response = t.app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${merchant.secretKey}` },
      body: JSON.stringify({ query: PAGE(12) }),
      signal: controller.signal,
    });
    await Promise.resolve(response)
      .then((r) => r.text())
      .catch(() => undefined);
    expect(pageQuery).not.toBeNull();
    await pageQuery;
    const afterAbort = counter.statements.length;
    // Time for the nested loaders to run, had the executor gone on (they batch on the next tick).
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The process heartbeat (every 5 s) may write meanwhile: not the query's.
    expect(
      counter.statements.slice(afterAbort).filter((sql) => !sql.includes("INSERT INTO process_instances")),
    ).toEqual([]);
    expect(counter.statements.some((sql) => /payment_events/.test(sql))).toBe(false);
  });

  it("runs a mutation whose client went away to its end, so a retry replays its stored answer", async () => {
    const controller = new AbortController();
    counter.onStatement = (sql) => {
      // The intent is stored (the attempt row goes in before the PSP call): the client hangs up now.
      if (/INSERT INTO psp_attempts/.test(sql)) controller.abort();
      return undefined;
    };
    const card = await t.tokenize(merchant.publishableKey);
    const input = { idempotencyKey: newKey("gone"), amount: 4321, currency: "USD", paymentMethodId: card };
    const create = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status amount } } }`;
    await Promise.resolve(
      t.app.yoga.fetch("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${merchant.secretKey}` },
        body: JSON.stringify({ query: create, variables: { input } }),
        signal: controller.signal,
      }),
    )
      .then((r) => r.text())
      .catch(() => undefined);
    expect(controller.signal.aborted).toBe(true);
    counter.onStatement = null;
    // The retry waits for the first request if it still runs, then replays what it stored.
    const retry = await t.gql<{ createPayment: { payment: { status: string; amount: string } } }>(
      merchant.secretKey,
      create,
      { input },
    );
    expect(retry.extensions).toMatchObject({ idempotency: { replayed: true } });
    expect(retry.data?.createPayment.payment).toMatchObject({ status: "CAPTURED", amount: "4321" });
  });

  it("stops a query at its deadline with QUERY_TIMEOUT", async () => {
    const slow = await createTestApp({ graphql: { queryDeadlineMs: 100 } });
    try {
      const other = await slow.createMerchant();
      counter.onStatement = (sql) =>
        PAYMENT_PAGE.test(sql) ? new Promise((resolve) => setTimeout(resolve, 400)) : undefined;
      const response = await slow.gql(other.secretKey, "{ payments { nodes { id } } }");
      expect(codeOf(response)).toBe("QUERY_TIMEOUT");
      expect(response.status).toBe(503);
    } finally {
      counter.onStatement = null;
      await slow.close();
    }
  });

  it("answers RESPONSE_TOO_LARGE instead of a body above the cap", async () => {
    const capped = await createTestApp({ graphql: { responseMaxBytes: 200 } });
    try {
      const other = await capped.createMerchant();
      const small = await capped.gql(other.secretKey, "{ payments(first: 1) { nodes { id } } }");
      expect(small.errors).toBeUndefined();
      const big = await capped.gql(
        other.secretKey,
        `{ __type(name: "Payment") { fields { name description } } }`,
      );
      expect(codeOf(big)).toBe("RESPONSE_TOO_LARGE");
      expect(big.data).toBeNull();
    } finally {
      await capped.close();
    }
  });
});

describe("what merchants see", () => {
  const INTROSPECTION = "{ __schema { queryType { name } } }";

  it.each([
    ["a secret key", () => merchant.secretKey, 200, null],
    ["a publishable key", () => merchant.publishableKey, 403, "FORBIDDEN"],
    ["no key", () => null, 401, "UNAUTHENTICATED"],
  ])("introspection with %s", async (_name, key, status, code) => {
    const response = await t.gql(key(), INTROSPECTION);
    expect(response.status).toBe(status);
    expect(codeOf(response) ?? null).toBe(code);
    if (code === null) expect(response.data).toEqual({ __schema: { queryType: { name: "Query" } } });
  });

  it("answers codegen's full introspection query to a secret key within every limit", async () => {
    const query = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true });
    const response = await t.gql<{ __schema: { types: unknown[] } }>(merchant.secretKey, query);
    expect(response.errors).toBeUndefined();
    expect(response.data?.__schema.types.length).toBeGreaterThan(20);
  });

  it("shows attempts' routing without costs or scores, and events by their place in the payment", async () => {
    const response = await t.gql<{
      payment: { id: string; events: Array<{ id: string }>; attempts: Array<{ routing: string }> };
    }>(merchant.secretKey, `query($id: ID!) { payment(id: $id) { id events { id } attempts { routing } } }`, {
      id: paymentIds[0],
    });
    const payment = response.data?.payment;
    expect(payment?.events.map((e) => e.id)).toEqual(payment?.events.map((_, i) => `${payment.id}:${i + 1}`));
    const routing = JSON.parse(payment?.attempts[0]?.routing ?? "{}");
    expect(Object.keys(routing).sort()).toEqual(["candidates", "skipped"]);
    expect(JSON.stringify(routing)).not.toMatch(/costBps|scores|breakers/);
  });

  it("shows operators the whole routing decision", async () => {
    const holding = await t.createMerchant({ riskReviewThreshold: 0, riskDeclineThreshold: 100 });
    const operator = await t.app.services.operatorKeyCommands.create(TEST_FIXTURE_ACTOR, "routing-reader");
    const card = await t.tokenize(holding.publishableKey);
    const held = await t.gql<{ createPayment: { payment: { id: string; status: string } } }>(
      holding.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }`,
      { input: { idempotencyKey: newKey(), amount: 2500, currency: "USD", paymentMethodId: card } },
    );
    expect(held.data?.createPayment.payment.status).toBe("REQUIRES_REVIEW");
    const approved = await t.gql<{
      approvePaymentReview: { payment: { attempts: Array<{ routing: string }> } };
    }>(
      operator.key,
      `mutation($input: ReviewDecisionInput!) { approvePaymentReview(input: $input) { payment { attempts { routing } } } }`,
      { input: { idempotencyKey: newKey(), paymentId: held.data?.createPayment.payment.id } },
    );
    const routing = JSON.parse(approved.data?.approvePaymentReview.payment.attempts[0]?.routing ?? "{}");
    expect(routing).toHaveProperty("scores");
    expect(routing).toHaveProperty("breakers");
  });

  it.each([
    [true, false],
    [false, true],
  ])("production %s: suggestions and GraphiQL shown %s", async (production, shown) => {
    const app = production ? await createTestApp({ graphql: { production: true } }) : t;
    try {
      const key = production ? (await app.createMerchant()).secretKey : merchant.secretKey;
      const typo = await app.gql(key, "{ paymnts { nodes { id } } }");
      expect(typo.errors?.[0]?.message.includes("Did you mean")).toBe(shown);
      const badStatus = await app.gql(
        key,
        `query($s: [PaymentStatus!]) { payments(filter: { status: $s }) { nodes { id } } }`,
        {
          s: ["AUTHORIZD"],
        },
      );
      expect(badStatus.errors?.[0]?.message.includes("Did you mean"), badStatus.raw).toBe(shown);
      const graphiql = await app.app.yoga.fetch("http://localhost/graphql", {
        headers: { accept: "text/html" },
      });
      expect((await graphiql.text()).includes("<html")).toBe(shown);
    } finally {
      if (production) await app.close();
    }
  });
});
