// `npm run bench`: drives the real API under load and compares it with the database's own limit,
// measured in the same run on the same machine. See docs/benchmarks.md for what each figure means.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { parseKeyring } from "@paycore/core/vault/card-vault";
import { findRepoRoot } from "@paycore/db/database-url";
import pg from "pg";
import { type Check, runChecks, storagePerPayment } from "./checks";
import { createMerchants, createOnePayment } from "./fixtures";
import {
  type ApiProcess,
  type BenchDatabase,
  type BenchRedis,
  benchRunId,
  createBenchDatabase,
  generateSecrets,
  startApi,
  startRedis,
} from "./infra";
import { LoadClient } from "./load-client-process";
import {
  type BenchMerchant,
  type ParentMessage,
  SLOW_REQUEST_MS,
  type StepResult,
  type StepSpec,
} from "./load-protocol";
import {
  countPostgresOf,
  type EventLoopDelay,
  type MemoryUsage,
  Probes,
  type StepUsage,
  watch,
} from "./monitor";
import {
  capturePaymentTemplate,
  countLockedRelations,
  type LockCount,
  type PhysicalResult,
  type PhysicalVariant,
  runPhysical,
  VARIANT_DESCRIPTIONS,
} from "./physical-limit";
import {
  API_CORE,
  type PinnedResult,
  POSTGRES_CORE,
  pinnedUnavailable,
  runPinnedChild,
  startPinnedPostgres,
} from "./pinned";
import { type ProfileSummary, printProfileSummary, summarizeProfile } from "./profile-summary";
import { fmt, heading, progress, table } from "./report";
import { samplePostgres, sampleWorkerPasses, timelineTable } from "./timeline";

const SCENARIOS = [
  "physical",
  "ramp",
  "latency",
  "hot",
  "replay",
  "refund",
  "read",
  "processes",
  "pinned",
  "soak",
] as const;
type Scenario = (typeof SCENARIOS)[number];
/** `all` is every scenario but the soak, which takes --soak-minutes on its own. */
const DEFAULT_SCENARIOS = SCENARIOS.filter((s) => s !== "soak");
/** RSS may end the soak this much above where its first minute ended (allocator and JIT noise). */
const SOAK_GROWTH_TOLERANCE = 0.1;
/** A run that takes longer than this is stuck: it is stopped and cleaned up. */
const RUN_TIMEOUT_MS = 30 * 60 * 1000;
/** "other CPU" plus steal (percent of a core) above which a step is reported as disturbed by other load. */
const DISTURBED_OTHER_CPU = 25;
/** Alternating slices of the hot-merchant comparison (each side runs --duration in total). */
const HOT_SLICES = 5;
/** Alternating slices of the 1-process vs several-processes comparison. */
const PROCESS_SLICES = 5;
/** Cards per merchant: the fraud rules decline a card used more than 3 times in 10 minutes. */
const CARDS_PER_MERCHANT = 200;
/** A soak runs long enough to reuse cards: enough that none is used 3 times in 10 minutes at ~500/s. */
const SOAK_CARDS_PER_MERCHANT = 2000;
const HOT_MERCHANT_CARDS = 5000;

const HELP = `npm run bench -- [options]

  --duration <s>        seconds per measured step (default 5)
  --concurrency <list>  in-flight requests per ramp step (default 1,4,16,64)
  --scenarios <list>    any of ${SCENARIOS.join(",")} (default: all = all but soak)
  --soak-minutes <n>    length of the soak scenario: createPayment at the knee, one step per minute (default 10)
  --merchants <n>       regular merchants (default 100), plus one hot merchant
  --processes <n>       API processes for the multi-process scenario (default 2)
  --pool <n>            DATABASE_POOL_MAX per API process (default: the product's, 10)
  --group-commit <on|off>  DATABASE_GROUP_COMMIT for the API (default: the product's, on)
  --group-window <ms>   DATABASE_GROUP_COMMIT_WINDOW_MS for the API, 0-10 (default: the product's)
  --api-key-cache <on|off>  the API's key cache (off: API_KEY_CACHE_TTL_MS=0; default: the product's, on)
  --physical-merchants <n>  also measure the physical limit with its copies spread over n merchants in turn,
                        alternating with one merchant at each level (default 1: one merchant only)
  --rate <n>            the latency scenario's fixed arrival rate in createPayment/s (open loop), instead of
                        half the ramp's best: the same load for runs that change one thing (default: half)
  --postgres-pid <pid>  count only this postmaster's processes as Postgres (the pinned view's own cluster)
  --warmup <s>          warm-up seconds before measuring (default 3)
  --profile             also CPU-profile the API during one createPayment step and summarise it
  --keep-database       keep the bench database afterwards (its name is printed) to inspect it
  --help

Starts what it needs (a fresh database on DATABASE_URL's server, else 127.0.0.1:5432, else an
embedded Postgres; a private Redis unless REDIS_URL is set; the API with the in-process sandbox
PSP), prints tables, and writes results/<time>/result.json.`;

interface Options {
  durationMs: number;
  concurrency: number[];
  scenarios: Set<Scenario>;
  merchants: number;
  processes: number;
  poolMax: number | null;
  groupCommit: "on" | "off" | undefined;
  groupWindowMs: number | null;
  apiKeyCache: "on" | "off" | undefined;
  physicalMerchants: number;
  ratePerSecond: number | null;
  postgresPid: number | null;
  warmupMs: number;
  profile: boolean;
  keepDatabase: boolean;
  soakMinutes: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "5" },
      concurrency: { type: "string", default: "1,4,16,64" },
      scenarios: { type: "string", default: "all" },
      merchants: { type: "string", default: "100" },
      processes: { type: "string", default: "2" },
      pool: { type: "string" },
      "group-commit": { type: "string" },
      "group-window": { type: "string" },
      "api-key-cache": { type: "string" },
      "physical-merchants": { type: "string", default: "1" },
      rate: { type: "string" },
      "postgres-pid": { type: "string" },
      warmup: { type: "string", default: "3" },
      profile: { type: "boolean", default: false },
      "keep-database": { type: "boolean", default: false },
      "soak-minutes": { type: "string", default: "10" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const number = (name: string, text: string, min: number, max: number) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new Error(`--${name} must be ${min}..${max}`);
    return value;
  };
  const concurrency = values.concurrency.split(",").map((c) => number("concurrency", c.trim(), 1, 512));
  const scenarios =
    values.scenarios === "all"
      ? new Set<Scenario>(DEFAULT_SCENARIOS)
      : new Set(
          values.scenarios.split(",").map((s) => {
            const name = s.trim() as Scenario;
            if (!SCENARIOS.includes(name))
              throw new Error(`unknown scenario ${s}; known: ${SCENARIOS.join(", ")}`);
            return name;
          }),
        );
  return {
    durationMs: number("duration", values.duration, 1, 600) * 1000,
    concurrency,
    scenarios,
    merchants: Math.round(number("merchants", values.merchants, 1, 10_000)),
    processes: Math.round(number("processes", values.processes, 2, 64)),
    poolMax: values.pool === undefined ? null : Math.round(number("pool", values.pool, 1, 200)),
    groupCommit: parseOnOff("group-commit", values["group-commit"]),
    groupWindowMs:
      values["group-window"] === undefined
        ? null
        : Math.round(number("group-window", values["group-window"], 0, 10)),
    apiKeyCache: parseOnOff("api-key-cache", values["api-key-cache"]),
    physicalMerchants: Math.round(number("physical-merchants", values["physical-merchants"], 1, 1_000)),
    ratePerSecond: values.rate === undefined ? null : number("rate", values.rate, 1, 100_000),
    postgresPid:
      values["postgres-pid"] === undefined
        ? null
        : Math.round(number("postgres-pid", values["postgres-pid"], 1, 2 ** 22)),
    warmupMs: number("warmup", values.warmup, 0, 600) * 1000,
    profile: values.profile,
    keepDatabase: values["keep-database"],
    soakMinutes: Math.round(number("soak-minutes", values["soak-minutes"], 1, 25)),
  };
}

