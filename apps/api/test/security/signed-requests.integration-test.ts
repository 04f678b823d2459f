// Goal (issue 22): signed requests against a real API instance listening on loopback, with its own Redis. A
// merchant that requires signatures gets every refusal with its own code and HTTP 401 in a GraphQL-over-HTTP body
// (missing headers, a stale or future timestamp, a reused nonce with Redis up, with Redis down, and one first seen
// by Redis then replayed after Redis went down, a bad signature, a tampered body or query), and a valid signed
// request succeeds; a merchant that does not require them accepts unsigned requests but still checks a signed one.
// The signing secret is not the API key, is sealed in the vault, shown once and audited by its hint only.
import { randomBytes } from "node:crypto";
import { signRequest } from "@paycore/core/merchants/request-signing";
import { nonceDigest } from "@paycore/platform/adapters/request-nonces";
import { type OwnRedis, redisServerAvailable, startOwnRedis } from "@paycore/platform/testing/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../../src/testing/test-app";

const QUERY = JSON.stringify({ query: "{ balance { currency available } }" });

let t: TestApp;
let redis: OwnRedis;
let base: string;

beforeAll(async () => {
  if (!redisServerAvailable())
    throw new Error("redis-server is needed for this suite (apt-get install redis-server)");
  redis = await startOwnRedis();
  t = await createTestApp({ redisUrl: redis.url, listen: true });
  base = t.url as string;
}, 240_000);

afterAll(async () => {
  await t?.close();
  await redis?.stop();
});

async function merchantWithSecret(required: boolean): Promise<{ merchant: TestMerchant; secret: string }> {
  const merchant = await t.createMerchant();
  const [key] = await t.app.db.apiKey.findMany({
    where: { merchantId: merchant.id, kind: "SECRET", revokedAt: null },
    select: { id: true },
  });
  const made = await t.app.services.requestSigning.rollSigningSecret(
    TEST_FIXTURE_ACTOR,
    merchant.id,
    key?.id as string,
  );
  if (made === null) throw new Error("no signing secret made");
  if (required) await t.app.services.requestSigning.setRequired(TEST_FIXTURE_ACTOR, merchant.id, true);
  return { merchant, secret: made.secret };
}

const nonce = () => randomBytes(16).toString("hex");
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Call {
  key: string;
  secret?: string;
  body?: string;
  path?: string;
  timestamp?: number;
  nonce?: string;
  /** Signed over these instead of what is sent (to tamper with what is sent). */
  signedBody?: string;
  signedPath?: string;
  headers?: Record<string, string>;
}

async function call(options: Call) {
  const body = options.body ?? QUERY;
  const path = options.path ?? "/graphql";
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/graphql-response+json",
    authorization: `Bearer ${options.key}`,
  };
  if (options.secret !== undefined) {
    const timestamp = String(options.timestamp ?? nowSeconds());
    const used = options.nonce ?? nonce();
    headers["x-paycore-timestamp"] = timestamp;
    headers["x-paycore-nonce"] = used;
    headers["x-paycore-signature"] = signRequest(options.secret, {
      method: "POST",
      pathWithQuery: options.signedPath ?? path,
      timestamp,
      nonce: used,
      body: options.signedBody ?? body,
    });
  }
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { ...headers, ...options.headers },
    body,
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as {
    data?: { balance: unknown[] } | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    code: parsed.errors?.[0]?.extensions?.code ?? null,
    data: parsed.data ?? null,
  };
}

