// For the tests that prove the database's own guards: a fresh database cloned from the migrated template, one
// client on it for the file's tests, and the error a statement that must fail fails with.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, expect } from "vitest";
import { createTestDatabase, prepareTemplateDatabase } from "./test-database";

/** SQLSTATE codes the guards raise. */
export const CHECK_VIOLATION = "23514";
export const FOREIGN_KEY_VIOLATION = "23503";
export const UNIQUE_VIOLATION = "23505";
export const INSUFFICIENT_PRIVILEGE = "42501";

export function uid(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}

/**
 * Creates the database and connects before the file's other `beforeAll` hooks (call it first, at the top level),
 * and drops it after its tests. `client` is set once the hook has run.
 */
export function useGuardDatabase() {
  let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const handle = {
    client: undefined as unknown as pg.Client,
    /** The pg error a statement fails with (the test fails if it succeeds). */
    async failure(sql: string, params: unknown[] = []): Promise<pg.DatabaseError> {
      try {
        await handle.client.query(sql, params);
      } catch (error) {
        expect(error).toBeInstanceOf(pg.DatabaseError);
        return error as pg.DatabaseError;
      }
      throw new Error(`expected the statement to fail: ${sql}`);
    },
  };
  beforeAll(async () => {
    prepared = await prepareTemplateDatabase();
    database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
    handle.client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 10_000 });
    await handle.client.connect();
  });
  afterAll(async () => {
    await handle.client?.end();
    await database?.drop();
    await prepared?.stop();
  });
  return handle;
}