/** The per-core view's ratio: Postgres on one core, the API on the other. */
function pinnedTarget(pinned: PinnedResult | null, skipped: string | null): Target {
  const name = "createPayment vs physical limit (Postgres on 1 core, API on the other)";
  if (pinned === null || pinned.ratio === null || !pinned.physicalBest || !pinned.createPaymentBest)
    return { name, target: "≥ 50%", measured: skipped ? `skipped: ${skipped}` : "not measured", met: null };
  const { physicalBest, createPaymentBest } = pinned;
  return {
    name,
    target: "≥ 50%",
    measured: `${(pinned.ratio * 100).toFixed(1)}% (${fmt.rate(createPaymentBest.throughput)}/s c=${createPaymentBest.concurrency} vs ${fmt.rate(physicalBest.throughput)}/s c=${physicalBest.concurrency}; API ${fmt.ms(createPaymentBest.apiCpuMsPerOp)} ms, PG ${fmt.ms(createPaymentBest.pgCpuMsPerOp)} ms per payment; checks ${pinned.checksPassed ? "pass" : "FAIL"})`,
    met: pinned.ratio >= 0.5 && pinned.checksPassed,
  };
}

/** The API's group commit counters (its /metrics, loopback), as one line; null when it is off. */
async function groupCommitFigures(baseUrl: string): Promise<string | null> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    const alone = value(/^paycore_db_group_commit_flushes\{[^}]*kind="alone"[^}]*\} (\d+)/m);
    const groups = value(/^paycore_db_group_commit_flushes\{[^}]*kind="group"[^}]*\} (\d+)/m);
    const fallbacks = value(/^paycore_db_group_commit_flushes\{[^}]*kind="fallback"[^}]*\} (\d+)/m);
    const grouped = value(/^paycore_db_group_commit_grouped_statements\{[^}]*\} (\d+)/m);
    // Absent before the coalescing window existed: read as none.
    const windows = value(/^paycore_db_group_commit_windows\{[^}]*\} (\d+)/m);
    if (![alone, groups, fallbacks, grouped].every(Number.isFinite)) return null;
    const statements = alone + grouped;
    return `${statements} write statements in ${alone + groups} commits (${alone} alone, ${grouped} in ${groups} groups of ${(grouped / Math.max(1, groups)).toFixed(1)} on average; ${fallbacks} groups rerun one by one; ${Number.isFinite(windows) ? windows : 0} held open by the window)`;
  } catch {
    return null;
  }
}

function parseOnOff(name: string, value: string | undefined): "on" | "off" | undefined {
  if (value === undefined || value === "on" || value === "off") return value;
  throw new Error(`--${name} must be on or off`);
}

interface ApiStep extends StepResult {
  processes: number;
  usage: StepUsage;
  eventLoop: EventLoopDelay[];
  /** At the end of the step. */
  memory: MemoryUsage[];
  /** WAL the server wrote per operation (server-wide: other users of a shared server add to it). */
  walBytesPerOp: number;
  /**
   * Blocks the bench's database read from outside shared_buffers per operation (autovacuum included): grows
   * when what the statements touch outgrows the buffer cache (docs/benchmarks.md, "What grows as the tables
   * grow").
   */
  blocksReadPerOp: number;
  /** Transactions the bench database committed per operation (pg_stat_database.xact_commit): group commit lowers it. */
  commitsPerOp: number;
  /** WAL flushes (pg_stat_wal.wal_sync, the whole server's: other databases' included) per operation. */
  walSyncsPerOp: number;
  /**
   * Read and write system calls per operation: the API's (every API process of the step set, per operation of
   * the set when steps run side by side) and Redis's.
   */
  syscallsPerOp: { api: number; redis: number };
  /** CPU milliseconds per successful operation. */
  cpuMsPerOp: { api: number; postgres: number; redis: number; server: number };
}

/** A physical limit after the API steps further than this from the first one says the host's speed moved. */
const HOST_DRIFT = 0.15;

/** A slow request counts as behind a major collection when it was scheduled this close to one's start. */
const GC_WINDOW_BEFORE_MS = 300;
const GC_WINDOW_AFTER_MS = 400;

/** What the open-loop step's slow requests coincided with. */
interface LatencyTail {
  slowRequests: number;
  /** Major collections of the API that began during the step. */
  majorGcs: number;
  /** Slow requests scheduled from GC_WINDOW_BEFORE_MS before a major collection to GC_WINDOW_AFTER_MS after. */
  nearMajorGc: number;
  /** Of the others, those scheduled in a second when the host took at least STEAL_BURST of a core (steal). */
  duringSteal: number;
  /** Seconds of the step with that much steal, and seconds sampled. */
  stolenSeconds: number;
  seconds: number;
  /** The slowest of the rest, in ms (0 when there are none). */
  slowestOther: number;
}

/** Steal (percent of a core over a second) from which the requests of that second count as delayed by it. */
const STEAL_BURST = 10;

/**
 * Sorts the step's slow requests into those near one of the API's major collections and the rest. A collection
 * delays the requests in flight through its marking (concurrent, ~100 ms of wall time on two shared cores) and
 * its pause, and the queue it leaves behind drains for a while after: hence the window around its start.
 */
function attributeTail(
  step: StepResult,
  gcs: Array<[number, number]>,
  stealBySecond: Array<[number, number]>,
): LatencyTail {
  const first = step.slow.reduce((min, [at]) => Math.min(min, at), Number.POSITIVE_INFINITY);
  const stepStart = Math.min(first, Date.now() - step.elapsedMs);
  const during = gcs.filter(([start]) => start >= stepStart - GC_WINDOW_AFTER_MS);
  const near = (at: number) =>
    during.some(([start]) => at >= start - GC_WINDOW_BEFORE_MS && at <= start + GC_WINDOW_AFTER_MS);
  const others = step.slow.filter(([at]) => !near(at));
  const stolen = (at: number) =>
    stealBySecond.some(([start, steal]) => steal >= STEAL_BURST && at >= start && at < start + 1000);
  const rest = others.filter(([at]) => !stolen(at));
  return {
    slowRequests: step.slow.length,
    majorGcs: during.filter(([start]) => start >= stepStart).length,
    nearMajorGc: step.slow.length - others.length,
    duringSteal: others.length - rest.length,
    stolenSeconds: stealBySecond.filter(([, steal]) => steal >= STEAL_BURST).length,
    seconds: stealBySecond.length,
    slowestOther: rest.reduce((max, [, ms]) => Math.max(max, ms), 0),
  };
}