describe("a merchant that requires signed requests", () => {
  let merchant: TestMerchant;
  let secret: string;
  beforeAll(async () => {
    ({ merchant, secret } = await merchantWithSecret(true));
  });

  it("answers a valid signed request", async () => {
    const answer = await call({ key: merchant.secretKey, secret });
    expect(answer).toMatchObject({ status: 200, code: null, data: { balance: [] } });
    // A signed GET-style path with a query string is signed with its query.
    const withQuery = await call({ key: merchant.secretKey, secret, path: "/graphql?trace=1" });
    expect(withQuery).toMatchObject({ status: 200, code: null });
  });

  const refusals: Array<[string, () => Call, string]> = [
    ["no signature headers", () => ({ key: merchant.secretKey }), "SIGNATURE_MISSING"],
    [
      "a timestamp 310 s old",
      () => ({ key: merchant.secretKey, secret, timestamp: nowSeconds() - 310 }),
      "SIGNATURE_TIMESTAMP_STALE",
    ],
    [
      "a timestamp 310 s in the future",
      () => ({ key: merchant.secretKey, secret, timestamp: nowSeconds() + 310 }),
      "SIGNATURE_TIMESTAMP_STALE",
    ],
    [
      "a signature made with another secret",
      () => ({ key: merchant.secretKey, secret: `rsk_${randomBytes(32).toString("base64url")}` }),
      "SIGNATURE_INVALID",
    ],
    [
      "a body changed after signing",
      () => ({
        key: merchant.secretKey,
        secret,
        signedBody: JSON.stringify({ query: "{ balance { currency } }" }),
      }),
      "SIGNATURE_INVALID",
    ],
    [
      "a query string changed after signing",
      () => ({ key: merchant.secretKey, secret, path: "/graphql?a=2", signedPath: "/graphql?a=1" }),
      "SIGNATURE_INVALID",
    ],
    ["a malformed nonce", () => ({ key: merchant.secretKey, secret, nonce: "short" }), "SIGNATURE_MALFORMED"],
  ];

  it.each(refusals)(
    "refuses %s: 401, its own code, a GraphQL-over-HTTP body",
    async (_label, options, code) => {
      const answer = await call(options());
      expect(answer).toEqual({
        status: 401,
        contentType: "application/graphql-response+json; charset=utf-8",
        code,
        data: null,
      });
    },
  );

  it("refuses a nonce used before (Redis up), and writes it through to Postgres as its digest", async () => {
    const used = nonce();
    expect((await call({ key: merchant.secretKey, secret, nonce: used })).status).toBe(200);
    expect(await call({ key: merchant.secretKey, secret, nonce: used })).toMatchObject({
      status: 401,
      code: "SIGNATURE_NONCE_REUSED",
    });
    expect(
      await t.app.db.requestNonce.count({ where: { nonceDigest: new Uint8Array(nonceDigest(used)) } }),
    ).toBe(1);
  });

  it("answers plain JSON to a client that accepts only it", async () => {
    const answer = await call({ key: merchant.secretKey, headers: { accept: "application/json" } });
    expect(answer).toMatchObject({
      status: 401,
      code: "SIGNATURE_MISSING",
      contentType: "application/json; charset=utf-8",
    });
  });
});

describe("a merchant that does not require them", () => {
  it("accepts an unsigned request, and still checks a signed one", async () => {
    const { merchant, secret } = await merchantWithSecret(false);
    expect(await call({ key: merchant.secretKey })).toMatchObject({ status: 200, code: null });
    expect(await call({ key: merchant.secretKey, secret })).toMatchObject({ status: 200, code: null });
    expect(await call({ key: merchant.secretKey, secret, timestamp: nowSeconds() - 3_600 })).toMatchObject({
      status: 401,
      code: "SIGNATURE_TIMESTAMP_STALE",
    });
  });

  it("refuses a signed request made with the API key itself as the secret", async () => {
    const merchant = await t.createMerchant();
    const answer = await call({ key: merchant.secretKey, secret: merchant.secretKey });
    // This key has no signing secret: a signature cannot match.
    expect(answer).toMatchObject({ status: 401, code: "SIGNATURE_INVALID" });
  });
});

