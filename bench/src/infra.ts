// What the bench runs on: a fresh migrated database on the configured Postgres server (or the
// machine's, or an embedded one), a private Redis, and the API as a child process.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createDatabase, dropDatabase, withAdminClient, withDatabase } from "@paycore/db/database-url";
import { prepareTemplateDatabase } from "@paycore/db/testing/test-database";
import { nodeProcessTree } from "./monitor";

const BENCH_PREFIX = "paycore_bench_";
const API_READY_TIMEOUT_MS = 90_000;
const API_STOP_TIMEOUT_MS = 15_000;
const REDIS_READY_TIMEOUT_MS = 10_000;

export interface BenchDatabase {
  url: string;
  name: string;
  server: string;
  drop(): Promise<void>;
  /** Leaves the database in place (and an embedded server running until this process exits). */
  release(): Promise<void>;
}

/**
 * DATABASE_URL (or TEST_DATABASE_URL) names the server, as an admin URL; else the machine's Postgres on
 * 127.0.0.1:5432 if it answers; else an embedded one. The migrated template the tests keep there is
 * cloned (migrating costs ~11 s, cloning ~0.2 s), so the bench runs exactly the product's migrations.
 */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  if (process.env.DATABASE_URL && !process.env.TEST_DATABASE_URL)
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
  const prepared = await prepareTemplateDatabase();
  await dropAbandonedBenchDatabases(prepared.adminUrl);
  const name = `${BENCH_PREFIX}${randomBytes(5).toString("hex")}`;
  await createDatabase(prepared.adminUrl, name, prepared.templateName);
  const note = JSON.stringify({ host: hostname(), pid: process.pid, at: new Date().toISOString() });
  await withAdminClient(prepared.adminUrl, (client) =>
    client.query(`COMMENT ON DATABASE "${name}" IS ${client.escapeLiteral(note)}`),
  );
  const server = new URL(prepared.adminUrl);
  return {
    url: withDatabase(prepared.adminUrl, name),
    name,
    server: `${server.hostname}:${server.port || 5432}`,
    async drop() {
      await dropDatabase(prepared.adminUrl, name).catch(() => {});
      await prepared.stop();
    },
    async release() {
      // Without a pid in its note, later runs leave it alone: drop it by hand when done.
      const kept = JSON.stringify({ host: hostname(), kept: true, at: new Date().toISOString() });
      await withAdminClient(prepared.adminUrl, (client) =>
        client.query(`COMMENT ON DATABASE "${name}" IS ${client.escapeLiteral(kept)}`),
      );
      console.log(
        `kept database ${withDatabase(prepared.adminUrl, name)} (DROP DATABASE "${name}" when done)`,
      );
    },
  };
}

/** Databases of earlier bench runs on this host whose process is gone (killed runs). */
async function dropAbandonedBenchDatabases(adminUrl: string): Promise<void> {
  const rows = await withAdminClient(adminUrl, (client) =>
    client.query<{ name: string; note: string | null }>(
      "SELECT datname AS name, shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE starts_with(datname, $1)",
      [BENCH_PREFIX],
    ),
  );
  for (const row of rows.rows) {
    try {
      const note = JSON.parse(row.note ?? "") as { host?: string; pid?: number };
      if (note.host === hostname() && typeof note.pid === "number" && !isAlive(note.pid))
        await dropDatabase(adminUrl, row.name);
    } catch {
      // Not ours to judge.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** True when a Redis at host:port answers PING within the timeout. */
function redisAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

export interface BenchRedis {
  url: string | null;
  description: string;
  pid: number | null;
  stop(): Promise<void>;
}

/** REDIS_URL when set; else a private redis-server on a free port; else the machine's on 6379; else none. */
export async function startRedis(): Promise<BenchRedis> {
  const configured = process.env.REDIS_URL;
  if (configured) {
    return {
      url: configured,
      description: `REDIS_URL (${new URL(configured).host})`,
      pid: null,
      stop: async () => {},
    };
  }
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--loglevel",
      "warning",
    ],
    { stdio: "ignore" },
  );
  const spawned = await new Promise<boolean>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", () => resolve(false));
  });
  if (spawned) {
    const deadline = Date.now() + REDIS_READY_TIMEOUT_MS;
    while (Date.now() < deadline && !(await redisAnswers("127.0.0.1", port))) await sleep(50);
    return {
      url: `redis://127.0.0.1:${port}`,
      description: `private redis-server on port ${port}`,
      pid: child.pid ?? null,
      stop: () => stopChild(child, 5_000),
    };
  }
  if (await redisAnswers("127.0.0.1", 6379)) {
    return {
      url: "redis://127.0.0.1:6379",
      description: "the machine's Redis on 6379",
      pid: null,
      stop: async () => {},
    };
  }
  return { url: null, description: "none (idempotency on Postgres alone)", pid: null, stop: async () => {} };
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const outcome = await Promise.race([exited, sleep(timeoutMs, "timeout")]);
  if (outcome === "timeout") {
    child.kill("SIGKILL");
    await Promise.race([exited, sleep(2_000)]);
  }
}

export interface ApiSecrets {
  VAULT_ENCRYPTION_KEYS: string;
  VAULT_FINGERPRINT_KEY: string;
  IDEMPOTENCY_HASH_SECRET: string;
  STRIPE_WEBHOOK_SECRET: string;
  ADYEN_HMAC_KEY: string;
}