function tailLine(tail: LatencyTail): string {
  return (
    `requests over ${SLOW_REQUEST_MS} ms: ${tail.slowRequests}, of them ${tail.nearMajorGc} within ` +
    `${GC_WINDOW_BEFORE_MS} ms before to ${GC_WINDOW_AFTER_MS} ms after one of the API's ${tail.majorGcs} major ` +
    `collections in the step, ${tail.duringSteal} more in a second when the host gave at least ${STEAL_BURST}% of a ` +
    `core to other guests (steal: ${tail.stolenSeconds} of the step's ${tail.seconds} seconds); the slowest of the ` +
    `rest ${fmt.ms(tail.slowestOther)} ms`
  );
}

/** How long the open loop waits at most for the background backlog of the steps before it. */
const BACKLOG_WAIT_MS_MAX = 30_000;
const BACKLOG_POLL_MS = 200;

interface Backlog {
  outbox: number;
  chain: number;
}

/** Polls (bounded) until the outbox relay and the chain sealer have nothing left from earlier steps. */
async function waitForBackgroundBacklog(
  client: pg.Client,
): Promise<{ initial: Backlog; last: Backlog; drained: boolean; waitedMs: number }> {
  const read = async (): Promise<Backlog> => {
    const { rows } = await client.query<{ outbox: string; chain: string }>(
      `SELECT (SELECT count(*) FROM outbox_messages WHERE published_at IS NULL)::text AS outbox,
              (SELECT count(*) FROM journal_entries e, chain_heads h
                WHERE h.stream = 'journal' AND e.txid >= h.last_txid
                  AND (e.txid > h.last_txid OR e.id COLLATE "C" > h.last_row_id COLLATE "C"))::text AS chain`,
    );
    return { outbox: Number(rows[0]?.outbox ?? 0), chain: Number(rows[0]?.chain ?? 0) };
  };
  const started = Date.now();
  const initial = await read();
  let last = initial;
  while (last.outbox + last.chain > 0 && Date.now() - started < BACKLOG_WAIT_MS_MAX) {
    await sleep(BACKLOG_POLL_MS);
    last = await read();
  }
  return { initial, last, drained: last.outbox + last.chain === 0, waitedMs: Date.now() - started };
}

/** pg_class.relkind, spelled out for the lock counts. */
const RELATION_KINDS: Record<string, string> = {
  r: "tables",
  p: "partitioned tables",
  i: "indexes",
  I: "partitioned indexes",
  S: "sequences",
  v: "views",
};

interface PhysicalStep extends PhysicalResult {
  usage: StepUsage;
  postgresCpuMsPerPayment: number;
  /** WAL the server wrote per payment (server-wide: other users of a shared server add to it). */
  walBytesPerOp: number;
}

/** RSS at the end of the soak's last minute against the end of its first (the first minute warms up). */
function soakTarget(soak: ApiStep[]): Target {
  const endRss = (step: ApiStep | undefined) => step?.memory[0]?.rss ?? 0;
  const first = endRss(soak[0]);
  const last = endRss(soak[soak.length - 1]);
  const peak = Math.max(...soak.map((s) => s.usage.apiRssPeakMb));
  const heapUsed = soak.map((s) => s.memory[0]?.heapUsed ?? 0);
  return {
    name: `no growth over a ${soak.length}-minute soak (RSS at the end of minute 1 vs ${soak.length})`,
    target: `≤ +${SOAK_GROWTH_TOLERANCE * 100}%, < 300 MB`,
    measured: `${fmt.mb(first)} → ${fmt.mb(last)} MB (peak ${fmt.mb(peak)}; heap used ${heapUsed.join(", ")} MB)`,
    met: last <= first * (1 + SOAK_GROWTH_TOLERANCE) && peak < 300,
  };
}

interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const repoRoot = findRepoRoot();
  const runId = benchRunId();
  const startedAt = new Date();
  const outDir = join(repoRoot, "results", startedAt.toISOString().replace(/[:.]/g, "-").slice(0, 19));
  const probeDir = join(outDir, "probes");
  mkdirSync(probeDir, { recursive: true });
  const probes = new Probes(probeDir);
  const seconds = options.durationMs / 1000;
  const has = (scenario: Scenario) => options.scenarios.has(scenario);
  if (options.postgresPid !== null) countPostgresOf(options.postgresPid);

  const cleanups: Array<() => Promise<void>> = [];
  let cleaning: Promise<void> | null = null;
  const cleanup = () => {
    cleaning ??= (async () => {
      for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error(error));
    })();
    return cleaning;
  };
  process.once("SIGINT", () => {
    console.error("\ninterrupted: cleaning up");
    void cleanup().then(() => process.exit(130));
  });
  setTimeout(() => {
    console.error(`the run exceeded ${RUN_TIMEOUT_MS / 60000} min: stopping`);
    void cleanup().then(() => process.exit(1));
  }, RUN_TIMEOUT_MS).unref();

  try {
    heading(`paycore bench ${runId}`);
    const machine = {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: availableParallelism(),
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    };
    const source = sourceVersion(repoRoot);
    console.log(
      `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
        `${seconds} s per step, concurrency ${options.concurrency.join(",")}; code ${source.commit}${source.dirty ? " + uncommitted changes" : ""}`,
    );

    // 1. What it needs.
    const database: BenchDatabase = await createBenchDatabase();
    cleanups.push(() => (options.keepDatabase ? database.release() : database.drop()));
    const redis: BenchRedis = await startRedis();
    cleanups.push(() => redis.stop());
    const postgres = await postgresInfo(database.url);
    progress(`postgres: ${postgres.version} on ${database.server}, database ${database.name}`);
    progress(`          ${postgres.settings}`);
    progress(`redis:    ${redis.description}`);
    const monitorClient = new pg.Client({ connectionString: database.url });
    await monitorClient.connect();
    cleanups.push(() => monitorClient.end());
    const foreignBackends = async () => {
      const result = await monitorClient.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname IS DISTINCT FROM current_database()",
      );
      return new Set(result.rows.map((row) => row.pid));
    };
    const walPosition = async () =>
      (await monitorClient.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn")).rows[0]?.lsn ??
      "0/0";
    const walSince = async (lsn: string) =>
      Number(
        (
          await monitorClient.query<{ bytes: string }>(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes",
            [lsn],
          )
        ).rows[0]?.bytes ?? 0,
      );
    const blocksRead = async () =>
      Number(
        (
          await monitorClient.query<{ blocks: string }>(
            "SELECT blks_read::text AS blocks FROM pg_stat_database WHERE datname = current_database()",
          )
        ).rows[0]?.blocks ?? 0,
      );
    // Also counts the monitor's own reads (a few per step): noise against thousands of payments.
    const commitCount = async () =>
      Number(
        (
          await monitorClient.query<{ commits: string }>(
            "SELECT xact_commit::text AS commits FROM pg_stat_database WHERE datname = current_database()",
          )
        ).rows[0]?.commits ?? 0,
      );
    const walSyncCount = async () =>
      Number(
        (await monitorClient.query<{ syncs: string }>("SELECT wal_sync::text AS syncs FROM pg_stat_wal"))
          .rows[0]?.syncs ?? 0,
      );
    const secrets = generateSecrets();
    let apiLogCount = 0;
    const launchApi = async (processes: number): Promise<ApiProcess> => {
      const started = await startApi({
        repoRoot,
        databaseUrl: database.url,
        redisUrl: redis.url,
        secrets,
        processes,
        poolMax: options.poolMax,
        ...(options.groupCommit ? { groupCommit: options.groupCommit } : {}),
        ...(options.groupWindowMs === null ? {} : { groupWindowMs: options.groupWindowMs }),
        ...(options.apiKeyCache ? { apiKeyCache: options.apiKeyCache } : {}),
        probeDir,
        logFile: join(outDir, `api-${++apiLogCount}.log`),
      });
      cleanups.push(() => started.stop());
      await probes.waitFor(started.pids(), 10_000);
      return started;
    };
    const api = await launchApi(1);
    const idleMemory = (await probes.memory([api.pid]))[0] ?? null;
    progress(
      `api:      ${api.baseUrl} (pid ${api.pid}, 1 process, sandbox PSP in-process, latency 0; idle RSS ${idleMemory?.rss ?? "?"} MB)`,
    );

    const cardsPerMerchant = options.scenarios.has("soak") ? SOAK_CARDS_PER_MERCHANT : CARDS_PER_MERCHANT;
    const fixtures = await createMerchants({
      databaseUrl: database.url,
      baseUrl: api.baseUrl,
      runId,
      count: options.merchants,
      physicalCount: options.scenarios.has("physical") ? options.physicalMerchants : 1,
      cardsPerMerchant,
      hotCards: HOT_MERCHANT_CARDS,
      vault: parseKeyring({
        encryptionKeys: secrets.VAULT_ENCRYPTION_KEYS,
        fingerprintKey: secrets.VAULT_FINGERPRINT_KEY,
      }),
    });
    progress(
      `merchants: ${options.merchants} regular (${cardsPerMerchant} cards each), 1 hot (${HOT_MERCHANT_CARDS} cards), 1 for the physical limit`,
    );

    // 2. The physical limit.
    const physical: PhysicalStep[] = [];
    let physicalCommitted = 0;
    let physicalBest: PhysicalStep | null = null;
    let measurePhysical: ((variant: PhysicalVariant, concurrency: number) => Promise<PhysicalStep>) | null =
      null;
    let templateRows: Record<string, number> = {};
    const lockCounts: LockCount[] = [];
    if (has("physical")) {
      const paymentId = await createOnePayment(api.baseUrl, fixtures.raw, `${runId}-physical-template`);
      physicalCommitted += 1;
      const template = await capturePaymentTemplate(database.url, paymentId);
      templateRows = template.rowCounts;
      heading("physical limit: the rows of one automatic-capture payment, straight to Postgres");
      console.log(
        `rows per payment (read from ${paymentId}): ${Object.entries(template.rowCounts)
          .map(([t, n]) => `${t} ${n}`)
          .join(", ")}; ledger_accounts already exist`,
      );
      const runTag = randomBytes(2).toString("hex");
      // Relations locked per transaction (issue 23): past a backend's 16 fast-path slots every further lock
      // goes through the shared lock manager. Each count commits one copy.
      for (const variant of ["one-transaction", "api-shaped"] as const) {
        const count = await countLockedRelations(database.url, template, variant, runTag);
        physicalCommitted += 1;
        lockCounts.push(count);
        for (const [index, transaction] of count.transactions.entries()) {
          console.log(
            `  locks: ${variant} transaction ${index + 1}: ${transaction.relations} relations (${transaction.fastPath} fast path; ${Object.entries(
              transaction.byKind,
            )
              .map(([kind, n]) => `${RELATION_KINDS[kind] ?? kind} ${n}`)
              .join(", ")})`,
          );
        }
      }
      // With --physical-merchants n, one payment of each of the n merchants is copied in turn.
      const spreadTemplates = [template];
      for (const [index, merchant] of fixtures.physical.slice(1).entries()) {
        const id = await createOnePayment(api.baseUrl, merchant, `${runId}-physical-template-${index + 2}`);
        physicalCommitted += 1;
        spreadTemplates.push(await capturePaymentTemplate(database.url, id));
      }
      const measure = async (variant: PhysicalVariant, concurrency: number, merchants = 1) => {
        const walBefore = await walPosition();
        const { usage, ...result } = await runPhysical({
          databaseUrl: database.url,
          templates: spreadTemplates.slice(0, merchants),
          variant,
          concurrency,
          durationMs: options.durationMs,
          runTag,
          // The writer runs in this process: its CPU shows as the client's.
          watch: () => watch({ apiPids: [], loadClientPid: process.pid, redisPid: null, foreignBackends }),
        });
        physicalCommitted += result.payments;
        const walBytes = await walSince(walBefore);
        const step: PhysicalStep = {
          ...result,
          usage,
          walBytesPerOp: walBytes / Math.max(1, result.payments),
          postgresCpuMsPerPayment:
            (usage.cpu.postgres * 10 * (usage.elapsedMs / 1000)) / Math.max(1, result.payments),
        };
        console.log(
          `  ${variant.padEnd(15)} ${`${merchants} merch.`.padStart(11)} c=${String(concurrency).padStart(3)}  ${fmt.rate(step.throughput).padStart(6)} payments/s  p50 ${fmt.ms(step.latencyMs.p50)} ms  p99 ${fmt.ms(step.latencyMs.p99)} ms  errors ${step.errorCount}  CPU postgres ${fmt.pct(usage.cpu.postgres)} (${fmt.ms(step.postgresCpuMsPerPayment)} ms/payment) writer ${fmt.pct(usage.cpu.loadClient)} other ${fmt.pct(usage.cpu.other)} steal ${fmt.pct(usage.cpu.steal)}`,
        );
        return step;
      };
      measurePhysical = measure;
      for (const variant of ["one-transaction", "api-shaped"] as const) {
        // One connection tells nothing new about the three-transaction shape; skip it to save time.
        const levels =
          variant === "api-shaped" ? options.concurrency.filter((c) => c > 1) : options.concurrency;
        for (const concurrency of levels.length > 0 ? levels : options.concurrency) {
          const step = await measure(variant, concurrency);
          physical.push(step);
          if (variant === "one-transaction" && (!physicalBest || step.throughput > physicalBest.throughput))
            physicalBest = step;
          // The same level over many merchants right after, so that both halves of the pair see the same host.
          if (variant === "one-transaction" && spreadTemplates.length > 1)
            physical.push(await measure(variant, concurrency, spreadTemplates.length));
        }
      }
      // Tens of thousands of rows just landed in every payment table. Vacuumed and analyzed now, they are not
      // vacuumed by autovacuum in the middle of a later API step (it had doubled the WAL per payment of a
      // half-load step and put a burst of slow requests in it).
      const vacuumStartedMs = Date.now();
      await monitorClient.query("VACUUM (ANALYZE)");
      progress(
        `vacuumed and analyzed the physical limit's rows in ${((Date.now() - vacuumStartedMs) / 1000).toFixed(1)} s`,
      );
    }

    // 3. The API under load, from a separate process.
    const configure = (): ParentMessage => ({
      type: "configure",
      baseUrl: api.baseUrl,
      runId,
      merchants: fixtures.merchants,
      hot: fixtures.hot,
    });
    const client = await LoadClient.start(repoRoot, configure());
    cleanups.push(async () => client.stop());
    const apiSteps: ApiStep[] = [];
    /**
     * Runs steps, each against its API (interleaved in slices when several), and reports each. Postgres
     * CPU and WAL are shared by the set; API CPU, RSS and event-loop delay are each step's own API's.
     */
    const runApiSteps = async (
      targets: Array<{ spec: StepSpec; api: ApiProcess }>,
      slices: number,
      quiet = false,
    ): Promise<ApiStep[]> => {
      const pidsOf = targets.map((target) => target.api.pids());
      const pids = [...new Set(pidsOf.flat())];
      await probes.resetEventLoop(pids);
      const watcher = await watch({
        apiPids: pids,
        loadClientPid: client.child.pid ?? null,
        redisPid: redis.pid,
        foreignBackends,
      });
      const walBefore = await walPosition();
      const blocksBefore = await blocksRead();
      const commitsBefore = await commitCount();
      const walSyncsBefore = await walSyncCount();
      const specs = targets.map((target) => ({ ...target.spec, baseUrl: target.api.baseUrl }));
      const results =
        specs.length === 1
          ? [await client.run(specs[0] as StepSpec)]
          : await client.runInterleaved(specs, slices);
      const usage = await watcher.stop();
      const walBytes = await walSince(walBefore);
      // Backends report their block counts when a transaction ends, at most once a second when busy.
      const blocks = (await blocksRead()) - blocksBefore;
      const commits = (await commitCount()) - commitsBefore;
      const walSyncs = (await walSyncCount()) - walSyncsBefore;
      const eventLoop = await probes.eventLoop(pids);
      const memory = await probes.memory(pids);
      const ok = results.reduce((sum, result) => sum + result.ok, 0);
      const seconds = usage.elapsedMs / 1000;
      return results.map((result, i) => {
        const own = new Set(pidsOf[i]);
        const apiCpu = usage.cpu.apiProcesses
          .filter((p) => own.has(p.pid))
          .reduce((sum, p) => sum + p.cpu, 0);
        const apiRss = Object.entries(usage.rssPeakByPid)
          .filter(([pid]) => own.has(Number(pid)))
          .reduce((sum, [, rss]) => sum + rss, 0);
        const shared = (percent: number) => (percent * 10 * seconds) / Math.max(1, ok);
        // Steps that share an API share its CPU: per operation, over all of their operations.
        const apiOk = results
          .filter((_, j) => targets[j]?.api === targets[i]?.api)
          .reduce((sum, r) => sum + r.ok, 0);
        const ownApi = (apiCpu * 10 * seconds) / Math.max(1, apiOk);
        const step: ApiStep = {
          ...result,
          processes: targets[i]?.api.processes ?? 1,
          usage: {
            ...usage,
            apiRssPeakMb: targets.length === 1 ? usage.apiRssPeakMb : apiRss,
            cpu: { ...usage.cpu, api: apiCpu },
          },
          walBytesPerOp: walBytes / Math.max(1, ok),
          blocksReadPerOp: blocks / Math.max(1, ok),
          commitsPerOp: commits / Math.max(1, ok),
          walSyncsPerOp: walSyncs / Math.max(1, ok),
          syscallsPerOp: {
            // Steps run side by side share the count: per operation of them all, like Postgres's CPU.
            api: usage.syscalls.api / Math.max(1, ok),
            redis: usage.syscalls.redis / Math.max(1, ok),
          },
          eventLoop: eventLoop.filter((e) => own.has(e.pid)),
          memory: memory.filter((m) => own.has(m.pid)),
          cpuMsPerOp: {
            api: ownApi,
            postgres: shared(usage.cpu.postgres),
            redis: shared(usage.cpu.redis),
            server: ownApi + shared(usage.cpu.postgres + usage.cpu.redis),
          },
        };
        if (!quiet) {
          apiSteps.push(step);
          console.log(stepLine(step));
        }
        return step;
      });
    };
    const runApiStep = async (spec: StepSpec, quiet = false, target = api): Promise<ApiStep> =>
      (await runApiSteps([{ spec, api: target }], 1, quiet))[0] as ApiStep;
    const warmups: ApiStep[] = [];
    const warmup = async (target = api) => {
      if (options.warmupMs <= 0) return;
      // Every API process compiles its hot code on its own: warm each as long as a single one.
      for (const spec of [
        {
          name: "warmup",
          merchants: "many",
          concurrency: 8,
          durationMs: options.warmupMs * target.processes,
        },
        { name: "warmup hot merchant", merchants: "hot", concurrency: 4, durationMs: 500 },
      ] as const) {
        const step = await runApiStep({ ...spec, operation: "createPayment" }, true, target);
        warmups.push(step);
        console.log(stepLine(step));
      }
    };

    heading(`API: createPayment (automatic capture, fresh key each), ${options.merchants} merchants`);
    await warmup();
    const create = (name: string, concurrency: number, merchants: "many" | "hot" = "many"): StepSpec => ({
      name,
      operation: "createPayment",
      merchants,
      concurrency,
      durationMs: options.durationMs,
    });
    const ramp: ApiStep[] = [];
    if (has("ramp")) {
      for (const concurrency of options.concurrency)
        ramp.push(await runApiStep(create("createPayment", concurrency)));
    }
    const groupCommit = ramp.length > 0 ? await groupCommitFigures(api.baseUrl) : null;
    if (groupCommit) console.log(`  group commit over the ramp and warm-up: ${groupCommit}`);
    const best = ramp.reduce<ApiStep | null>(
      (a, b) => (a === null || b.throughput > a.throughput ? b : a),
      null,
    );
    // Scenarios run at the knee: the lowest concurrency within 5% of the best throughput. Beyond it
    // requests only queue, which adds latency to every figure and throughput to none.
    const knee = best ? ramp.find((step) => step.throughput >= best.throughput * 0.95) : undefined;
    const bestConcurrency = knee?.concurrency ?? Math.max(...options.concurrency);

    let latencyStep: ApiStep | null = null;
    let latencyTail: LatencyTail | null = null;
    /** The ramp's best step's payments over its time plus the drain of the background backlog after it. */
    let rampBestSustained: number | null = null;
    let latencyTimeline: Parameters<typeof timelineTable>[0] | null = null;
    if (has("latency") && (best || options.ratePerSecond !== null)) {
      const rate = options.ratePerSecond ?? Math.max(1, (best?.throughput ?? 2) / 2);
      heading(
        options.ratePerSecond === null
          ? `API: open loop at half the best throughput (${fmt.rate(rate)}/s)`
          : `API: open loop at the fixed rate of --rate (${fmt.rate(rate)}/s)`,
      );
      // The steps before (a saturating ramp, the physical limit's copies, the warm-up) leave the API's outbox
      // relay and chain sealer a backlog that they drain back to back: the half-load step measures the steady
      // state, so it starts once both are drained (bounded), and says what it waited for.
      const backlog = await waitForBackgroundBacklog(monitorClient);
      // When the best step ended the ramp, the backlog is what it (and the steps before) left: charging the
      // whole drain to it gives the throughput it sustains with its background work paid.
      if (best && best === ramp.at(-1)) {
        rampBestSustained = best.ok / ((best.elapsedMs + backlog.waitedMs) / 1000);
      }
      progress(
        `background backlog before the open loop: ${backlog.initial.outbox} unpublished outbox rows, ${backlog.initial.chain} unsealed journal entries; ` +
          (backlog.drained
            ? `drained in ${(backlog.waitedMs / 1000).toFixed(1)} s`
            : `not drained after ${(backlog.waitedMs / 1000).toFixed(1)} s (${backlog.last.outbox} and ${backlog.last.chain} left): measured anyway`) +
          (rampBestSustained === null
            ? ""
            : `; the ramp's best with that drain counted: ${fmt.rate(rampBestSustained)}/s (burst ${fmt.rate(best?.throughput ?? 0)}/s)`),
      );
      const postgresSampler = await samplePostgres(database.url);
      const workerSampler = sampleWorkerPasses(api.baseUrl);
      latencyStep = await runApiStep({
        name: options.ratePerSecond === null ? "createPayment @ 50% of max" : "createPayment @ fixed rate",
        operation: "createPayment",
        merchants: "many",
        concurrency: 256,
        durationMs: options.durationMs,
        ratePerSecond: rate,
      });
      latencyTimeline = {
        latency: latencyStep.timeline,
        cpu: latencyStep.usage.cpuBySecond,
        api: await probes.timeline(api.pids()),
        postgres: await postgresSampler.stop(),
        workers: await workerSampler.stop(),
      };
      console.log(timelineTable(latencyTimeline));
      latencyTail = attributeTail(
        latencyStep,
        await probes.majorGcs(api.pids()),
        latencyStep.usage.stealBySecond,
      );
      console.log(`  ${tailLine(latencyTail)}`);
      const groupCommitSoFar = await groupCommitFigures(api.baseUrl);
      if (groupCommitSoFar) console.log(`  group commit since the API started: ${groupCommitSoFar}`);
    }
    heading(`API: scenarios at concurrency ${bestConcurrency}`);
    const scenario = async (name: Scenario, spec: StepSpec) => (has(name) ? runApiStep(spec) : null);
    // The hot merchant and the many merchants alternate in slices, so other load on the machine
    // weighs on both alike; CPU per operation is shared by the pair.
    const [hot, manyAgain] = has("hot")
      ? await runApiSteps(
          [
            { spec: create("createPayment, one hot merchant", bestConcurrency, "hot"), api },
            { spec: create("createPayment, many merchants (same time)", bestConcurrency), api },
          ],
          HOT_SLICES,
        )
      : [null, null];
    const replay = await scenario("replay", {
      name: "replay of existing keys",
      operation: "replay",
      merchants: "many",
      concurrency: bestConcurrency,
      durationMs: options.durationMs,
    });
    await scenario("refund", {
      name: "refundPayment (full)",
      operation: "refund",
      merchants: "many",
      concurrency: bestConcurrency,
      durationMs: options.durationMs,
    });
    const readStep = await scenario("read", {
      name: "read mix (payment by id / payments page)",
      operation: "read",
      merchants: "many",
      concurrency: bestConcurrency,
      durationMs: options.durationMs,
    });

    // With --profile, the read mix is profiled too (its own step, after the measured one): where a read's CPU goes.
    let readProfile: ProfileSummary | null = null;
    if (options.profile && has("read")) {
      heading(
        `API: CPU profile of the read mix at concurrency ${bestConcurrency} (profiler overhead included)`,
      );
      const file = join(outDir, "api-read.cpuprofile");
      await probes.call(api.pid, "/profile/start");
      await runApiStep({
        name: "read mix (profiled)",
        operation: "read",
        merchants: "many",
        concurrency: bestConcurrency,
        durationMs: options.durationMs,
      });
      await probes.call(api.pid, `/profile/stop?file=${encodeURIComponent(file)}`);
      readProfile = summarizeProfile(JSON.parse(readFileSync(file, "utf8")), 30);
      printProfileSummary(readProfile);
      console.log(`  profile: ${relative(repoRoot, file)} (open in Chrome DevTools or speedscope)`);
    }

    let profile: ProfileSummary | null = null;
    if (options.profile) {
      heading(
        `API: CPU profile of createPayment at concurrency ${bestConcurrency} (profiler overhead included)`,
      );
      const file = join(outDir, "api-createPayment.cpuprofile");
      await probes.call(api.pid, "/profile/start");
      await runApiStep(create("createPayment (profiled)", bestConcurrency));
      await probes.call(api.pid, `/profile/stop?file=${encodeURIComponent(file)}`);
      profile = summarizeProfile(JSON.parse(readFileSync(file, "utf8")), 30);
      printProfileSummary(profile);
      console.log(`  profile: ${relative(repoRoot, file)} (open in Chrome DevTools or speedscope)`);
    }

    const multi: ApiStep[] = [];
    if (has("processes")) {
      heading(
        `API: 1 process and ${options.processes} processes behind one port (API_PROCESSES=${options.processes}), side by side`,
      );
      // Both APIs run at once on the same database, and the load alternates between them in slices,
      // so whatever else the machine does weighs on both alike.
      const cluster = await launchApi(options.processes);
      progress(`api:      ${cluster.baseUrl} (pids ${cluster.pids().join(", ")})`);
      await warmup(cluster);
      // At the knee and at the highest concurrency: where one process saturates, and beyond.
      for (const concurrency of [...new Set([bestConcurrency, Math.max(...options.concurrency)])]) {
        const [, several] = await runApiSteps(
          [
            { spec: create("createPayment, 1 process (same time)", concurrency), api },
            { spec: create(`createPayment, ${options.processes} processes`, concurrency), api: cluster },
          ],
          PROCESS_SLICES,
        );
        if (several) multi.push(several);
      }
      await cluster.stop();
    }

    // The soak: does the API's memory settle or keep growing under steady load?
    const soak: ApiStep[] = [];
    if (has("soak")) {
      heading(
        `API: soak, createPayment at concurrency ${bestConcurrency} for ${options.soakMinutes} minutes`,
      );
      for (let minute = 1; minute <= options.soakMinutes; minute++) {
        soak.push(
          await runApiStep({ ...create(`soak, minute ${minute}`, bestConcurrency), durationMs: 60_000 }),
        );
      }
    }

    client.stop();
    await api.stop();

    // On a shared host the speed of the cores can halve within minutes (docs/benchmarks.md, "What grows as the
    // tables grow"), and the ratio compares steps minutes apart: the physical limit's best level once more,
    // after every API step, says how far it moved meanwhile.
    let physicalAtEnd: PhysicalStep | null = null;
    if (measurePhysical && physicalBest) {
      heading("physical limit again, after the API steps: how far the host's speed moved");
      physicalAtEnd = await measurePhysical("one-transaction", physicalBest.concurrency);
    }

    // 4. What must hold.
    heading("checks");
    const totals = client.totals;
    const checks: Check[] = await runChecks(database.url, {
      apiMerchantIds: [...fixtures.merchants, fixtures.hot].map((m: BenchMerchant) => m.id),
      physicalMerchantIds: fixtures.physical.map((m: BenchMerchant) => m.id),
      apiPayments: totals.paymentsCreated,
      physicalPayments: physicalCommitted,
      refunds: totals.refundsSucceeded,
    });
    for (const check of checks) console.log(`  ${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
    const storage = await storagePerPayment(database.url);
    console.log(
      `  disk per payment (${storage.payments} payments, tables and indexes): ${fmt.kb(storage.totalBytesPerPayment)} KB = ${Object.entries(
        storage.bytesPerPayment,
      )
        .sort((a, b) => b[1] - a[1])
        .map(([table, bytes]) => `${table} ${bytes} B`)
        .join(", ")}`,
    );

    // 4b. The per-core view: Postgres on one core, the API (and the load) on the other.
    let pinned: PinnedResult | null = null;
    let pinnedSkipped: string | null = null;
    if (has("pinned")) {
      heading(
        `per-core view: Postgres pinned to core ${POSTGRES_CORE}, API, Redis and load to core ${API_CORE}`,
      );
      pinnedSkipped = pinnedUnavailable();
      if (pinnedSkipped) {
        console.log(`  skipped: ${pinnedSkipped}`);
      } else {
        const pinnedPostgres = await startPinnedPostgres(database.url);
        cleanups.push(() => pinnedPostgres.stop());
        progress(
          `private cluster ${pinnedPostgres.adminUrl} (postmaster ${pinnedPostgres.pid}): ${pinnedPostgres.settings}`,
        );
        // The ramp's levels from 16 up, where both limits peak: the default run stays under ~4 minutes.
        const levels = options.concurrency.filter((c) => c >= 16);
        pinned = await runPinnedChild({
          repoRoot,
          postgres: pinnedPostgres,
          args: [
            "--scenarios",
            "physical,ramp",
            "--concurrency",
            (levels.length > 0 ? levels : options.concurrency).join(","),
            "--duration",
            String(seconds),
            "--warmup",
            String(options.warmupMs / 1000),
            "--merchants",
            String(options.merchants),
            ...(options.poolMax === null ? [] : ["--pool", String(options.poolMax)]),
            ...(options.groupCommit ? ["--group-commit", options.groupCommit] : []),
            ...(options.groupWindowMs === null ? [] : ["--group-window", String(options.groupWindowMs)]),
            ...(options.apiKeyCache ? ["--api-key-cache", options.apiKeyCache] : []),
          ],
        });
        await pinnedPostgres.stop();
      }
    }

    // 5. Summary.
    const allSteps = [...apiSteps];
    const errors = [...warmups, ...allSteps].reduce((sum, s) => sum + s.errorCount + s.notSent, 0);
    const oneProcess = allSteps.filter((s) => s.processes === 1);
    const rssPeak = Math.max(0, ...oneProcess.map((s) => s.usage.apiRssPeakMb));
    const multiRssPeak = Math.max(0, ...multi.map((s) => s.usage.apiRssPeakMb));
    const ratio = best && physicalBest ? best.throughput / physicalBest.throughput : null;

    heading("summary");
    const summaryRows: Array<Array<string | number>> = [];
    for (const p of physical) {
      summaryRows.push([
        `physical limit (${p.variant})`,
        p.concurrency,
        fmt.rate(p.throughput),
        fmt.ms(p.latencyMs.p50),
        fmt.ms(p.latencyMs.p95),
        fmt.ms(p.latencyMs.p99),
        p.errorCount,
        "-",
        "-",
        "-",
        fmt.pct(p.usage.cpu.postgres),
        fmt.pct(p.usage.cpu.other),
        fmt.pct(p.usage.cpu.steal),
        "-",
        fmt.ms(p.postgresCpuMsPerPayment),
        fmt.kb(p.walBytesPerOp),
      ]);
    }
    for (const s of allSteps) {
      summaryRows.push([
        s.name,
        s.ratePerSecond ? `${fmt.rate(s.ratePerSecond)}/s` : s.concurrency,
        fmt.rate(s.throughput),
        fmt.ms(s.latencyMs.p50),
        fmt.ms(s.latencyMs.p95),
        fmt.ms(s.latencyMs.p99),
        s.errorCount + s.notSent,
        fmt.mb(s.usage.apiRssPeakMb),
        eventLoopP99(s),
        fmt.pct(s.usage.cpu.api),
        fmt.pct(s.usage.cpu.postgres),
        fmt.pct(s.usage.cpu.other),
        fmt.pct(s.usage.cpu.steal),
        fmt.ms(s.cpuMsPerOp.api),
        fmt.ms(s.cpuMsPerOp.postgres),
        fmt.kb(s.walBytesPerOp),
      ]);
    }
    console.log(
      table(
        [
          "step",
          "conc",
          "ops/s",
          "p50 ms",
          "p95 ms",
          "p99 ms",
          "errors",
          "API RSS MB",
          "loop p99 ms",
          "API CPU",
          "PG CPU",
          "other CPU",
          "steal",
          "API ms/op",
          "PG ms/op",
          "WAL KB/op",
        ],
        summaryRows,
      ),
    );
    console.log(
      "CPU: percent of one core over the step (2 cores = 200%); other = the rest of the machine (other users, the bench itself); steal = the cores given to other guests of the host. ms/op: CPU milliseconds per successful operation. WAL: server-wide, per operation.",
    );
    const disturbed = [...physical.map((p) => p.usage), ...allSteps.map((s) => s.usage)].filter(
      (usage) => usage.cpu.other + usage.cpu.steal > DISTURBED_OTHER_CPU,
    ).length;
    if (disturbed > 0) {
      console.log(
        `WARNING: in ${disturbed} of ${physical.length + allSteps.length} steps something else used more than ${DISTURBED_OTHER_CPU}% of a core ("other CPU" and "steal"): ` +
          "throughput and latency there are lower than this machine gives the bench alone; CPU ms per operation are not affected much. Rerun on a quiet machine to compare runs.",
      );
    }
    if (ratio !== null && best && physicalBest) {
      console.log(
        `\nAPI createPayment ${fmt.rate(best.throughput)}/s (c=${best.concurrency}) ÷ physical limit ${fmt.rate(physicalBest.throughput)}/s (c=${physicalBest.concurrency}) = ${(ratio * 100).toFixed(1)}%`,
      );
      const shaped = physical
        .filter((p) => p.variant === "api-shaped")
        .reduce<PhysicalStep | null>((a, b) => (a === null || b.throughput > a.throughput ? b : a), null);
      if (physicalAtEnd) {
        const moved = physicalAtEnd.throughput / physicalBest.throughput;
        console.log(
          `The physical limit after the API steps: ${fmt.rate(physicalAtEnd.throughput)}/s = ${(moved * 100).toFixed(0)}% of the first measurement; against it the ratio is ${((best.throughput / physicalAtEnd.throughput) * 100).toFixed(1)}%.` +
            (Math.abs(moved - 1) > HOST_DRIFT
              ? " The host's speed moved while the API steps ran: compare CPU per operation, or rerun."
              : ""),
        );
      }
      if (shaped) {
        console.log(
          `The API's own transaction shape written straight to Postgres (2 transactions, no application code) peaks at ${fmt.rate(shaped.throughput)}/s (c=${shaped.concurrency}) = ${((shaped.throughput / physicalBest.throughput) * 100).toFixed(0)}% of the limit.`,
        );
      }
    }
    const peakStep = oneProcess.reduce<ApiStep | null>(
      (a, b) => (a === null || b.usage.apiRssPeakMb > a.usage.apiRssPeakMb ? b : a),
      null,
    );
    const peakMemory = peakStep?.memory[0];
    if (peakStep && peakMemory) {
      console.log(
        `API memory (1 process): idle after start ${idleMemory?.rss ?? "?"} MB RSS; at the end of "${peakStep.name}" (c=${peakStep.concurrency}) ` +
          `RSS ${peakMemory.rss} MB = V8 heap ${peakMemory.heapTotal} MB (${peakMemory.heapUsed} used) + external ${peakMemory.external} MB (array buffers ${peakMemory.arrayBuffers}) + code, WASM and the rest`,
      );
    }
    for (const several of multi) {
      const single = allSteps.find(
        (s) => s.name === "createPayment, 1 process (same time)" && s.concurrency === several.concurrency,
      );
      if (single) {
        console.log(
          `${options.processes} API processes vs 1, same time, c=${several.concurrency}: ${fmt.rate(several.throughput)}/s vs ${fmt.rate(single.throughput)}/s = ${fmt.ratio(several.throughput / single.throughput)}; p99 ${fmt.ms(several.latencyMs.p99)} vs ${fmt.ms(single.latencyMs.p99)} ms`,
        );
      }
    }

    const costOf = (s: ApiStep) => s.cpuMsPerOp.server;
    const newPaymentCost = manyAgain ?? best;
    const targets: Target[] = [
      {
        name:
          options.postgresPid === null
            ? "createPayment vs physical limit (shared 2 cores)"
            : "createPayment vs physical limit (this run: Postgres's own cluster)",
        target: "≥ 50%",
        measured: ratio === null ? "not measured" : `${(ratio * 100).toFixed(1)}%`,
        met: ratio === null ? null : ratio >= 0.5,
      },
      ...(has("pinned") ? [pinnedTarget(pinned, pinnedSkipped)] : []),
      {
        name: "p99 at half the max sustained throughput",
        target: "< 50 ms",
        measured: latencyStep
          ? `${fmt.ms(latencyStep.latencyMs.p99)} ms at ${fmt.rate(latencyStep.ratePerSecond ?? 0)}/s`
          : "not measured",
        met: latencyStep ? latencyStep.latencyMs.p99 < 50 && latencyStep.notSent === 0 : null,
      },
      {
        name: "idempotent replay cheaper than a new payment (server CPU per op)",
        target: "≥ 5x",
        measured:
          replay && newPaymentCost
            ? `${fmt.ratio(costOf(newPaymentCost) / costOf(replay))} (${fmt.ms(costOf(newPaymentCost))} vs ${fmt.ms(costOf(replay))} ms; throughput ${fmt.ratio(replay.throughput / newPaymentCost.throughput)})`
            : "not measured",
        met: replay && newPaymentCost ? costOf(newPaymentCost) / costOf(replay) >= 5 : null,
      },
      {
        name: "one hot merchant vs many merchants",
        target: "≥ 80%",
        measured:
          hot && manyAgain
            ? `${((hot.throughput / manyAgain.throughput) * 100).toFixed(0)}% (${fmt.rate(hot.throughput)} vs ${fmt.rate(manyAgain.throughput)}/s)`
            : "not measured",
        met: hot && manyAgain ? hot.throughput / manyAgain.throughput >= 0.8 : null,
      },
      {
        name: "read mix: API CPU per read",
        target: "≤ 1.0 ms",
        measured: readStep ? `${readStep.cpuMsPerOp.api.toFixed(2)} ms` : "not measured",
        met: readStep ? readStep.cpuMsPerOp.api <= 1.0 : null,
      },
      {
        name: "API RSS at peak (1 process)",
        target: "< 300 MB",
        measured: `${fmt.mb(rssPeak)} MB${multi.length ? `; ${options.processes} processes together: ${fmt.mb(multiRssPeak)} MB` : ""}`,
        met: rssPeak < 300,
      },
      ...(soak.length > 1 ? [soakTarget(soak)] : []),
      {
        name: "errors",
        target: "0",
        measured: String(errors),
        met: errors === 0,
      },
      {
        name: "no double charge, ledger balanced, counts agree",
        target: "all checks pass",
        measured: `${checks.filter((c) => c.ok).length}/${checks.length} pass`,
        met: checks.every((c) => c.ok),
      },
    ];
    heading("targets");
    console.log(
      table(
        ["target", "goal", "measured", "met"],
        targets.map((t) => [t.name, t.target, t.measured, t.met === null ? "-" : t.met ? "yes" : "NO"]),
      ),
    );

    const result = {
      runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
      machine: { ...machine, loadAverage: loadavg() },
      source,
      options: { ...options, scenarios: [...options.scenarios] },
      setup: {
        postgres: { server: database.server, ...postgres },
        redis: redis.description,
        merchants: options.merchants,
        apiIdleMemory: idleMemory,
      },
      physical: {
        rowsPerPayment: templateRows,
        lockedRelations: lockCounts,
        variants: VARIANT_DESCRIPTIONS,
        steps: physical,
        /** The best level again after the API steps: how far the host's speed moved meanwhile. */
        atEnd: physicalAtEnd,
      },
      api: { steps: apiSteps, warmups, totals },
      ratio,
      rampBestSustained,
      pinned,
      latencyTail,
      latencyTimeline,
      targets,
      checks,
      storage,
      profile,
      readProfile,
    };
    const file = join(outDir, "result.json");
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nresults: ${relative(repoRoot, file)}`);
    process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
  } finally {
    await cleanup();
  }
}

/** The commit measured, and whether the working tree differed from it (read-only git commands). */
function sourceVersion(repoRoot: string): { commit: string; dirty: boolean } {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", timeout: 10_000 }).trim();
    return {
      commit: git("rev-parse", "--short", "HEAD"),
      dirty: git("--no-optional-locks", "status", "--porcelain").length > 0,
    };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

function eventLoopP99(step: ApiStep): string {
  if (step.eventLoop.length === 0) return "-";
  return fmt.ms(Math.max(...step.eventLoop.map((e) => e.p99)));
}

function stepLine(s: ApiStep): string {
  const load = s.ratePerSecond
    ? `rate ${fmt.rate(s.ratePerSecond)}/s`
    : `c=${String(s.concurrency).padStart(3)}`;
  const errors = s.errorCount + s.notSent;
  const errorText =
    errors === 0
      ? "errors 0"
      : `errors ${errors} (${Object.entries(s.errors)
          .map(([code, n]) => `${code} ${n}`)
          .join(", ")}${s.notSent ? `, not sent ${s.notSent}` : ""})`;
  const retried = s.resetsRetried > 0 ? ` (${s.resetsRetried} resent after a keep-alive reset)` : "";
  return (
    `  ${s.name.padEnd(40)} ${load}  ${fmt.rate(s.throughput).padStart(6)}/s  p50 ${fmt.ms(s.latencyMs.p50)}  p95 ${fmt.ms(s.latencyMs.p95)}  p99 ${fmt.ms(s.latencyMs.p99)} ms  ${errorText}${retried}` +
    `  RSS ${fmt.mb(s.usage.apiRssPeakMb)} MB  loop p99 ${eventLoopP99(s)} ms  PG reads/op ${s.blocksReadPerOp.toFixed(1)}  commits/op ${s.commitsPerOp.toFixed(2)}  WAL flushes/op ${s.walSyncsPerOp.toFixed(2)}  CPU ms/op api ${s.cpuMsPerOp.api.toFixed(2)} pg ${s.cpuMsPerOp.postgres.toFixed(2)}  syscalls/op api ${s.syscallsPerOp.api.toFixed(1)} redis ${s.syscallsPerOp.redis.toFixed(1)}` +
    `  CPU api ${fmt.pct(s.usage.cpu.api)} pg ${fmt.pct(s.usage.cpu.postgres)} redis ${fmt.pct(s.usage.cpu.redis)} client ${fmt.pct(s.usage.cpu.loadClient)} other ${fmt.pct(s.usage.cpu.other)} steal ${fmt.pct(s.usage.cpu.steal)}`
  );
}

async function postgresInfo(url: string): Promise<{ version: string; settings: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const version =
      (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version ?? "?";
    const rows = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN
        ('shared_buffers','synchronous_commit','fsync','max_connections','wal_level','commit_delay')
        ORDER BY name`,
    );
    return {
      version: `PostgreSQL ${version}`,
      settings: rows.rows.map((r) => `${r.name}=${r.setting}${r.unit ? ` ${r.unit}` : ""}`).join(", "),
    };
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
