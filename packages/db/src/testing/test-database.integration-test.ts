// Proves what every integration suite relies on: parallel clones of the migrated template succeed
// and are independent databases that already have the schema.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseExists } from "../database-url";
import { createTestDatabase, prepareTemplateDatabase } from "./test-database";

type Prepared = Awaited<ReturnType<typeof prepareTemplateDatabase>>;
type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("test databases", () => {
  let prepared: Prepared;
  const created: TestDatabase[] = [];

  beforeAll(async () => {
    prepared = await prepareTemplateDatabase();
  });

  afterAll(async () => {
    await Promise.all(created.map((database) => database.drop()));
    await prepared?.stop();
  });

  it("clones the migrated template into distinct databases in parallel", async () => {
    const [first, second] = await Promise.all([
      createTestDatabase(prepared.adminUrl, prepared.templateName),
      createTestDatabase(prepared.adminUrl, prepared.templateName),
    ]);
    created.push(first, second);

    expect(first.name).not.toBe(second.name);
    for (const database of [first, second]) {
      const [row] = await query<{ current: string; payments: string | null }>(
        database.url,
        "SELECT current_database() AS current, to_regclass('public.payments')::text AS payments",
      );
      expect(row).toEqual({ current: database.name, payments: "payments" });
    }

    await query(first.url, "CREATE TABLE only_in_first (id int)");
    const [inSecond] = await query<{ table: string | null }>(
      second.url,
      "SELECT to_regclass('public.only_in_first')::text AS table",
    );
    expect(inSecond?.table).toBeNull();
  });

  it("drop removes the database and can be repeated", async () => {
    const database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
    await database.drop();
    await database.drop();
    expect(await databaseExists(prepared.adminUrl, database.name)).toBe(false);
  });
});
