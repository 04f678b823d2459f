// Finds the database the way `npm start` promises: DATABASE_URL when set,
// otherwise an embedded Postgres kept under DATA_DIR, migrated before use.
import { join, resolve } from "node:path";
import { createDatabase, databaseExists, migrateIfNeeded, withDatabase } from "@paycore/db/database-url";
import { startEmbeddedPostgres } from "@paycore/db/embedded-postgres";
import type { Env } from "./env";

const EMBEDDED_DATABASE = "paycore";

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(env: Env, log: (message: string) => void): Promise<Database> {
  if (env.DATABASE_URL) {
    await migrateIfNeeded(env.DATABASE_URL);
    return { url: env.DATABASE_URL, embedded: false, stop: async () => undefined };
  }
  const dataDir = resolve(join(env.DATA_DIR, "postgres"));
  log(`no DATABASE_URL: the embedded Postgres in ${dataDir} (the one already serving it, or started now)`);
  const server = await startEmbeddedPostgres({ dataDir, log });
  try {
    if (!(await databaseExists(server.url, EMBEDDED_DATABASE)))
      await createDatabase(server.url, EMBEDDED_DATABASE);
    const url = withDatabase(server.url, EMBEDDED_DATABASE);
    await migrateIfNeeded(url);
    return { url, embedded: true, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
