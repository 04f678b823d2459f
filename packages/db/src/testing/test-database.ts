// Gives every integration test file its own migrated Postgres database in milliseconds: the
// migrations run once into a template database (prisma migrate deploy alone costs ~11 s) that is
// kept between runs, and each test file clones it.
//
// Several runs may share one server (parallel sessions, worktrees), so every database made here
// carries a note (COMMENT ON DATABASE) naming the host and process that owns it, and cleanup only
// drops what provably belongs to a dead process or has been abandoned for long.
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import {
  canConnect,
  createDatabase,
  databaseExists,
  dropDatabase,
  findRepoRoot,
  migrate,
  withAdminClient,
  withDatabase,
} from "../database-url";
import { PARTITIONED_TABLES, partitionWindow } from "../repositories/partition.repository";

const LOCAL_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";
const TEMPLATE_PREFIX = "paycore_template_";
const TEST_PREFIX = "paycore_test_";
const COMPLETE_TEMPLATE = /^paycore_template_[0-9a-f]{12}$/;
/** SQLSTATE object_in_use: a session (here: the migrating CLI's, still closing) is in the database. */
const OBJECT_IN_USE = "55006";
const DUPLICATE_DATABASE = "42P04";
const RENAME_ATTEMPTS = 10;
// Outdated templates may still be cloned by a run of another checkout that started before ours.
const UNUSED_TEMPLATE_MAX_AGE_MS = 60 * 60 * 1000;
// Bounds how long databases of other machines (or of a reused pid) can linger.
const ABANDONED_MAX_AGE_MS = 24 * 60 * 60 * 1000;

interface OwnerNote {
  host: string;
  pid: number;
  /** Creation time; for templates, the last time a run prepared it. */
  at: string;
}

/**
 * Vitest globalSetup helper: ensures a migrated template database and returns the admin URL plus template name.
 *
 * Server, in order: TEST_DATABASE_URL (an admin URL; `embedded` forces the embedded server), the
 * machine's Postgres at 127.0.0.1:5432 if it answers within 1 s, else an embedded Postgres in
 * `<repo>/.data/test-postgres` that `stop()` shuts down (stop is a no-op for the other two).
 */
