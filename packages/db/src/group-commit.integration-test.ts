// Group commit on the real Postgres: the statements of requests waiting at the same moment commit together, and
// each stays atomic on its own: a member that violates a constraint fails alone, a lone request runs at once,
// every caller gets its own rows, and a member's rows (an idempotency record and the change it describes) commit
// together or not at all. The same holds for groups the coalescing window holds open while a connection is free,
// and every member of them is written exactly once (a log table without a key would show a second run).
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupCommit, literalOf } from "./group-commit";
import { createPool, Sql, sqlState } from "./sql";
import { createTestDatabase, prepareTemplateDatabase } from "./testing/test-database";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let pool: pg.Pool;
let sql: Sql;

/** A change and its idempotency record in one statement, as the payment statements write them. */
const INSERT_WITH_RECORD = `WITH record AS (
  INSERT INTO gc_records (key, resource_id) VALUES ($1, $2) RETURNING resource_id
)
INSERT INTO gc_changes (id, amount, note, at)
SELECT resource_id, $3::bigint, $4, $5::timestamptz FROM record
RETURNING id, amount, note, at`;

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  // One connection: holding it makes the requests wait together, as they do under load.
  pool = createPool({ url: database.url, max: 1 });
  sql = new Sql(pool);
  await sql.execute("CREATE TABLE gc_records (key text PRIMARY KEY, resource_id text NOT NULL)");
  await sql.execute(
    "CREATE TABLE gc_changes (id text PRIMARY KEY, amount bigint NOT NULL CHECK (amount > 0), note text, at timestamptz)",
  );
  // No key: a member written twice (a group committed and then rerun) leaves two rows here.
  await sql.execute("CREATE TABLE gc_log (resource_id text NOT NULL)");
});

/** INSERT_WITH_RECORD that also appends to gc_log in the same statement. */
const INSERT_WITH_RECORD_AND_LOG = `WITH record AS (
  INSERT INTO gc_records (key, resource_id) VALUES ($1, $2) RETURNING resource_id
), logged AS (
  INSERT INTO gc_log (resource_id) SELECT resource_id FROM record
)
INSERT INTO gc_changes (id, amount, note, at)
SELECT resource_id, $3::bigint, NULL, NULL FROM record
RETURNING id, amount`;

/** Every member arrives at the same instant, so each one after the first has a neighbour, however slow the host. */
const fixedClock = () => 0;

/** How many times each resource was logged, for the ids with this prefix. */
async function logCounts(prefix: string): Promise<Record<string, number>> {
  const rows = await sql.query<{ resource_id: string; n: number }>(
    "SELECT resource_id, count(*)::int AS n FROM gc_log WHERE resource_id LIKE $1 GROUP BY resource_id",
    [`${prefix}%`],
  );
  return Object.fromEntries(rows.map((row) => [row.resource_id, row.n]));
}

/**
 * Submits one member and waits for it, then submits `members` at once while the pool's connection is free: each
 * follows another within the (large) window, so they are held and flushed together when the last one fills it.
 */
async function throughWindow(
  group: GroupCommit,
  prefix: string,
  amounts: number[],
): Promise<PromiseSettledResult<unknown>[]> {
  await group.query(INSERT_WITH_RECORD_AND_LOG, [`${prefix}key-lead`, `${prefix}lead`, 1]);
  return Promise.allSettled(
    amounts.map((amount, i) =>
      group.query(INSERT_WITH_RECORD_AND_LOG, [`${prefix}key-${i}`, `${prefix}${i}`, amount]),
    ),
  );
}

afterAll(async () => {
  await pool?.end();
  await database?.drop();
  await prepared?.stop();
});

/** Runs `submit` while the pool's one connection is held, then frees it: everything submitted forms one group. */
async function whileBusy<T>(submit: () => Promise<T>[]): Promise<PromiseSettledResult<Awaited<T>>[]> {
  const held = await pool.connect();
  const pending = submit();
  // Let every submission reach the queue before the connection is freed.
  await new Promise((resolve) => setImmediate(resolve));
  held.release();
  return Promise.allSettled(pending);
}

async function committedIds(prefix: string): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    "SELECT c.id FROM gc_changes c JOIN gc_records r ON r.resource_id = c.id WHERE c.id LIKE $1 ORDER BY c.id",
    [`${prefix}%`],
  );
  return rows.map((row) => row.id);
}

