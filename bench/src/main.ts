// `npm run bench`: drives the real API under load and compares it with the database's own limit,
// measured in the same run on the same machine. See docs/benchmarks.md for what each figure means.
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseKeyring } from "@paycore/core/vault/card-vault";
import { findRepoRoot } from "@paycore/db/database-url";
import pg from "pg";
import { type Check, runChecks } from "./checks";
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
import type {
  BenchMerchant,
  ChildMessage,
  ClientTotals,
  ParentMessage,
  StepResult,
  StepSpec,
} from "./load-protocol";
import { type EventLoopDelay, Probes, type StepUsage, watch } from "./monitor";
import {
  capturePaymentTemplate,
  type PhysicalResult,
  type PhysicalVariant,
  runPhysical,
  VARIANT_DESCRIPTIONS,
} from "./physical-limit";
import { type ProfileSummary, printProfileSummary, summarizeProfile } from "./profile-summary";
import { fmt, heading, table } from "./report";

const SCENARIOS = ["physical", "ramp", "latency", "hot", "replay", "refund", "read", "processes"] as const;
type Scenario = (typeof SCENARIOS)[number];
/** A run that takes longer than this is stuck: it is stopped and cleaned up. */
const RUN_TIMEOUT_MS = 30 * 60 * 1000;
const STEP_TIMEOUT_EXTRA_MS = 60_000;
/** Cards per merchant: the fraud rules decline a card used more than 3 times in 10 minutes. */
const CARDS_PER_MERCHANT = 200;
const HOT_MERCHANT_CARDS = 5000;

