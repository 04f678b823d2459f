// Goal: a canary that brute-forces nothing: nothing the platform keeps after tokenizing a card depends on its CVC,
// and the full card number and the CVC appear nowhere. The same card is tokenized with two CVCs through the API;
// every row of every table (listed from information_schema) and every Redis key and value the two requests wrote
// must be byte-for-byte equal once ids, timestamps, the client's idempotency keys and the PAN's ciphertext (a fresh
// random nonce each time) are masked; the logs, at trace level, are searched too.
import { Writable } from "node:stream";
import { type OwnRedis, redisServerAvailable, startOwnRedis } from "@paycore/platform/testing/redis";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const TOKENIZE = `mutation($input: TokenizeCardInput!) {
  tokenizeCard(input: $input) { paymentMethod { id brand last4 expMonth expYear } errors { code field } }
}`;

interface TokenizePayload {
  tokenizeCard: { paymentMethod: { id: string } | null; errors: Array<{ code: string }> };
}

const PAN = "4000056655665556";
const CVC_A = "857";
const CVC_B = "319";
const KEY_A = "canary-key-a";
const KEY_B = "canary-key-b";

/** Rows per table read at most: the test database holds a handful. */
const ROWS_PER_TABLE_MAX = 10_000;

interface Snapshot {
  /** Per table, each row as the JSON text Postgres gives it. */
  tables: Map<string, string[]>;
  /** Each Redis key with its type and value. */
  redis: string[];
}