describe("GroupCommit", () => {
  it("runs a lone request at once, as a plain statement", async () => {
    const group = new GroupCommit(pool);
    const rows = await group.query<{ id: string; amount: bigint }>(INSERT_WITH_RECORD, [
      "lone-key",
      "lone-1",
      "42",
      null,
      null,
    ]);
    expect(rows).toEqual([expect.objectContaining({ id: "lone-1", amount: 42n })]);
    expect(group.stats).toMatchObject({ singles: 1, groups: 0 });
  });

  it("commits the requests waiting together in one group and gives each caller its own rows", async () => {
    const group = new GroupCommit(pool);
    const at = new Date("2026-12-07T08:00:00.123Z");
    const results = await whileBusy(() =>
      Array.from({ length: 5 }, (_, i) =>
        group.query<{ id: string; amount: bigint; note: string; at: Date }>(INSERT_WITH_RECORD, [
          `together-key-${i}`,
          `together-${i}`,
          BigInt(1000 + i),
          `it's "note" ${i}\\`,
          at,
        ]),
      ),
    );
    expect(group.stats).toMatchObject({ groups: 1, grouped: 5, largest: 5, fallbacks: 0 });
    results.forEach((result, i) => {
      expect(result.status).toBe("fulfilled");
      const [row] = (
        result as PromiseFulfilledResult<{ id: string; amount: bigint; note: string; at: Date }[]>
      ).value;
      expect(row).toEqual({ id: `together-${i}`, amount: BigInt(1000 + i), note: `it's "note" ${i}\\`, at });
    });
    expect(await committedIds("together-")).toEqual([0, 1, 2, 3, 4].map((i) => `together-${i}`));
  });

  it("fails only the member that violates a constraint; the others commit", async () => {
    const group = new GroupCommit(pool);
    const results = await whileBusy(() =>
      [10, 20, -1, 40].map((amount, i) =>
        group.query(INSERT_WITH_RECORD, [`violation-key-${i}`, `violation-${i}`, amount, null, null]),
      ),
    );
    expect(group.stats).toMatchObject({ groups: 1, fallbacks: 1 });
    expect(results.map((result) => result.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect(sqlState((results[2] as PromiseRejectedResult).reason)).toBe("23514");
    expect(await committedIds("violation-")).toEqual(["violation-0", "violation-1", "violation-3"]);
  });

  it("writes a member's record with its change or neither: a taken key fails that member alone", async () => {
    await sql.execute("INSERT INTO gc_records (key, resource_id) VALUES ('taken-key', 'someone-else')");
    const group = new GroupCommit(pool);
    const results = await whileBusy(() => [
      group.query(INSERT_WITH_RECORD, ["atomic-key-0", "atomic-0", 5, null, null]),
      group.query(INSERT_WITH_RECORD, ["taken-key", "atomic-1", 5, null, null]),
      group.query(INSERT_WITH_RECORD, ["atomic-key-2", "atomic-2", 5, null, null]),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(sqlState((results[1] as PromiseRejectedResult).reason)).toBe("23505");
    // Neither the change of the failed member nor a record of it.
    expect(await sql.query("SELECT id FROM gc_changes WHERE id = 'atomic-1'")).toEqual([]);
    expect(await sql.query("SELECT key FROM gc_records WHERE resource_id = 'atomic-1'")).toEqual([]);
    expect(await committedIds("atomic-")).toEqual(["atomic-0", "atomic-2"]);
  });

  it("keeps a group to its maximum size and flushes the rest with the next connection", async () => {
    const group = new GroupCommit(pool, { groupSizeMax: 3 });
    const results = await whileBusy(() =>
      Array.from({ length: 7 }, (_, i) =>
        group.query(INSERT_WITH_RECORD, [`bounded-key-${i}`, `bounded-${i}`, 1, null, null]),
      ),
    );
    expect(results.every((result) => result.status === "fulfilled")).toBe(true);
    expect(group.stats.largest).toBe(3);
    expect(group.stats.grouped + group.stats.singles).toBe(7);
    expect(await committedIds("bounded-")).toHaveLength(7);
  });

  it("with a window, still runs a member with no neighbour at once, alone", async () => {
    const group = new GroupCommit(pool, { windowMs: 10, windowMembersMax: 3, nowMs: fixedClock });
    await group.query(INSERT_WITH_RECORD_AND_LOG, ["window-lone-key", "window-lone", 1]);
    expect(group.stats).toMatchObject({ singles: 1, groups: 0, windows: 0 });
    expect(await logCounts("window-lone")).toEqual({ "window-lone": 1 });
  });

  it("holds neighbours in one group while the connection is free, and writes each exactly once", async () => {
    const group = new GroupCommit(pool, { windowMs: 10, windowMembersMax: 3, nowMs: fixedClock });
    const results = await throughWindow(group, "window-ok-", [10, 20, 30]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect(group.stats).toMatchObject({ singles: 1, groups: 1, grouped: 3, windows: 1, fallbacks: 0 });
    expect((results[1] as PromiseFulfilledResult<unknown>).value).toEqual([
      { id: "window-ok-1", amount: 20n },
    ]);
    expect(await logCounts("window-ok-")).toEqual({
      "window-ok-lead": 1,
      "window-ok-0": 1,
      "window-ok-1": 1,
      "window-ok-2": 1,
    });
  });

  it("flushes a held group that never fills when its window ends", async () => {
    const group = new GroupCommit(pool, { windowMs: 5, windowMembersMax: 8, nowMs: fixedClock });
    const results = await throughWindow(group, "window-timer-", [1, 2]);
    expect(results.every((result) => result.status === "fulfilled")).toBe(true);
    expect(group.stats).toMatchObject({ groups: 1, grouped: 2, windows: 1 });
    expect(await committedIds("window-timer-")).toEqual([
      "window-timer-0",
      "window-timer-1",
      "window-timer-lead",
    ]);
  });

  it("fails only the faulty member of a held group; the others commit exactly once, with their records", async () => {
    await sql.execute(
      "INSERT INTO gc_records (key, resource_id) VALUES ('window-bad-key-3', 'someone-else')",
    );
    const group = new GroupCommit(pool, { windowMs: 10, windowMembersMax: 4, nowMs: fixedClock });
    // Member 1 breaks a CHECK, member 3 reuses a taken key: the group is refused whole and rerun one by one.
    const results = await throughWindow(group, "window-bad-", [10, -1, 30, 40]);
    expect(results.map((result) => result.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "rejected",
    ]);
    expect(sqlState((results[1] as PromiseRejectedResult).reason)).toBe("23514");
    expect(sqlState((results[3] as PromiseRejectedResult).reason)).toBe("23505");
    expect(group.stats).toMatchObject({ groups: 1, windows: 1, fallbacks: 1 });
    expect(await logCounts("window-bad-")).toEqual({
      "window-bad-lead": 1,
      "window-bad-0": 1,
      "window-bad-2": 1,
    });
    expect(await committedIds("window-bad-")).toEqual(["window-bad-0", "window-bad-2", "window-bad-lead"]);
    expect(
      await sql.query("SELECT key FROM gc_records WHERE resource_id IN ('window-bad-1', 'window-bad-3')"),
    ).toEqual([]);
  });

  it("refuses a window outside its bounds", () => {
    expect(() => new GroupCommit(pool, { windowMs: 11 })).toThrow(RangeError);
    expect(() => new GroupCommit(pool, { windowMs: -1 })).toThrow(RangeError);
    expect(() => new GroupCommit(pool, { windowMembersMax: 0 })).toThrow(RangeError);
  });

  it("writes parameters as literals Postgres reads back exactly", async () => {
    expect(literalOf(null)).toBe("NULL");
    expect(literalOf(9_223_372_036_854_775_807n)).toBe("'9223372036854775807'");
    expect(literalOf("a'b")).toBe("'a''b'");
    expect(() => literalOf({ not: "a scalar" })).toThrow(TypeError);
    const [row] = await sql.query<{ big: bigint; text: string; bytes: Buffer }>(
      `SELECT ${literalOf(9_223_372_036_854_775_807n)}::bigint AS big, ${literalOf("x\\'y")}::text AS text,
              ${literalOf(Buffer.from([1, 2]))}::bytea AS bytes`,
    );
    expect(row).toEqual({ big: 9_223_372_036_854_775_807n, text: "x\\'y", bytes: Buffer.from([1, 2]) });
  });
});