export async function prepareTemplateDatabase(): Promise<{
  adminUrl: string;
  templateName: string;
  stop: () => Promise<void>;
}> {
  const server = await chooseServer();
  try {
    const templateName = TEMPLATE_PREFIX + (await migrationsHash());
    await dropStaleTestDatabases(server.adminUrl);
    await dropStaleTemplates(server.adminUrl, templateName);
    // The template only ever appears under its final name once fully migrated (see buildTemplate).
    if (!(await databaseExists(server.adminUrl, templateName)))
      await buildTemplate(server.adminUrl, templateName);
    await writeNote(server.adminUrl, templateName);
    return { adminUrl: server.adminUrl, templateName, stop: server.stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Per test file: a fresh database cloned from the template (CREATE DATABASE x TEMPLATE t), dropped by the returned cleanup. */
export async function createTestDatabase(
  adminUrl: string,
  templateName: string,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = TEST_PREFIX + randomBytes(5).toString("hex");
  // createDatabase retries while the template is briefly in use by another session.
  await createDatabase(adminUrl, name, templateName);
  const drop = () => dropDatabase(adminUrl, name);
  try {
    await writeNote(adminUrl, name);
    await ensurePartitions(withDatabase(adminUrl, name));
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { url: withDatabase(adminUrl, name), name, drop };
}

/**
 * The template is kept between runs, so the partitions its migrations created may lie in the past: each clone
 * gets today's, as the partition worker would create them (tests run without it).
 */
async function ensurePartitions(url: string): Promise<void> {
  await withAdminClient(url, async (client) => {
    for (const table of PARTITIONED_TABLES) {
      const { from, until } = partitionWindow(table.unit, new Date(), table.unit === "day" ? 7 : 2);
      await client.query(`SELECT "time_partitions_ensure"($1, $2, $3::timestamptz, $4::timestamptz)`, [
        table.table,
        table.unit,
        from,
        until,
      ]);
    }
  });
}

/** Drops test databases left by runs that died before their cleanup; never fails. */
export async function dropStaleTestDatabases(adminUrl: string): Promise<void> {
  try {
    for (const { name, note } of await listDatabases(adminUrl, TEST_PREFIX)) {
      // No note: created a moment ago by a live run that has not written it yet, or not ours.
      if (note === undefined || !isAbandoned(note)) continue;
      await dropDatabase(adminUrl, name).catch(() => {});
    }
  } catch {
    // Cleanup is housekeeping; the run itself must not fail on it.
  }
}

async function chooseServer(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  const noop = async () => {};
  const explicit = process.env.TEST_DATABASE_URL?.trim();
  if (explicit && explicit !== "embedded") {
    if (!(await canConnect(explicit, 5000)))
      throw new Error("TEST_DATABASE_URL is set but its server does not answer");
    return { adminUrl: explicit, stop: noop };
  }
  if (!explicit && (await canConnect(LOCAL_ADMIN_URL, 1000)))
    return { adminUrl: LOCAL_ADMIN_URL, stop: noop };
  // Loaded only here: the embedded server's binaries and exit handling are not needed otherwise.
  const { startEmbeddedPostgres } = await import("../embedded-postgres");
  const started = await startEmbeddedPostgres({
    dataDir: join(findRepoRoot(), ".data", "test-postgres"),
    log: (line) => console.error(`[test-postgres] ${line}`),
  });
  return { adminUrl: started.url, stop: started.stop };
}

/**
 * Identifies the migration set. Each file's path is hashed along with its content because Prisma
 * records migrations by folder name: a renamed folder is a different migration history.
 */
async function migrationsHash(): Promise<string> {
  const dir = join(findRepoRoot(), "prisma", "migrations");
  const files = (await readdir(dir, { recursive: true }))
    .filter((path) => basename(path) === "migration.sql")
    .map((path) => path.split("\\").join("/"))
    .sort();
  const hash = createHash("sha256");
  for (const path of files) {
    hash.update(`${path}\0`);
    hash.update(await readFile(join(dir, path)));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 12);
}

/**
 * Migrates under a temporary name and renames at the end, so a template that exists is complete:
 * a run killed mid-migration leaves only a temporary database for cleanup.
 */
async function buildTemplate(adminUrl: string, templateName: string): Promise<void> {
  const building = `${templateName}_wip_${randomBytes(4).toString("hex")}`;
  await createDatabase(adminUrl, building);
  try {
    await writeNote(adminUrl, building);
    await migrate(withDatabase(adminUrl, building));
    // No session can ever hold the template open, so clones never wait on one.
    await withAdminClient(adminUrl, (client) =>
      client.query(`ALTER DATABASE "${building}" ALLOW_CONNECTIONS false`),
    );
    await renameDatabase(adminUrl, building, templateName);
  } catch (error) {
    await dropDatabase(adminUrl, building).catch(() => {});
    // A concurrent run finished the same template first; it is identical to ours.
    if (sqlState(error) === DUPLICATE_DATABASE) return;
    throw error;
  }
}

async function renameDatabase(adminUrl: string, from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdminClient(adminUrl, (client) => client.query(`ALTER DATABASE "${from}" RENAME TO "${to}"`));
      return;
    } catch (error) {
      // The CLI has exited, but its backend may take a moment to leave the database.
      if (sqlState(error) !== OBJECT_IN_USE || attempt >= RENAME_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** Outdated templates unused for an hour, and temporary ones whose builder is gone; never fails. */
async function dropStaleTemplates(adminUrl: string, current: string): Promise<void> {
  try {
    for (const { name, note } of await listDatabases(adminUrl, TEMPLATE_PREFIX)) {
      if (name === current || note === undefined) continue;
      const stale = COMPLETE_TEMPLATE.test(name)
        ? Date.now() - Date.parse(note.at) > UNUSED_TEMPLATE_MAX_AGE_MS
        : isAbandoned(note);
      if (stale) await dropDatabase(adminUrl, name).catch(() => {});
    }
  } catch {
    // Housekeeping only.
  }
}

function isAbandoned(note: OwnerNote): boolean {
  if (Date.now() - Date.parse(note.at) > ABANDONED_MAX_AGE_MS) return true;
  return note.host === hostname() && !isAlive(note.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function writeNote(adminUrl: string, name: string): Promise<void> {
  const note: OwnerNote = { host: hostname(), pid: process.pid, at: new Date().toISOString() };
  // COMMENT takes no bind parameters; the name is validated by the callers' createDatabase.
  await withAdminClient(adminUrl, (client) =>
    client.query(`COMMENT ON DATABASE "${name}" IS ${client.escapeLiteral(JSON.stringify(note))}`),
  );
}

async function listDatabases(
  adminUrl: string,
  prefix: string,
): Promise<{ name: string; note?: OwnerNote }[]> {
  const result = await withAdminClient(adminUrl, (client) =>
    client.query<{ name: string; note: string | null }>(
      "SELECT datname AS name, shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE starts_with(datname, $1)",
      [prefix],
    ),
  );
  return result.rows.map((row) => ({ name: row.name, note: parseNote(row.note) }));
}

function parseNote(text: string | null): OwnerNote | undefined {
  try {
    const value: unknown = JSON.parse(text ?? "");
    if (typeof value !== "object" || value === null) return undefined;
    const { host, pid, at } = value as Record<string, unknown>;
    if (typeof host !== "string" || typeof pid !== "number" || typeof at !== "string") return undefined;
    if (Number.isNaN(Date.parse(at))) return undefined;
    return { host, pid, at };
  } catch {
    return undefined;
  }
}

function sqlState(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;
}
