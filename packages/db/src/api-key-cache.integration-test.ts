// Goal: the key cache's own rules, on a real database: the trigger notifies a change of what a lookup returns (and
// nothing else); a lookup that overlapped a change's notice answers but stores nothing, so the row it read cannot
// outlive the revocation; an entry is read again once older than its lifetime; the number of entries is bounded.
// The two-instance behaviour through the API is apps/api/test/api-key-cache.integration-test.ts.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_CHANGES_CHANNEL, CachedApiKeys, DEFAULT_API_KEY_CACHE_OPTIONS } from "./api-key-cache";
import { ApiKeyAuthRepository, type AuthenticatedKey } from "./repositories/api-key-auth.repository";
import { createPool, Sql } from "./sql";
import { createTestDatabase, prepareTemplateDatabase } from "./testing/test-database";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let pool: pg.Pool;
let sql: Sql;
const merchantId = `mer_cache_${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  pool = createPool({ url: database.url, max: 4 });
  sql = new Sql(pool);
  await sql.execute("INSERT INTO merchants (id, name) VALUES ($1, 'Key cache merchant')", [merchantId]);
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
  await prepared?.stop();
});

/** A new active test secret key; returns its id and hash. */
async function newKey(): Promise<{ id: string; hash: string }> {
  const id = `key_${randomBytes(12).toString("hex")}`;
  const hash = randomBytes(32).toString("hex");
  await sql.execute(
    `INSERT INTO api_keys (id, merchant_id, kind, mode, secret_hash, display_hint) VALUES ($1, $2, 'SECRET', 'TEST', $3, 'sk_test_…test')`,
    [id, merchantId, hash],
  );
  return { id, hash };
}

/** The repository, counting its reads; `afterRead` (when set) runs once a row is read, before it is answered. */
function countingSource() {
  const repository = new ApiKeyAuthRepository(sql);
  const source = {
    reads: 0,
    afterRead: null as (() => Promise<void>) | null,
    async findActiveKeyByHash(hash: string): Promise<AuthenticatedKey | null> {
      source.reads++;
      const row = await repository.findActiveKeyByHash(hash);
      if (source.afterRead !== null) await source.afterRead();
      return row;
    },
  };
  return source;
}

async function listening(cache: CachedApiKeys, hash: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await cache.findActiveKeyByHash(hash);
        return cache.active;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
}

describe("CachedApiKeys", () => {
  it("is told of a revocation and of new origins, and of nothing else", async () => {
    const key = await newKey();
    const listener = new pg.Client({ connectionString: database?.url });
    await listener.connect();
    const notices: string[] = [];
    listener.on("notification", (notice) => notices.push(`${notice.channel} ${notice.payload}`));
    await listener.query(`LISTEN ${API_KEY_CHANGES_CHANNEL}`);
    try {
      // The same values: no notice.
      await sql.execute("UPDATE api_keys SET display_hint = display_hint, revoked_at = NULL WHERE id = $1", [
        key.id,
      ]);
      // A rolled-back revocation: no notice.
      await sql
        .transaction(async (tx) => {
          await tx.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [key.id]);
          await tx.execute("SELECT 1/0", []);
        })
        .catch(() => {});
      await sql.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [key.id]);
      await listener.query("SELECT 1");
      expect(notices).toEqual([`${API_KEY_CHANGES_CHANNEL} ${key.id}`]);
    } finally {
      await listener.end();
    }
  });

  it("answers a lookup that overlapped a revocation's notice, but does not keep its row", async () => {
    const key = await newKey();
    const source = countingSource();
    const cache = new CachedApiKeys(source, database?.url as string);
    try {
      await listening(cache, key.hash);
      // The active row is read, then held back while the key is revoked and the notice arrives.
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let read = () => {};
      const rowRead = new Promise<void>((resolve) => {
        read = resolve;
      });
      source.afterRead = () => {
        read();
        return gate;
      };
      cache.forget(key.id);
      const inFlight = cache.findActiveKeyByHash(key.hash);
      await rowRead;
      source.afterRead = null;
      await sql.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [key.id]);
      await cache.caughtUp();
      release();
      expect((await inFlight)?.apiKeyId).toBe(key.id);
      expect(cache.size).toBe(0);
      const readsBefore = source.reads;
      expect(await cache.findActiveKeyByHash(key.hash)).toBeNull();
      expect(source.reads).toBe(readsBefore + 1);
    } finally {
      await cache.close();
    }
  });

  it("reads an entry again once it is older than its lifetime, and keeps at most entriesMax", async () => {
    const keys = [await newKey(), await newKey(), await newKey()];
    const source = countingSource();
    let nowMs = 0;
    const cache = new CachedApiKeys(
      source,
      database?.url as string,
      { ...DEFAULT_API_KEY_CACHE_OPTIONS, ttlMs: 1_000, entriesMax: 2 },
      () => {},
      () => nowMs,
    );
    try {
      await listening(cache, keys[0]?.hash as string);
      const reads = source.reads;
      await cache.findActiveKeyByHash(keys[0]?.hash as string);
      expect(source.reads).toBe(reads);
      nowMs += 999;
      await cache.findActiveKeyByHash(keys[0]?.hash as string);
      expect(source.reads).toBe(reads);
      nowMs += 1;
      await cache.findActiveKeyByHash(keys[0]?.hash as string);
      expect(source.reads).toBe(reads + 1);

      await cache.findActiveKeyByHash(keys[1]?.hash as string);
      await cache.findActiveKeyByHash(keys[2]?.hash as string);
      expect(cache.size).toBe(2);
      // The oldest (keys[0]) went first.
      await cache.findActiveKeyByHash(keys[0]?.hash as string);
      expect(source.reads).toBe(reads + 4);
      // Unknown keys are never kept.
      expect(await cache.findActiveKeyByHash("0".repeat(64))).toBeNull();
      expect(await cache.findActiveKeyByHash("0".repeat(64))).toBeNull();
      expect(source.reads).toBe(reads + 6);
    } finally {
      await cache.close();
    }
  });
});
