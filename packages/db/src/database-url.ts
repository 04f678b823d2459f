/**
 * Resolves the Postgres server the tests and the app use: an explicit URL, the machine's local server if one answers, or an embedded one.
 *
 * This is the plumbing those callers share: probing a server, managing whole databases on it, and
 * applying the Prisma migrations through the CLI, so tests run exactly the migrations production runs.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";

const DATABASE_NAME = /^[a-z0-9_]{1,63}$/;
/** SQLSTATE object_in_use: CREATE DATABASE ... TEMPLATE while a session is connected to the template. */
const OBJECT_IN_USE = "55006";
const CREATE_ATTEMPTS = 10;
const ADMIN_CONNECT_TIMEOUT_MS = 10_000;
// Postgres itself waits up to 5 s for sessions to leave a template or a dropped database.
const ADMIN_QUERY_TIMEOUT_MS = 60_000;
const MIGRATE_TIMEOUT_MS = 180_000;
const MIGRATE_OUTPUT_BYTES = 64 * 1024;
const MIGRATE_ERROR_LINES = 40;

/** True when the server accepts a login and answers a query within the timeout; never throws. */
export async function canConnect(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A server that drops the socket after a failed probe must not surface as an unhandled error.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await endQuietly(client);
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Runs admin statements on a short-lived connection, so no pool ever pins a template database. */
export async function withAdminClient<T>(
  adminUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: adminUrl,
    connectionTimeoutMillis: ADMIN_CONNECT_TIMEOUT_MS,
    query_timeout: ADMIN_QUERY_TIMEOUT_MS,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return await work(client);
  } finally {
    await endQuietly(client);
  }
}

export async function createDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  assertDatabaseName(name);
  if (template !== undefined) assertDatabaseName(template);
  const sql =
    template === undefined ? `CREATE DATABASE "${name}"` : `CREATE DATABASE "${name}" TEMPLATE "${template}"`;
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdminClient(adminUrl, (client) => client.query(sql));
      return;
    } catch (error) {
      // Parallel workers clone the same template; a session that has just left it (or a stray
      // connection) makes the clone fail transiently, and waiting a little is all it takes.
      if (template === undefined || sqlState(error) !== OBJECT_IN_USE || attempt >= CREATE_ATTEMPTS)
        throw error;
      await sleep(100 * attempt + Math.floor(Math.random() * 100));
    }
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  assertDatabaseName(name);
  await withAdminClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  const result = await withAdminClient(adminUrl, (client) =>
    client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]),
  );
  return (result.rowCount ?? 0) > 0;
}

/** Applies prisma/migrations with `prisma migrate deploy`; output is kept for the error, not streamed. */
export async function migrate(databaseUrl: string): Promise<void> {
  const root = findRepoRoot();
  const env = {
    // biome-ignore lint/style/noProcessEnv: the Prisma CLI needs the parent's environment (PATH, HOME, proxies) plus the target URL.
    ...process.env,
    DATABASE_URL: databaseUrl,
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  };
  // Detached so a timeout can kill the whole group: scripts/prisma.mjs runs the CLI as a grandchild.
  const child = spawn(process.execPath, [join(root, "scripts", "prisma.mjs"), "migrate", "deploy"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-MIGRATE_OUTPUT_BYTES);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, MIGRATE_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  if (exitCode === 0 && !timedOut) return;
  const tail = output.trimEnd().split("\n").slice(-MIGRATE_ERROR_LINES).join("\n");
  const reason = timedOut ? `timed out after ${MIGRATE_TIMEOUT_MS / 1000} s` : `exit code ${exitCode}`;
  throw new Error(`prisma migrate deploy failed on ${redactPassword(databaseUrl)} (${reason}):\n${tail}`);
}

let repoRoot: string | undefined;

/** The monorepo root, found from this file so callers work from any cwd (vitest runs per package). */
export function findRepoRoot(): string {
  if (repoRoot !== undefined) return repoRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 64; depth++) {
    if (existsSync(join(dir, "prisma", "schema.prisma"))) {
      repoRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`no prisma/schema.prisma above ${fileURLToPath(import.meta.url)}`);
}

function assertDatabaseName(name: string): void {
  // Names are spliced into DDL (identifiers cannot be bound parameters), so only a safe alphabet passes.
  if (!DATABASE_NAME.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}`);
}

function sqlState(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;
}

async function endQuietly(client: pg.Client): Promise<void> {
  // end() can wait on a half-open socket; the connection is disposable either way.
  await Promise.race([client.end().catch(() => {}), sleep(2000, undefined, { ref: false })]);
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable url>";
  }
}

/**
 * Migrations in prisma/migrations that the database has not finished applying.
 * `prisma migrate deploy` costs ~11 s even with nothing to do, so start-up asks
 * this first and runs the CLI only when something is pending (or unknown).
 */
export async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  const folder = join(findRepoRoot(), "prisma", "migrations");
  const expected = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(folder, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort();
  const applied = await withAdminClient(databaseUrl, async (client) => {
    const table = await client.query("SELECT to_regclass('public._prisma_migrations') AS name");
    if (table.rows[0]?.name === null) return new Set<string>();
    const rows = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    return new Set(rows.rows.map((row) => row.migration_name));
  });
  return expected.filter((name) => !applied.has(name));
}

/** Applies pending migrations, skipping the CLI when there are none. */
export async function migrateIfNeeded(databaseUrl: string): Promise<boolean> {
  if ((await pendingMigrations(databaseUrl)).length === 0) return false;
  await migrate(databaseUrl);
  return true;
}