export function generateSecrets(): ApiSecrets {
  const key = () => randomBytes(32).toString("base64");
  return {
    VAULT_ENCRYPTION_KEYS: `1:${key()}`,
    VAULT_FINGERPRINT_KEY: key(),
    IDEMPOTENCY_HASH_SECRET: key(),
    // Production refuses to start without the PSP webhook secrets (the bench sends no webhooks).
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString("hex")}`,
    ADYEN_HMAC_KEY: randomBytes(32).toString("hex"),
  };
}

export interface ApiProcess {
  baseUrl: string;
  pid: number;
  processes: number;
  /** The node processes serving (the primary and its workers with several). */
  pids(): number[];
  stop(): Promise<void>;
}

/**
 * Builds the API's production bundle (`npm run build -w @paycore/api`: apps/api/dist/main.mjs, plain
 * JavaScript, as production runs it) and starts it with the bench's probe preloaded.
 */
let built = false;

/** The V8 flags production runs the API with (`npm run start:prod -w @paycore/api`): apps/api/package.json's config. */
function apiNodeFlags(repoRoot: string): string[] {
  const manifest = JSON.parse(readFileSync(join(repoRoot, "apps/api/package.json"), "utf8")) as {
    config?: { nodeFlags?: string };
  };
  return (manifest.config?.nodeFlags ?? "").split(" ").filter(Boolean);
}

/** Builds the bundle once per bench run, from the sources being measured. */
function buildApi(repoRoot: string): void {
  if (built) return;
  const result = spawnSync(process.execPath, ["apps/api/scripts/build.mjs"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("building the API bundle failed");
  built = true;
}

export async function startApi(options: {
  repoRoot: string;
  databaseUrl: string;
  redisUrl: string | null;
  secrets: ApiSecrets;
  processes: number;
  poolMax: number | null;
  /** DATABASE_GROUP_COMMIT for the API: "on" (the product's default) or "off", for before/after pairs. */
  groupCommit?: "on" | "off";
  /** DATABASE_GROUP_COMMIT_WINDOW_MS for the API (group commit's coalescing window), for before/after pairs. */
  groupWindowMs?: number;
  /** The API's key cache: "off" sets API_KEY_CACHE_TTL_MS=0, for before/after pairs. */
  apiKeyCache?: "on" | "off";
  probeDir: string;
  logFile: string;
  /** Node flags added to production's (`npm run bench:heap`: `--trace-gc --trace-gc-nvp`). */
  extraNodeFlags?: string[];
}): Promise<ApiProcess> {
  const port = await freePort();
  const preload = new URL("./preload-eventloop.mjs", import.meta.url).href;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    API_PROCESSES: String(options.processes),
    BENCH_PROBE_DIR: options.probeDir,
    // The bench is one client tokenizing and paying as fast as it can: it measures the payment path, not limits.
    RATE_LIMIT_IP_PER_SECOND: "100000",
    RATE_LIMIT_KEY_PER_SECOND: "100000",
    RATE_LIMIT_TOKENIZE_PER_MINUTE: "100000",
    RATE_LIMIT_TOKENIZE_PER_IP_PER_MINUTE: "100000",
    RATE_LIMIT_CONCURRENT_QUERIES: "1000",
    ...options.secrets,
  };
  if (options.redisUrl) env.REDIS_URL = options.redisUrl;
  if (options.poolMax !== null) env.DATABASE_POOL_MAX = String(options.poolMax);
  if (options.groupCommit) env.DATABASE_GROUP_COMMIT = options.groupCommit;
  if (options.groupWindowMs !== undefined)
    env.DATABASE_GROUP_COMMIT_WINDOW_MS = String(options.groupWindowMs);
  if (options.apiKeyCache === "off") env.API_KEY_CACHE_TTL_MS = "0";
  const log = createWriteStream(options.logFile, { flags: "a" });
  buildApi(options.repoRoot);
  const child = spawn(
    process.execPath,
    [
      ...apiNodeFlags(options.repoRoot),
      ...(options.extraNodeFlags ?? []),
      "--import",
      preload,
      "apps/api/dist/main.mjs",
    ],
    {
      cwd: options.repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the API");
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + API_READY_TIMEOUT_MS;
  let ready = false;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) {
        ready = true;
        break;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  if (!ready) {
    await stopChild(child, 2_000);
    const tail = readFileSync(options.logFile, "utf8").split("\n").slice(-30).join("\n");
    throw new Error(`the API did not become ready (log ${options.logFile}):\n${tail}`);
  }
  // With several processes, wait (bounded) until every worker is up: /health answers as soon as one is.
  let pids = nodeProcessTree(pid);
  const expected = options.processes > 1 ? options.processes + 1 : 1;
  for (let i = 0; i < 100 && pids.length < expected; i++) {
    await sleep(100);
    pids = nodeProcessTree(pid);
  }
  return {
    baseUrl,
    pid,
    processes: options.processes,
    pids: () => nodeProcessTree(pid),
    stop: async () => {
      await stopChild(child, API_STOP_TIMEOUT_MS);
      log.end();
    },
  };
}

export function benchRunId(): string {
  return `b${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
}
