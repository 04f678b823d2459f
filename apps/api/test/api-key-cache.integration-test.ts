// Goal: the API keys each process keeps in memory never outlive a revocation. Two app instances share one
// database (as two API processes do), without Redis: a key both have cached is revoked through the core command on
// one of them, and the next request is refused on that one at once and on the other as soon as it has read
// Postgres's notices (a round trip on its listener, `caughtUp()`); a change written by another program (a raw
// UPDATE, as the console's process would commit it) reaches both the same way; while the listener is down nothing
// is served from memory, and once it is back keys are cached again.
import { hashApiKey } from "@paycore/core/merchants/api-keys";
import { API_KEY_LISTENER_NAME, CachedApiKeys } from "@paycore/db/api-key-cache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type QueryCounter, startQueryCounter } from "../src/testing/query-counter";
import { createTestApp, TEST_FIXTURE_ACTOR, type TestApp } from "../src/testing/test-app";

const PAYMENTS = `query { payments(first: 1) { nodes { id } } }`;
const KEY_LOOKUP = "FROM api_keys WHERE secret_hash";

let a: TestApp;
let b: TestApp;
let counter: QueryCounter;

beforeAll(async () => {
  // Entries live a minute here, so that only a notice (or a command of the same instance) can end them: the
  // product's 2 s would also end them on a slow machine and hide a lost notice.
  a = await createTestApp({ apiKeyCacheTtlMs: 60_000 });
  // The second instance on the first one's database: its own pool, its own cache and listener.
  b = await createTestApp({ databaseUrl: a.databaseUrl, apiKeyCacheTtlMs: 60_000 });
  counter = startQueryCounter();
}, 60_000);

afterAll(async () => {
  counter?.stop();
  await b?.close();
  await a?.close();
});

function cacheOf(t: TestApp): CachedApiKeys {
  const cache = t.app.services.apiKeys;
  if (!(cache instanceof CachedApiKeys)) throw new Error("the test app runs without the key cache");
  return cache;
}

/** Key lookups sent to Postgres by `work` (by either instance). */
async function keyLookupsDuring(work: () => Promise<unknown>): Promise<number> {
  counter.reset();
  await work();
  return counter.statements.filter((statement) => statement.includes(KEY_LOOKUP)).length;
}

async function status(t: TestApp, key: string): Promise<number> {
  const response = await t.gql(key, PAYMENTS);
  if (response.status === 200) expect(response.errors, response.raw).toBeUndefined();
  else expect(response.errors?.[0]?.extensions?.code, response.raw).toBe("UNAUTHENTICATED");
  return response.status;
}

/** Authenticates with `key` on `t` until its listener is up and the key is served from memory. */
async function cached(t: TestApp, key: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await status(t, key);
        return cacheOf(t).active;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  await status(t, key);
  expect(await keyLookupsDuring(() => status(t, key))).toBe(0);
}

async function secretKeyId(t: TestApp, merchantId: string): Promise<string> {
  const keys = await t.app.services.merchants.listKeys(merchantId);
  const key = keys.find((k) => k.kind === "SECRET" && k.mode === "TEST" && k.revokedAt === null);
  if (key === undefined) throw new Error("no active test secret key");
  return key.id;
}

describe("the API key cache", () => {
  it("serves a key from memory, and refuses it once revoked through the core command, on both instances", async () => {
    const merchant = await a.createMerchant();
    await cached(a, merchant.secretKey);
    await cached(b, merchant.secretKey);

    const revoked = await a.app.services.merchantCommands.revokeKey(
      TEST_FIXTURE_ACTOR,
      merchant.id,
      await secretKeyId(a, merchant.id),
    );
    expect(revoked?.revokedAt).not.toBeNull();
    // The instance whose command revoked it forgot it at commit.
    expect(await status(a, merchant.secretKey)).toBe(401);
    // The other one has it from Postgres's notice.
    await cacheOf(b).caughtUp();
    expect(await status(b, merchant.secretKey)).toBe(401);
    // Only that key: the merchant's live key still works on both.
    expect(await status(a, merchant.liveSecretKey)).toBe(200);
    expect(await status(b, merchant.liveSecretKey)).toBe(200);
  });

  it("hears of a change committed by another program (a raw UPDATE), and of a rolled key", async () => {
    const merchant = await a.createMerchant();
    await cached(a, merchant.secretKey);
    await cached(b, merchant.secretKey);
    const updated = await a.app.sql.execute("UPDATE api_keys SET revoked_at = now() WHERE secret_hash = $1", [
      hashApiKey(merchant.secretKey),
    ]);
    expect(updated).toBe(1);
    await cacheOf(a).caughtUp();
    await cacheOf(b).caughtUp();
    expect(await status(a, merchant.secretKey)).toBe(401);
    expect(await status(b, merchant.secretKey)).toBe(401);

    const other = await a.createMerchant();
    await cached(b, other.secretKey);
    const rolled = await a.app.services.merchantCommands.rollKey(
      TEST_FIXTURE_ACTOR,
      other.id,
      await secretKeyId(a, other.id),
    );
    await cacheOf(b).caughtUp();
    expect(await status(b, other.secretKey)).toBe(401);
    expect(await status(b, rolled?.created.key as string)).toBe(200);
  });

  it("serves nothing from memory while its listener is down, and caches again once it is back", async () => {
    const merchant = await a.createMerchant();
    await cached(b, merchant.secretKey);
    // Both instances' listeners are cut (the server restarted, say); only b is looked at.
    const terminated = await a.app.sql.query<{ ended: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
      [API_KEY_LISTENER_NAME],
    );
    expect(terminated.length).toBeGreaterThanOrEqual(1);
    await expect.poll(() => cacheOf(b).active, { timeout: 10_000 }).toBe(false);
    expect(cacheOf(b).size).toBe(0);
    // A change made while nobody listens: b reads the key on every request, so it sees it.
    const updated = await a.app.sql.execute("UPDATE api_keys SET revoked_at = now() WHERE secret_hash = $1", [
      hashApiKey(merchant.secretKey),
    ]);
    expect(updated).toBe(1);
    expect(await status(b, merchant.secretKey)).toBe(401);
    // The listener comes back by itself, and keys are served from memory again.
    await cached(b, merchant.liveSecretKey);
  });
});
