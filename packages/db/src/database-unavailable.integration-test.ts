// isDatabaseUnavailable tells "the server went away or stopped taking writes" (what a failover looks like to the
// API) from "this statement was wrong", on errors a real Postgres and the real drivers raise: a refused
// connection, a backend terminated under a running query (as when Patroni demotes a node), a write on a
// read-only session (a standby), through node-postgres and through Prisma's adapter; and a constraint violation
// or a syntax error is not one.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabaseClient, type DatabaseClient } from "./client";
import { isDatabaseUnavailable } from "./database-unavailable";
import { createPool } from "./sql";
import { createTestDatabase, prepareTemplateDatabase } from "./testing/test-database";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let pool: pg.Pool;
let prisma: DatabaseClient;

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  pool = createPool({ url: database.url, max: 4 });
  prisma = createDatabaseClient({ pool });
  await pool.query("CREATE TABLE scratch (id text PRIMARY KEY)");
});

afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.end();
  await database?.drop();
  await prepared?.stop();
});

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected the work to fail");
}

/** A loopback port nothing listens on: a pool there is refused. */
async function refusedUrl(): Promise<string> {
  const { createServer } = await import("node:net");
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

describe("isDatabaseUnavailable", () => {
  it("is true for a refused connection, through node-postgres and through Prisma", async () => {
    const url = await refusedUrl();
    const deadPool = createPool({ url, max: 1 });
    const deadPrisma = createDatabaseClient({ pool: deadPool });
    try {
      expect(isDatabaseUnavailable(await errorOf(() => deadPool.query("SELECT 1")))).toBe(true);
      expect(isDatabaseUnavailable(await errorOf(() => deadPrisma.$queryRaw`SELECT 1`))).toBe(true);
    } finally {
      await deadPrisma.$disconnect();
      await deadPool.end();
    }
  });

  it("is true for a backend terminated under a running statement, and the pool then serves on a new connection", async () => {
    const victim = await pool.connect();
    const { rows } = await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const running = errorOf(() => victim.query("SELECT pg_sleep(30)"));
    // The statement is running when the backend is terminated, as when a node is shut down under load.
    for (let i = 0; i < 50; i++) {
      const active = await pool.query(
        "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep%'",
        [rows[0]?.pid],
      );
      if (active.rowCount) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await pool.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
    const error = await running;
    victim.release(error as Error);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect((await pool.query("SELECT 1 AS one")).rows[0]).toEqual({ one: 1 });
  });

  it("is true for a write on a read-only session (what a write reaching a standby gets)", async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN READ ONLY");
      const error = await errorOf(() => client.query("INSERT INTO scratch (id) VALUES ('x')"));
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });

  it("is false for a statement's own failure: a duplicate key, a syntax error, a Prisma unique violation", async () => {
    await pool.query("INSERT INTO scratch (id) VALUES ('dup')");
    expect(
      isDatabaseUnavailable(await errorOf(() => pool.query("INSERT INTO scratch (id) VALUES ('dup')"))),
    ).toBe(false);
    expect(isDatabaseUnavailable(await errorOf(() => pool.query("SELEC 1")))).toBe(false);
    expect(
      isDatabaseUnavailable(await errorOf(() => prisma.$executeRaw`INSERT INTO scratch (id) VALUES ('dup')`)),
    ).toBe(false);
    expect(isDatabaseUnavailable(new Error("something else"))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
