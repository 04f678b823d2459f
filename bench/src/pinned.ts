// The per-core view (issue 23): production runs the API on hosts of its own, so on this 2-core machine the
// `pinned` scenario gives Postgres one core and everything else the other. A private Postgres cluster (the
// machine's server is shared with other users, whose backends must not be pinned) runs under `taskset -c 0`,
// and a second bench run, under `taskset -c 1` with its API, Redis, load generator and physical-limit writer,
// measures the physical limit and the createPayment ramp against it: both with Postgres on that one core.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./infra";

const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
/** Kept between runs (the migrated template in it saves the migrations' ~15 s); /tmp is traversable by `postgres`. */
const CLUSTER_DIR = "/tmp/paycore-bench-pinned";
export const POSTGRES_CORE = "0";
export const API_CORE = "1";
/** The machine server's settings the private cluster copies, so that both limits run on the same configuration. */
const COPIED_SETTINGS = [
  "shared_buffers",
  "fsync",
  "synchronous_commit",
  "full_page_writes",
  "commit_delay",
  "wal_level",
  "wal_buffers",
  "max_wal_size",
  "checkpoint_timeout",
  "autovacuum",
  "work_mem",
  "max_connections",
];
const CHILD_TIMEOUT_MS = 15 * 60 * 1000;

/** Why the pinned view cannot run here, or null when it can. */
export function pinnedUnavailable(): string | null {
  if (availableParallelism() < 2) return "fewer than 2 cores";
  if (spawnSync("taskset", ["--version"]).status !== 0) return "no taskset (util-linux)";
  if (!existsSync(join(POSTGRES_BIN, "pg_ctl"))) return `no PostgreSQL 15 binaries in ${POSTGRES_BIN}`;
  return null;
}

export interface PinnedPostgres {
  adminUrl: string;
  /** The postmaster: its children are the cluster's processes (the only Postgres CPU the child run counts). */
  pid: number;
  settings: string;
  stop(): Promise<void>;
}

/** Runs as the `postgres` OS user when this process is root (Postgres refuses to run as root). */
function asPostgres(command: string[]): string[] {
  return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...command] : command;
}

function run(command: string[]): void {
  const [file, ...args] = command;
  const result = spawnSync(file as string, args, { encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(
      `${command.join(" ")} failed: ${result.stderr || result.stdout || result.error?.message}`,
    );
}

/** Starts the private cluster on core 0 with the machine server's settings (read from `settingsFromUrl`). */
export async function startPinnedPostgres(settingsFromUrl: string): Promise<PinnedPostgres> {
  const data = join(CLUSTER_DIR, "data");
  if (!existsSync(join(data, "PG_VERSION"))) {
    mkdirSync(CLUSTER_DIR, { recursive: true, mode: 0o755 });
    if (process.getuid?.() === 0) run(["chown", "postgres:postgres", CLUSTER_DIR]);
    run(
      asPostgres([join(POSTGRES_BIN, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8"]),
    );
  }
  const client = new pg.Client({ connectionString: settingsFromUrl });
  await client.connect();
  const settings = await client
    .query<{ name: string; value: string }>(
      "SELECT name, current_setting(name) AS value FROM pg_settings WHERE name = ANY($1) ORDER BY name",
      [COPIED_SETTINGS],
    )
    .finally(() => client.end());
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    `-k ${CLUSTER_DIR}`,
    "-c listen_addresses=127.0.0.1",
    ...settings.rows.map((row) => `-c ${row.name}=${row.value}`),
  ].join(" ");
  run(
    asPostgres([
      "taskset",
      "-c",
      POSTGRES_CORE,
      join(POSTGRES_BIN, "pg_ctl"),
      "-D",
      data,
      "-l",
      join(CLUSTER_DIR, "server.log"),
      "-w",
      "-o",
      serverOptions,
      "start",
    ]),
  );
  const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    pid,
    settings: settings.rows.map((row) => `${row.name}=${row.value}`).join(", "),
    async stop() {
      const [file, ...args] = asPostgres([
        join(POSTGRES_BIN, "pg_ctl"),
        "-D",
        data,
        "-m",
        "fast",
        "-w",
        "stop",
      ]);
      spawnSync(file as string, args);
    },
  };
}

export interface PinnedResult {
  /** createPayment's best ÷ the physical limit's best, both with Postgres on core 0 alone. */
  ratio: number | null;
  physicalBest: { throughput: number; concurrency: number; postgresCpuMsPerPayment: number } | null;
  createPaymentBest: {
    throughput: number;
    concurrency: number;
    apiCpuMsPerOp: number;
    pgCpuMsPerOp: number;
  } | null;
  checksPassed: boolean;
  resultFile: string | null;
  exitCode: number | null;
}

interface ChildResult {
  ratio: number | null;
  physical: {
    steps: Array<{
      variant: string;
      throughput: number;
      concurrency: number;
      postgresCpuMsPerPayment: number;
    }>;
  };
  api: {
    steps: Array<{
      name: string;
      throughput: number;
      concurrency: number;
      cpuMsPerOp: { api: number; postgres: number };
    }>;
  };
  checks: Array<{ ok: boolean }>;
}

/**
 * The second bench run, under `taskset -c 1`, against the pinned cluster: the physical limit and the
 * createPayment ramp, printed as it goes (indented), and its result.json read back.
 */
export async function runPinnedChild(options: {
  repoRoot: string;
  postgres: PinnedPostgres;
  args: string[];
}): Promise<PinnedResult> {
  const child = spawn(
    "taskset",
    [
      "-c",
      API_CORE,
      process.execPath,
      "--import",
      "tsx",
      join("bench", "src", "main.ts"),
      ...options.args,
      "--postgres-pid",
      String(options.postgres.pid),
    ],
    {
      cwd: options.repoRoot,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: options.postgres.adminUrl,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let resultFile: string | null = null;
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (line.trim() === "") continue;
      const match = /^results: (.+result\.json)$/.exec(line.trim());
      if (match) resultFile = join(options.repoRoot, match[1] as string);
      console.log(`  | ${line}`);
    }
  };
  child.stdout?.on("data", relay);
  child.stderr?.on("data", relay);
  const timer = setTimeout(() => child.kill("SIGTERM"), CHILD_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  clearTimeout(timer);
  const empty = { ratio: null, physicalBest: null, createPaymentBest: null, checksPassed: false };
  if (resultFile === null || !existsSync(resultFile)) return { ...empty, resultFile, exitCode };
  const result = JSON.parse(readFileSync(resultFile, "utf8")) as ChildResult;
  const physicalBest =
    result.physical.steps
      .filter((step) => step.variant === "one-transaction")
      .sort((a, b) => b.throughput - a.throughput)[0] ?? null;
  const createBest =
    result.api.steps
      .filter((step) => step.name === "createPayment")
      .sort((a, b) => b.throughput - a.throughput)[0] ?? null;
  return {
    ratio: result.ratio,
    physicalBest: physicalBest && {
      throughput: physicalBest.throughput,
      concurrency: physicalBest.concurrency,
      postgresCpuMsPerPayment: physicalBest.postgresCpuMsPerPayment,
    },
    createPaymentBest: createBest && {
      throughput: createBest.throughput,
      concurrency: createBest.concurrency,
      apiCpuMsPerOp: createBest.cpuMsPerOp.api,
      pgCpuMsPerOp: createBest.cpuMsPerOp.postgres,
    },
    checksPassed: result.checks.every((check) => check.ok),
    resultFile,
    exitCode,
  };
}