describe("the signing secret", () => {
  it("is sealed in the vault, shown once, audited by its hint, and a roll replaces it", async () => {
    const { merchant, secret } = await merchantWithSecret(false);
    const [row] = await t.app.db.apiKeySigningSecret.findMany({
      where: { apiKey: { merchantId: merchant.id } },
      select: { id: true, apiKeyId: true, ciphertext: true, hint: true },
    });
    expect(row?.hint).toBe(secret.slice(-4));
    expect(Buffer.from(row?.ciphertext ?? []).toString("latin1")).not.toContain(secret.slice(4, 20));
    const rolled = await t.app.services.requestSigning.rollSigningSecret(
      TEST_FIXTURE_ACTOR,
      merchant.id,
      row?.apiKeyId as string,
    );
    expect(rolled?.secret).not.toBe(secret);
    expect(await t.app.db.apiKeySigningSecret.count({ where: { apiKeyId: row?.apiKeyId as string } })).toBe(
      1,
    );
    const audit = await t.app.db.operatorAuditLog.findMany({
      where: { targetId: merchant.id, action: { startsWith: "api_key." } },
      orderBy: { id: "asc" },
      select: { action: true, before: true, after: true },
    });
    expect(audit.map((entry) => entry.action)).toEqual([
      "api_key.create_signing_secret",
      "api_key.roll_signing_secret",
    ]);
    const logged = JSON.stringify(audit);
    expect(logged).not.toContain(secret);
    expect(logged).not.toContain(rolled?.secret as string);
    expect(audit[1]?.after).toMatchObject({ signingSecretHint: rolled?.secret.slice(-4) });
  });

  it("is refused for a publishable key, with INVALID_INPUT and nothing written", async () => {
    const merchant = await t.createMerchant();
    const key = await t.app.db.apiKey.findFirstOrThrow({
      where: { merchantId: merchant.id, kind: "PUBLISHABLE" },
      select: { id: true },
    });
    await expect(
      t.app.services.requestSigning.rollSigningSecret(TEST_FIXTURE_ACTOR, merchant.id, key.id),
    ).rejects.toThrow(expect.objectContaining({ code: "INVALID_INPUT", field: ["keyId"] }));
    expect(await t.app.db.apiKeySigningSecret.count({ where: { apiKeyId: key.id } })).toBe(0);
  });

  it("requiring signatures is audited", async () => {
    const { merchant } = await merchantWithSecret(true);
    const audit = await t.app.db.operatorAuditLog.findFirstOrThrow({
      where: { targetId: merchant.id, action: "merchant.set_signed_requests" },
      select: { before: true, after: true },
    });
    expect(audit).toMatchObject({
      before: { signedRequestsRequired: false },
      after: { signedRequestsRequired: true },
    });
  });
});

// Last: it stops this suite's Redis.
describe("with Redis down", () => {
  it("refuses a nonce first seen by Redis, replayed once Redis is down; keeps new ones in Postgres", async () => {
    const { merchant, secret } = await merchantWithSecret(true);
    const seenByRedis = nonce();
    expect(await call({ key: merchant.secretKey, secret, nonce: seenByRedis })).toMatchObject({
      status: 200,
    });
    await redis.stop();
    expect(await call({ key: merchant.secretKey, secret, nonce: seenByRedis })).toMatchObject({
      status: 401,
      code: "SIGNATURE_NONCE_REUSED",
    });
    const used = nonce();
    expect(await call({ key: merchant.secretKey, secret, nonce: used })).toMatchObject({ status: 200 });
    expect(
      await t.app.db.requestNonce.count({ where: { nonceDigest: new Uint8Array(nonceDigest(used)) } }),
    ).toBe(1);
    expect(await call({ key: merchant.secretKey, secret, nonce: used })).toMatchObject({
      status: 401,
      code: "SIGNATURE_NONCE_REUSED",
    });
    // The purge leaves the row while it is within its window and deletes it after.
    expect(await t.app.services.requestNonces.purgeExpired(new Date(), 100)).toBe(0);
    expect(
      await t.app.services.requestNonces.purgeExpired(new Date(Date.now() + 11 * 60_000), 100),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await t.app.db.requestNonce.count({ where: { nonceDigest: new Uint8Array(nonceDigest(used)) } }),
    ).toBe(0);
  });
});