async function snapshot(t: TestApp, redis: Redis): Promise<Snapshot> {
  // Tables and partitioned tables; a partition's rows are read through its parent (time partitions, issue 21).
  const names = await t.app.sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`,
  );
  expect(names.length).toBeGreaterThan(10);
  const tables = new Map<string, string[]>();
  for (const { name } of names) {
    const rows = await t.app.sql.query<{ row: string }>(
      `SELECT to_jsonb(t)::text AS row FROM "${name}" t LIMIT ${ROWS_PER_TABLE_MAX}`,
    );
    expect(rows.length, name).toBeLessThan(ROWS_PER_TABLE_MAX);
    tables.set(
      name,
      rows.map((r) => r.row),
    );
  }
  const entries: string[] = [];
  for (const key of (await redis.keys("*")).sort()) {
    // Rate-limit counters count requests (two tokenizations count two); they hold no request content.
    if (key.startsWith("paycore:rl:")) continue;
    const type = await redis.type(key);
    const value =
      type === "string"
        ? await redis.get(key)
        : type === "hash"
          ? JSON.stringify(await redis.hgetall(key))
          : type === "stream"
            ? JSON.stringify(await redis.xrange(key, "-", "+"))
            : type === "zset"
              ? JSON.stringify(await redis.zrange(key, "0", "-1", "WITHSCORES"))
              : type === "list"
                ? JSON.stringify(await redis.lrange(key, 0, -1))
                : JSON.stringify(await redis.smembers(key));
    entries.push(`${type} ${key} ${value}`);
  }
  return { tables, redis: entries };
}

/** What `after` holds that `before` did not, per table (rows added, and rows changed in their new form). */
function added(before: Snapshot, after: Snapshot): { tables: Record<string, string[]>; redis: string[] } {
  const tables: Record<string, string[]> = {};
  for (const [name, rows] of after.tables) {
    const old = new Set(before.tables.get(name) ?? []);
    const fresh = rows.filter((row) => !old.has(row));
    if (fresh.length > 0) tables[name] = fresh;
  }
  const oldRedis = new Set(before.redis);
  return { tables, redis: after.redis.filter((entry) => !oldRedis.has(entry)) };
}

/**
 * Masks what differs between two tokenizations for reasons other than the card: ids (prefixed ULIDs, serial
 * `id` columns), timestamps, the client's idempotency keys, and AES-GCM ciphertext, nonce and tag (random per
 * encryption; their lengths are kept). Everything else must be equal.
 */
function masked(text: string): string {
  return text
    .replace(/\b[a-z]{2,4}_[0-9A-HJKMNP-TV-Z]{26}\b/g, "<id>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, "<time>")
    .replace(/"id": ?\d+/g, '"id": <serial>')
    .replace(/canary-key-[ab]/g, "<key>")
    .replace(/\\\\x([0-9a-f]+)/g, (_m, hex: string) => `<bytes:${hex.length / 2}>`);
}

function normalized(diff: { tables: Record<string, string[]>; redis: string[] }) {
  return {
    tables: Object.fromEntries(
      Object.entries(diff.tables).map(([name, rows]) => [name, rows.map(masked).sort()]),
    ),
    redis: diff.redis.map(masked).sort(),
  };
}

/**
 * A standalone digit run (not inside a longer number, hash or id, nor the milliseconds of a time such as
 * "20:33:41.319+00"), so a 3-digit CVC is not found by chance.
 */
function standalone(digits: string): RegExp {
  return new RegExp(`(?<![0-9A-Za-z.:])${digits}(?![0-9A-Za-z])`);
}

const ownRedisSkip = redisServerAvailable() ? null : "redis-server is not installed";

describe.skipIf(ownRedisSkip !== null)("card data at rest after tokenizeCard", () => {
  let own: OwnRedis;
  let redis: Redis;
  let t: TestApp;
  let merchant: TestMerchant;
  const logs: string[] = [];
  const snapshots: Snapshot[] = [];

  const tokenize = (idempotencyKey: string, card: Record<string, unknown>) =>
    t.gql<TokenizePayload>(merchant.publishableKey, TOKENIZE, { input: { idempotencyKey, card } });

  beforeAll(async () => {
    // A Redis of its own, so every key in it is this test's.
    own = await startOwnRedis();
    redis = new Redis(own.url);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString("utf8"));
        done();
      },
    });
    t = await createTestApp({ redisUrl: own.url, logger: pino({ level: "trace" }, sink) });
    merchant = await t.createMerchant();
  });
  afterAll(async () => {
    await t.close();
    redis.disconnect();
    await own.stop();
  });

  it("stores exactly the same bytes, but for ids and times, whatever the CVC", async () => {
    snapshots.push(await snapshot(t, redis));
    const first = await tokenize(KEY_A, { number: PAN, expMonth: 11, expYear: 2034, cvc: CVC_A });
    expect(first.data?.tokenizeCard.errors, first.raw).toEqual([]);
    snapshots.push(await snapshot(t, redis));
    const second = await tokenize(KEY_B, { number: PAN, expMonth: 11, expYear: 2034, cvc: CVC_B });
    expect(second.data?.tokenizeCard.errors, second.raw).toEqual([]);
    snapshots.push(await snapshot(t, redis));

    const [s0, s1, s2] = snapshots as [Snapshot, Snapshot, Snapshot];
    const withA = normalized(added(s0, s1));
    const withB = normalized(added(s1, s2));
    // The canary is alive: each request wrote its card, its idempotency record and its cached result.
    expect(Object.keys(withA.tables)).toEqual(
      expect.arrayContaining(["payment_methods", "idempotency_records"]),
    );
    expect(withA.redis.some((entry) => entry.includes("PUBLISHABLE:<key>}:done"))).toBe(true);
    expect(withB).toEqual(withA);
  });

  it("replays the same key retried with another CVC, writing nothing; another expiry is refused", async () => {
    const before = await snapshot(t, redis);
    const retried = await tokenize(KEY_A, { number: PAN, expMonth: 11, expYear: 2034, cvc: CVC_B });
    expect(retried.extensions?.idempotency, retried.raw).toEqual({
      replayed: true,
      fields: ["tokenizeCard"],
    });
    expect(await snapshot(t, redis)).toEqual(before);

    const otherExpiry = await tokenize(KEY_A, { number: PAN, expMonth: 10, expYear: 2034, cvc: CVC_A });
    expect(otherExpiry.data?.tokenizeCard.errors.map((e) => e.code)).toEqual(["IDEMPOTENCY_KEY_REUSED"]);
    const otherCard = await tokenize(KEY_A, {
      number: "4242424242424242",
      expMonth: 11,
      expYear: 2034,
      cvc: CVC_A,
    });
    expect(otherCard.data?.tokenizeCard.errors.map((e) => e.code)).toEqual(["IDEMPOTENCY_KEY_REUSED"]);
    snapshots.push(await snapshot(t, redis));
  });

  it("keeps the full card number and the CVCs out of every table, Redis key and value, and log line", async () => {
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    expect(logs.length).toBeGreaterThan(0);
    const stored = snapshots.flatMap((s) => [...[...s.tables.values()].flat(), ...s.redis]);
    for (const text of [...stored, ...logs]) {
      expect(text).not.toContain(PAN);
      expect(text).not.toMatch(standalone(CVC_A));
      expect(text).not.toMatch(standalone(CVC_B));
    }
  });
});