const HELP = `npm run bench -- [options]

  --duration <s>        seconds per measured step (default 5)
  --concurrency <list>  in-flight requests per ramp step (default 1,4,16,64)
  --scenarios <list>    any of ${SCENARIOS.join(",")} (default: all)
  --merchants <n>       regular merchants (default 100), plus one hot merchant
  --processes <n>       API processes for the multi-process scenario (default 2)
  --pool <n>            DATABASE_POOL_MAX per API process (default: the product's, 10)
  --warmup <s>          warm-up seconds before measuring (default 3)
  --profile             also CPU-profile the API during one createPayment step and summarise it
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
  warmupMs: number;
  profile: boolean;
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
      warmup: { type: "string", default: "3" },
      profile: { type: "boolean", default: false },
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
      ? new Set<Scenario>(SCENARIOS)
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
    warmupMs: number("warmup", values.warmup, 0, 600) * 1000,
    profile: values.profile,
  };
}

/** The load generator process. */
class LoadClient {
  private waiting: ((message: ChildMessage) => void) | null = null;
  totals: ClientTotals = { paymentsCreated: 0, refundsSucceeded: 0, replaysServed: 0, readsServed: 0 };

  private constructor(readonly child: ChildProcess) {
    child.on("message", (message: ChildMessage) => {
      const waiter = this.waiting;
      this.waiting = null;
      waiter?.(message);
    });
    child.on("exit", (code) => {
      const waiter = this.waiting;
      this.waiting = null;
      waiter?.({ type: "failed", message: `load client exited (${code})` });
    });
  }

  static async start(repoRoot: string, configure: ParentMessage): Promise<LoadClient> {
    const child = fork(join(dirname(fileURLToPath(import.meta.url)), "load-client.ts"), [], {
      cwd: repoRoot,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const client = new LoadClient(child);
    const reply = await client.exchange(configure, 60_000);
    if (reply.type !== "ready") throw new Error(`load client: ${JSON.stringify(reply)}`);
    return client;
  }

  private exchange(message: ParentMessage, timeoutMs: number): Promise<ChildMessage> {
    return new Promise((resolveReply, reject) => {
      const timer = setTimeout(() => reject(new Error("load client did not answer")), timeoutMs);
      this.waiting = (reply) => {
        clearTimeout(timer);
        resolveReply(reply);
      };
      this.child.send(message);
    });
  }

  /** Points the generator at another API (it keeps the payments it created). */
  async configure(message: ParentMessage): Promise<void> {
    const reply = await this.exchange(message, 10_000);
    if (reply.type !== "ready") throw new Error(`load client: ${JSON.stringify(reply)}`);
  }

  async run(step: StepSpec): Promise<StepResult> {
    const reply = await this.exchange({ type: "run", step }, step.durationMs + STEP_TIMEOUT_EXTRA_MS);
    if (reply.type !== "result") throw new Error(`load step ${step.name}: ${JSON.stringify(reply)}`);
    this.totals = reply.totals;
    return reply.result;
  }

  stop(): void {
    if (this.child.connected) this.child.send({ type: "stop" } satisfies ParentMessage);
    setTimeout(() => this.child.kill("SIGKILL"), 2_000).unref();
  }
}

interface ApiStep extends StepResult {
  processes: number;
  usage: StepUsage;
  eventLoop: EventLoopDelay[];
  /** CPU milliseconds per successful operation. */
  cpuMsPerOp: { api: number; postgres: number; redis: number; server: number };
}

interface PhysicalStep extends PhysicalResult {
  usage: StepUsage;
  postgresCpuMsPerPayment: number;
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
    console.log(
      `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
        `${seconds} s per step, concurrency ${options.concurrency.join(",")}`,
    );

    // 1. What it needs.
    const database: BenchDatabase = await createBenchDatabase();
    cleanups.push(() => database.drop());
    const redis: BenchRedis = await startRedis();
    cleanups.push(() => redis.stop());
    const postgres = await postgresInfo(database.url);
    console.log(`postgres: ${postgres.version} on ${database.server}, database ${database.name}`);
    console.log(`          ${postgres.settings}`);
    console.log(`redis:    ${redis.description}`);
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
        probeDir,
        logFile: join(outDir, `api-${++apiLogCount}.log`),
      });
      cleanups.push(() => started.stop());
      await probes.waitFor(started.pids(), 10_000);
      return started;
    };
    let api = await launchApi(1);
    console.log(`api:      ${api.baseUrl} (pid ${api.pid}, 1 process, sandbox PSP in-process, latency 0)`);

    const fixtures = await createMerchants({
      databaseUrl: database.url,
      baseUrl: api.baseUrl,
      runId,
      count: options.merchants,
      cardsPerMerchant: CARDS_PER_MERCHANT,
      hotCards: HOT_MERCHANT_CARDS,
      vault: parseKeyring({
        encryptionKeys: secrets.VAULT_ENCRYPTION_KEYS,
        fingerprintKey: secrets.VAULT_FINGERPRINT_KEY,
      }),
    });
    console.log(
      `merchants: ${options.merchants} regular (${CARDS_PER_MERCHANT} cards each), 1 hot (${HOT_MERCHANT_CARDS} cards), 1 for the physical limit`,
    );

    // 2. The physical limit.
    const physical: PhysicalStep[] = [];
    let physicalCommitted = 0;
    let physicalBest: PhysicalStep | null = null;
    let templateRows: Record<string, number> = {};
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
      const measure = async (variant: PhysicalVariant, concurrency: number) => {
        const { usage, ...result } = await runPhysical({
          databaseUrl: database.url,
          template,
          variant,
          concurrency,
          durationMs: options.durationMs,
          runTag,
          watch: () => watch({ apiPids: [], loadClientPid: null, redisPid: null }),
        });
        physicalCommitted += result.payments;
        const step: PhysicalStep = {
          ...result,
          usage,
          postgresCpuMsPerPayment:
            (usage.cpu.postgres * 10 * (usage.elapsedMs / 1000)) / Math.max(1, result.payments),
        };
        physical.push(step);
        console.log(
          `  ${variant.padEnd(15)} c=${String(concurrency).padStart(3)}  ${fmt.rate(step.throughput).padStart(6)} payments/s  p50 ${fmt.ms(step.latencyMs.p50)} ms  p99 ${fmt.ms(step.latencyMs.p99)} ms  errors ${step.errorCount}  postgres CPU ${fmt.pct(usage.cpu.postgres)}`,
        );
        return step;
      };
      for (const concurrency of options.concurrency) {
        const step = await measure("one-transaction", concurrency);
        if (!physicalBest || step.throughput > physicalBest.throughput) physicalBest = step;
      }
      await measure("api-shaped", (physicalBest as PhysicalStep).concurrency);
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
    const runApiStep = async (spec: StepSpec, quiet = false): Promise<ApiStep> => {
      const pids = api.pids();
      await probes.resetEventLoop(pids);
      const watcher = watch({ apiPids: pids, loadClientPid: client.child.pid ?? null, redisPid: redis.pid });
      const result = await client.run(spec);
      const usage = watcher.stop();
      const eventLoop = await probes.eventLoop(pids);
      const perOp = (percent: number) => (percent * 10 * (usage.elapsedMs / 1000)) / Math.max(1, result.ok);
      const step: ApiStep = {
        ...result,
        processes: api.processes,
        usage,
        eventLoop,
        cpuMsPerOp: {
          api: perOp(usage.cpu.api),
          postgres: perOp(usage.cpu.postgres),
          redis: perOp(usage.cpu.redis),
          server: perOp(usage.cpu.api + usage.cpu.postgres + usage.cpu.redis),
        },
      };
      if (!quiet) {
        apiSteps.push(step);
        console.log(stepLine(step));
      }
      return step;
    };
    const warmup = async () => {
      if (options.warmupMs <= 0) return;
      await runApiStep(
        {
          name: "warmup",
          operation: "createPayment",
          merchants: "many",
          concurrency: 8,
          durationMs: options.warmupMs,
        },
        true,
      );
      await runApiStep(
        { name: "warmup hot", operation: "createPayment", merchants: "hot", concurrency: 4, durationMs: 500 },
        true,
      );
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
    const best = ramp.reduce<ApiStep | null>(
      (a, b) => (a === null || b.throughput > a.throughput ? b : a),
      null,
    );
    const bestConcurrency = best?.concurrency ?? Math.max(...options.concurrency);

    let latencyStep: ApiStep | null = null;
    if (has("latency") && best) {
      heading(`API: open loop at half the best throughput (${fmt.rate(best.throughput / 2)}/s)`);
      latencyStep = await runApiStep({
        name: "createPayment @ 50% of max",
        operation: "createPayment",
        merchants: "many",
        concurrency: 256,
        durationMs: options.durationMs,
        ratePerSecond: Math.max(1, best.throughput / 2),
      });
    }
    heading(`API: scenarios at concurrency ${bestConcurrency}`);
    const scenario = async (name: Scenario, spec: StepSpec) => (has(name) ? runApiStep(spec) : null);
    const hot = await scenario("hot", create("createPayment, one hot merchant", bestConcurrency, "hot"));
    const manyAgain = hot
      ? await runApiStep(create("createPayment, many merchants (again)", bestConcurrency))
      : null;
    const replay = await scenario("replay", {
      name: "replay of existing keys",
      operation: "replay",
      merchants: "many",
      concurrency: bestConcurrency,
      durationMs: options.durationMs,
    });
    const refund = await scenario("refund", {
      name: "refundPayment (full)",
      operation: "refund",
      merchants: "many",
      concurrency: bestConcurrency,
      durationMs: options.durationMs,
    });
    const read = await scenario("read", {
      name: "read mix (payment by id / payments page)",
      operation: "read",
      merchants: "many",
      concurrency: bestConcurrency,
      durationMs: options.durationMs,
    });

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
      heading(`API: ${options.processes} processes behind one port (API_PROCESSES=${options.processes})`);
      await api.stop();
      api = await launchApi(options.processes);
      await client.configure(configure());
      console.log(`api:      ${api.baseUrl} (pids ${api.pids().join(", ")})`);
      await warmup();
      for (const concurrency of options.concurrency.filter((c) => c >= 4)) {
        multi.push(await runApiStep(create(`createPayment, ${options.processes} processes`, concurrency)));
      }
    }

    client.stop();
    await api.stop();

    // 4. What must hold.
    heading("checks");
    const totals = client.totals;
    const checks: Check[] = await runChecks(database.url, {
      apiMerchantIds: [...fixtures.merchants, fixtures.hot].map((m: BenchMerchant) => m.id),
      physicalMerchantId: fixtures.raw.id,
      apiPayments: totals.paymentsCreated,
      physicalPayments: physicalCommitted,
      refunds: totals.refundsSucceeded,
    });
    for (const check of checks) console.log(`  ${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);

    // 5. Summary.
    const allSteps = [...apiSteps];
    const errors = allSteps.reduce((sum, s) => sum + s.errorCount + s.notSent, 0);
    const oneProcess = allSteps.filter((s) => s.processes === 1);
    const rssPeak = Math.max(0, ...oneProcess.map((s) => s.usage.apiRssPeakMb));
    const multiRssPeak = Math.max(0, ...multi.map((s) => s.usage.apiRssPeakMb));
    const bestMulti = multi.reduce<ApiStep | null>(
      (a, b) => (a === null || b.throughput > a.throughput ? b : a),
      null,
    );
    const ratio = best && physicalBest ? best.throughput / physicalBest.throughput : null;

    heading("summary");
    const summaryRows: Array<Array<string | number>> = [];
    if (physicalBest) {
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
          fmt.ms(p.postgresCpuMsPerPayment),
        ]);
      }
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
        fmt.ms(s.cpuMsPerOp.api),
        fmt.ms(s.cpuMsPerOp.postgres),
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
          "API CPU ms/op",
          "PG CPU ms/op",
        ],
        summaryRows,
      ),
    );
    if (ratio !== null && best && physicalBest) {
      console.log(
        `\nAPI createPayment ${fmt.rate(best.throughput)}/s (c=${best.concurrency}) ÷ physical limit ${fmt.rate(physicalBest.throughput)}/s (c=${physicalBest.concurrency}) = ${(ratio * 100).toFixed(1)}%`,
      );
    }
    if (bestMulti && best) {
      console.log(
        `${options.processes} API processes: ${fmt.rate(bestMulti.throughput)}/s (c=${bestMulti.concurrency}) vs 1 process ${fmt.rate(best.throughput)}/s: ${fmt.ratio(bestMulti.throughput / best.throughput)}`,
      );
    }

    const costOf = (s: ApiStep) => s.cpuMsPerOp.server;
    const newPaymentCost = manyAgain ?? best;
    const targets: Target[] = [
      {
        name: "createPayment vs physical limit",
        target: "≥ 50%",
        measured: ratio === null ? "not measured" : `${(ratio * 100).toFixed(1)}%`,
        met: ratio === null ? null : ratio >= 0.5,
      },
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
        name: "API RSS at peak (1 process)",
        target: "< 300 MB",
        measured: `${fmt.mb(rssPeak)} MB${multi.length ? `; ${options.processes} processes together: ${fmt.mb(multiRssPeak)} MB` : ""}`,
        met: rssPeak < 300,
      },
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
      options: { ...options, scenarios: [...options.scenarios] },
      setup: {
        postgres: { server: database.server, ...postgres },
        redis: redis.description,
        merchants: options.merchants,
      },
      physical: { rowsPerPayment: templateRows, variants: VARIANT_DESCRIPTIONS, steps: physical },
      api: { steps: apiSteps, totals },
      ratio,
      targets,
      checks,
      profile,
    };
    const file = join(outDir, "result.json");
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nresults: ${relative(repoRoot, file)}`);
    process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
  } finally {
    await cleanup();
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
  return (
    `  ${s.name.padEnd(40)} ${load}  ${fmt.rate(s.throughput).padStart(6)}/s  p50 ${fmt.ms(s.latencyMs.p50)}  p95 ${fmt.ms(s.latencyMs.p95)}  p99 ${fmt.ms(s.latencyMs.p99)} ms  ${errorText}` +
    `  RSS ${fmt.mb(s.usage.apiRssPeakMb)} MB  loop p99 ${eventLoopP99(s)} ms` +
    `  CPU api ${fmt.pct(s.usage.cpu.api)} pg ${fmt.pct(s.usage.cpu.postgres)} redis ${fmt.pct(s.usage.cpu.redis)} client ${fmt.pct(s.usage.cpu.loadClient)} other ${fmt.pct(s.usage.cpu.other)}`
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
