// Goal: every client of the merchant API meets its limits (429, Retry-After,
// RATE_LIMITED or CONCURRENCY_LIMITED, nothing executed), with Redis shared
// and with Redis gone or hung (each process then limits on its own), per
// merchant where a merchant has its own limits; and browsers reach the API
// only through a publishable key from an origin its merchant allows.
import { randomBytes } from "node:crypto";
import { type OwnRedis, redisServerAvailable, startOwnRedis } from "@paycore/platform/testing/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_PAYMENT } from "../src/testing/load-client";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const TOKENIZE = `mutation($input: TokenizeCardInput!) { tokenizeCard(input: $input) { paymentMethod { id } errors { code } } }`;
const LIST_PAYMENTS = "{ payments(first: 5) { nodes { id status amount } } }";

interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

/** One request through `yoga.fetch`, with whatever headers a browser or a proxy would add. */
async function call(
  t: TestApp,
  options: {
    key?: string;
    query: string;
    variables?: Record<string, unknown>;
    headers?: Record<string, string>;
    method?: string;
  },
): Promise<Answer> {
  const response = await t.app.yoga.fetch("http://localhost/graphql", {
    method: options.method ?? "POST",
    headers: {
      "content-type": "application/json",
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...options.headers,
    },
    ...(options.method === "OPTIONS"
      ? {}
      : { body: JSON.stringify({ query: options.query, variables: options.variables }) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

function tokenizeVariables() {
  return {
    input: {
      idempotencyKey: newKey("tok"),
      card: { number: "4242424242424242", expMonth: 12, expYear: 2035, cvc: "123" },
    },
  };
}

const tokenize = (t: TestApp, key: string, headers?: Record<string, string>) =>
  call(t, { key, query: TOKENIZE, variables: tokenizeVariables(), ...(headers ? { headers } : {}) });

/** What a refused request must look like: 429, Retry-After in whole seconds, the code and the same retry in the body. */
function expectLimited(answer: Answer, code: "RATE_LIMITED" | "CONCURRENCY_LIMITED", limit?: string): void {
  expect(answer.status).toBe(429);
  const retryAfter = Number(answer.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  const extensions = answer.body.errors?.[0]?.extensions;
  expect(extensions?.code).toBe(code);
  expect(extensions?.retryAfterSeconds).toBe(retryAfter);
  if (limit) expect(extensions?.limit).toBe(limit);
  expect(extensions?.http, "Yoga's internal http extension is not sent").toBeUndefined();
  expect(answer.body.data ?? null).toBeNull();
}

/**
 * `count` createPayment calls at once with distinct keys. Ten times a per-second limit can only all pass if they
 * spread over ten windows, so some are refused however slow the machine is.
 */
async function burstOfPayments(t: TestApp, merchant: TestMerchant, count: number): Promise<Answer[]> {
  const paymentMethodId = await t.tokenize(merchant.publishableKey);
  return Promise.all(
    Array.from({ length: count }, () =>
      call(t, {
        key: merchant.secretKey,
        query: CREATE_PAYMENT,
        variables: {
          input: {
            idempotencyKey: newKey("burst"),
            amount: "1000",
            currency: "USD",
            paymentMethodId,
            captureMethod: "MANUAL",
          },
        },
      }),
    ),
  );
}

async function paymentsOf(t: TestApp, merchantId: string): Promise<number> {
  const [row] = await t.app.sql.query<{ count: string }>(
    "SELECT count(*)::text AS count FROM payments WHERE merchant_id = $1",
    [merchantId],
  );
  return Number(row?.count ?? 0);
}

async function idempotencyRecordsOf(t: TestApp, merchantId: string): Promise<number> {
  const [row] = await t.app.sql.query<{ count: string }>(
    "SELECT count(*)::text AS count FROM idempotency_records WHERE merchant_id = $1",
    [merchantId],
  );
  return Number(row?.count ?? 0);
}

const ownRedisSkip = redisServerAvailable() ? null : "redis-server is not installed";

describe.skipIf(ownRedisSkip !== null)(
  `limits counted in Redis${ownRedisSkip ? ` (skipped: ${ownRedisSkip})` : ""}`,
  () => {
    let own: OwnRedis;
    let t: TestApp;
    const KEY_PER_SECOND = 3;
    const TOKENIZE_PER_MINUTE = 4;

    beforeAll(async () => {
      own = await startOwnRedis();
      t = await createTestApp({
        redisUrl: own.url,
        rateLimits: {
          keyPerSecond: KEY_PER_SECOND,
          tokenizePerMinute: TOKENIZE_PER_MINUTE,
          tokenizePerIpPerMinute: 1_000,
          concurrentQueries: 2,
        },
      });
    });

    afterAll(async () => {
      await t?.close();
      await own?.stop();
    });

    it("refuses a secret key past its limit with 429 and Retry-After, and writes nothing for a refused call", async () => {
      const merchant = await t.createMerchant({ accessPolicy: { rateLimitTokenizePerMinute: 100 } });
      const answers = await burstOfPayments(t, merchant, KEY_PER_SECOND * 10);
      const refused = answers.filter((a) => a.status === 429);
      const done = answers.filter((a) => a.status === 200);
      expect(refused.length).toBeGreaterThan(0);
      expect(done.length).toBeGreaterThanOrEqual(KEY_PER_SECOND);
      expect(refused.length + done.length).toBe(answers.length);
      for (const answer of refused) expectLimited(answer, "RATE_LIMITED", "key");
      // Only the calls that ran wrote a payment and claimed their idempotency key.
      expect(await paymentsOf(t, merchant.id)).toBe(done.length);
      expect(await idempotencyRecordsOf(t, merchant.id)).toBe(done.length + 1); // + the tokenization's
      await t.expectLedgerBalanced();
    });

    it("counts in Redis, where every API process sees the same count", async () => {
      const merchant = await t.createMerchant();
      for (let i = 0; i < 3; i++) expect((await tokenize(t, merchant.publishableKey)).status).toBe(200);
      const [key] = await t.app.sql.query<{ id: string }>(
        "SELECT id FROM api_keys WHERE merchant_id = $1 AND kind = 'PUBLISHABLE' AND mode = 'TEST'",
        [merchant.id],
      );
      const redis = new Redis(own.url);
      try {
        // Named by the key's id (never the key), the limit and its window.
        expect(await redis.get(`paycore:rl:tokenize:${TOKENIZE_PER_MINUTE}:60:${key?.id}`)).toBe("3");
      } finally {
        redis.disconnect();
      }
    });

    it("counts a known key's limit with the IP's in one Redis round trip, and an unknown key after it authenticates", async () => {
      const merchant = await t.createMerchant();
      const list = () => call(t, { key: merchant.secretKey, query: LIST_PAYMENTS });
      const before = t.app.rateLimiters.redisCalls;
      expect((await list()).status).toBe(200);
      // First sight of the key: the IP at the door, the key once authenticated.
      expect(t.app.rateLimiters.redisCalls - before).toBe(2);
      const known = t.app.rateLimiters.redisCalls;
      expect((await list()).status).toBe(200);
      expect(t.app.rateLimiters.redisCalls - known).toBe(1);
      // A forged key never spends a real key's count: it is not known, so only its IP is counted.
      const forged = await call(t, {
        key: `sk_test_${randomBytes(16).toString("hex")}`,
        query: LIST_PAYMENTS,
      });
      expect(forged.status).toBe(401);
      const [key] = await t.app.sql.query<{ id: string }>(
        "SELECT id FROM api_keys WHERE merchant_id = $1 AND kind = 'SECRET' AND mode = 'TEST'",
        [merchant.id],
      );
      const redis = new Redis(own.url);
      try {
        const count = Number(await redis.get(`paycore:rl:key:${KEY_PER_SECOND}:1:${key?.id}`));
        // Both calls of this second, or only the second if the window turned in between.
        expect(count === 1 || count === 2).toBe(true);
      } finally {
        redis.disconnect();
      }
    });

    it("refuses a known key at the door once its limit is reached, with the key's limit named", async () => {
      const merchant = await t.createMerchant({ accessPolicy: { rateLimitTokenizePerMinute: 100 } });
      const list = () => call(t, { key: merchant.secretKey, query: LIST_PAYMENTS });
      expect((await list()).status).toBe(200);
      const answers = await Promise.all(Array.from({ length: KEY_PER_SECOND * 10 }, list));
      const refused = answers.filter((a) => a.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) expectLimited(answer, "RATE_LIMITED", "key");
    });

    it("applies a merchant's own limit instead of the default", async () => {
      const generous = await t.createMerchant({
        accessPolicy: { rateLimitKeyPerSecond: 10_000, rateLimitTokenizePerMinute: 100 },
      });
      const answers = await burstOfPayments(t, generous, KEY_PER_SECOND * 10);
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));

      const strict = await t.createMerchant({ accessPolicy: { rateLimitTokenizePerMinute: 1 } });
      expect((await tokenize(t, strict.publishableKey)).status).toBe(200);
      expectLimited(await tokenize(t, strict.publishableKey), "RATE_LIMITED", "tokenize");
    });

    it("limits tokenization per publishable key far tighter than secret-key calls, per minute", async () => {
      const merchant = await t.createMerchant();
      for (let i = 0; i < TOKENIZE_PER_MINUTE; i++) {
        expect((await tokenize(t, merchant.publishableKey)).status).toBe(200);
      }
      const refused = await tokenize(t, merchant.publishableKey);
      expectLimited(refused, "RATE_LIMITED", "tokenize");
      // A one-minute window: the client is told to come back within it, not in a second.
      expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(await t.countRows("payment_methods")).toBeGreaterThanOrEqual(TOKENIZE_PER_MINUTE);
      const [row] = await t.app.sql.query<{ count: string }>(
        "SELECT count(*)::text AS count FROM payment_methods WHERE merchant_id = $1",
        [merchant.id],
      );
      expect(Number(row?.count)).toBe(TOKENIZE_PER_MINUTE);
      // The merchant's secret key is limited on its own: its server still works while card testing is refused.
      const list = await call(t, { key: merchant.secretKey, query: LIST_PAYMENTS });
      expect(list.status).toBe(200);
    });

    it("caps expensive queries in flight per key: the others get 429 CONCURRENCY_LIMITED at once", async () => {
      const merchant = await t.createMerchant({ accessPolicy: { rateLimitKeyPerSecond: 1_000 } });
      const other = await t.createMerchant({ accessPolicy: { rateLimitKeyPerSecond: 1_000 } });
      let releaseLock = () => {};
      const lockHeld = new Promise<void>((resolve) => {
        releaseLock = resolve;
      });
      let lockTaken = () => {};
      const locked = new Promise<void>((resolve) => {
        lockTaken = resolve;
      });
      // Every payments query waits behind this lock, so the ones admitted stay in flight until it goes.
      const lock = t.app.sql.transaction(async (tx) => {
        await tx.execute("LOCK TABLE payments IN ACCESS EXCLUSIVE MODE");
        lockTaken();
        await lockHeld;
      });
      await locked;
      try {
        const settled: Answer[] = [];
        const pending = Array.from({ length: 5 }, () =>
          call(t, { key: merchant.secretKey, query: LIST_PAYMENTS }).then((answer) => {
            settled.push(answer);
            return answer;
          }),
        );
        // Another key has its own slots: admitted, and waiting behind the lock too.
        const otherKey = call(t, { key: other.secretKey, query: LIST_PAYMENTS });
        for (let polls = 0; settled.length < 3 && polls < 500; polls++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(settled).toHaveLength(3);
        for (const answer of settled) expectLimited(answer, "CONCURRENCY_LIMITED");
        releaseLock();
        await lock;
        const all = await Promise.all(pending);
        expect(all.filter((a) => a.status === 200)).toHaveLength(2);
        expect((await otherKey).status).toBe(200);
        // The slots were given back: the next query runs.
        expect((await call(t, { key: merchant.secretKey, query: LIST_PAYMENTS })).status).toBe(200);
      } finally {
        releaseLock();
        await lock.catch(() => undefined);
      }
    });
  },
);

describe.skipIf(ownRedisSkip !== null)(
  `Redis gone or hung${ownRedisSkip ? ` (skipped: ${ownRedisSkip})` : ""}`,
  () => {
    it("with Redis stopped, each process still limits on its own, at its share of the limit", async () => {
      const own = await startOwnRedis();
      // Three API processes share the limit of 6: alone, each allows 2.
      const t = await createTestApp({
        redisUrl: own.url,
        apiProcesses: 3,
        rateLimits: { tokenizePerMinute: 6, tokenizePerIpPerMinute: 1_000 },
      });
      try {
        const merchant = await t.createMerchant();
        await own.stop();
        expect((await tokenize(t, merchant.publishableKey)).status).toBe(200);
        expect((await tokenize(t, merchant.publishableKey)).status).toBe(200);
        expectLimited(await tokenize(t, merchant.publishableKey), "RATE_LIMITED", "tokenize");
      } finally {
        await t.close();
        await own.stop();
      }
    });

    it("with Redis hung (accepting, never answering), requests are limited in memory, not held", async () => {
      const own = await startOwnRedis();
      const t = await createTestApp({
        redisUrl: own.url,
        rateLimits: { tokenizePerMinute: 2, tokenizePerIpPerMinute: 1_000 },
      });
      const probe = new Redis(own.url);
      const pid = Number(/process_id:(\d+)/.exec(await probe.info("server"))?.[1]);
      probe.disconnect();
      expect(pid).toBeGreaterThan(0);
      try {
        const merchant = await t.createMerchant();
        process.kill(pid, "SIGSTOP");
        expect((await tokenize(t, merchant.publishableKey)).status).toBe(200);
        expect((await tokenize(t, merchant.publishableKey)).status).toBe(200);
        expectLimited(await tokenize(t, merchant.publishableKey), "RATE_LIMITED", "tokenize");
        expect(t.app.rateLimiters.deadlineMisses).toBeGreaterThan(0);
      } finally {
        process.kill(pid, "SIGCONT");
        await t.close();
        await own.stop();
      }
    });

    it("without Redis configured, limits are counted in this process", async () => {
      const t = await createTestApp({ redisUrl: null, rateLimits: { keyPerSecond: 2 } });
      try {
        const merchant = await t.createMerchant();
        const answers = await burstOfPayments(t, merchant, 20);
        const refused = answers.filter((a) => a.status === 429);
        expect(refused.length).toBeGreaterThan(0);
        for (const answer of refused) expectLimited(answer, "RATE_LIMITED", "key");
        expect(await paymentsOf(t, merchant.id)).toBe(answers.length - refused.length);
      } finally {
        await t.close();
      }
    });
  },
);

describe("client IP", () => {
  let t: TestApp;
  beforeAll(async () => {
    // The test's HTTP client is on loopback: as a trusted proxy, its X-Forwarded-For names the client.
    t = await createTestApp({
      listen: true,
      rateLimits: { ipPerSecond: 5, tokenizePerIpPerMinute: 2, trustedProxies: ["loopback"] },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (forwardedFor: string, key: string) =>
    fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        "x-forwarded-for": forwardedFor,
      },
      body: JSON.stringify({ query: "{ __typename }" }),
    });

  it("limits one client before authentication, bad keys included, and not its neighbours", async () => {
    const badKey = `sk_test_${randomBytes(16).toString("hex")}`;
    // Ten times the per-second limit at once: they cannot all fall into different windows.
    const answers = await Promise.all(Array.from({ length: 50 }, () => post("203.0.113.7", badKey)));
    const statuses = answers.map((a) => a.status);
    expect(statuses).toContain(401);
    expect(statuses).toContain(429);
    const refused = answers.find((a) => a.status === 429);
    const body = (await refused?.json()) as Answer["body"];
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", limit: "ip" });
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another client behind the same proxy has its own count.
    expect((await post("198.51.100.9", badKey)).status).toBe(401);
  });

  it("limits tokenization per publishable key and client: one shopper's browser, not the merchant's checkout", async () => {
    const merchant = await t.createMerchant();
    const tokenizeFrom = (forwardedFor: string) =>
      fetch(`${t.url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${merchant.publishableKey}`,
          "x-forwarded-for": forwardedFor,
        },
        body: JSON.stringify({ query: TOKENIZE, variables: tokenizeVariables() }),
      });
    // Three in a row stay under the per-IP limit of 5 a second: only tokenize_ip can refuse the third.
    expect((await tokenizeFrom("203.0.113.20")).status).toBe(200);
    expect((await tokenizeFrom("203.0.113.20")).status).toBe(200);
    const refused = await tokenizeFrom("203.0.113.20");
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as Answer["body"];
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", limit: "tokenize_ip" });
    expect((await tokenizeFrom("203.0.113.21")).status).toBe(200);
  });

  it("does not limit PSP webhooks by IP (they are signature-checked instead)", async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${t.url}/webhooks/stripe`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": "192.0.2.50" },
          body: "{}",
        }),
      ),
    );
    expect(answers.map((a) => a.status)).not.toContain(429);
  });
});

describe("CORS: browsers only with a publishable key, from an origin its merchant allows", () => {
  let t: TestApp;
  let shop: TestMerchant;
  let other: TestMerchant;
  const SHOP = "https://shop.example";
  const ELSEWHERE = "https://elsewhere.example";

  beforeAll(async () => {
    t = await createTestApp();
    shop = await t.createMerchant({ accessPolicy: { allowedOrigins: [SHOP] } });
    other = await t.createMerchant({ accessPolicy: { allowedOrigins: [ELSEWHERE] } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    [SHOP, SHOP],
    [ELSEWHERE, ELSEWHERE],
    ["https://unknown.example", null],
    ["null", null],
  ])("a preflight from %s is answered with Access-Control-Allow-Origin %s", async (origin, allowed) => {
    const answer = await call(t, {
      method: "OPTIONS",
      query: "",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
    expect(answer.headers.get("vary")).toContain("Origin");
    if (allowed) expect(answer.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  it("lets a publishable key tokenize from its merchant's origin", async () => {
    const answer = await tokenize(t, shop.publishableKey, { origin: SHOP });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(answer.headers.get("vary")).toContain("Origin");
  });

  it.each([
    ["a publishable key from another merchant's origin", () => other.publishableKey, SHOP],
    ["a publishable key from an origin nobody allows", () => shop.publishableKey, "https://evil.example"],
    ["a secret key from its own merchant's origin", () => shop.secretKey, SHOP],
    ["a publishable key from the null origin", () => shop.publishableKey, "null"],
  ])("refuses %s with 403 ORIGIN_NOT_ALLOWED, writing nothing", async (_case, key, origin) => {
    const before = await t.countRows("payment_methods");
    const answer = await tokenize(t, key(), { origin });
    expect(answer.status).toBe(403);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("ORIGIN_NOT_ALLOWED");
    expect(await t.countRows("payment_methods")).toBe(before);
  });

  it("refuses a secret key with any Origin, and names the reason", async () => {
    const answer = await call(t, { key: shop.secretKey, query: LIST_PAYMENTS, headers: { origin: SHOP } });
    expect(answer.status).toBe(403);
    expect(answer.body.errors?.[0]?.message).toContain("Secret and operator keys are for servers");
  });

  it("serves server-to-server calls (no Origin) and the API's own GraphiQL page (its own origin) without CORS headers", async () => {
    const server = await call(t, { key: shop.secretKey, query: LIST_PAYMENTS });
    expect(server.status).toBe(200);
    expect(server.headers.get("access-control-allow-origin")).toBeNull();
    const graphiql = await call(t, {
      key: shop.secretKey,
      query: LIST_PAYMENTS,
      headers: { origin: "http://localhost" },
    });
    expect(graphiql.status).toBe(200);
    expect(graphiql.headers.get("access-control-allow-origin")).toBeNull();
  });
});
