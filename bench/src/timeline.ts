// The open loop's timeline: one line per second of the step, with the latency of the requests scheduled in
// that second beside what else happened in it — CPU by process group, the API's event-loop lateness and
// collections, and Postgres as sampled from pg_stat_activity every SAMPLE_MS (backends at work, what they
// waited on, the longest-running statement, the checkpointer or an autovacuum worker at work). It names
// what a burst of slow requests queued behind. The API's background workers' passes come from its
// GET /health/workers (each worker's last pass start and end), polled as often: passes that took at least
// WORKER_PASS_SHOWN_MS are listed in the seconds they overlapped.
import pg from "pg";
import type { LatencySecond } from "./load-protocol";
import type { CpuSecond } from "./monitor";
import { fmt, table } from "./report";

const SAMPLE_MS = 100;
/** Seconds kept by the sampler (a step of an hour at most). */
const SECONDS_MAX = 3_600;
/** A statement shows as the second's longest only past this age: shorter ones are the load itself. */
const LONG_STATEMENT_MS = 20;
const STATEMENT_CHARS = 48;
/** Wait events printed per second, the most sampled first. */
const WAITS_SHOWN = 3;
/** Worker passes shorter than this are not listed (most passes find little or nothing to do). */
const WORKER_PASS_SHOWN_MS = 20;
/** Worker passes kept by the sampler. */
const WORKER_PASSES_MAX = 10_000;

/** One pass of one of the API's background workers, as /health/workers reported it. */
export interface WorkerPass {
  worker: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
}

interface WorkerHealthRow {
  name: string;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
}

/**
 * Polls the API's GET /health/workers every SAMPLE_MS until `stop()`: a pass shows as its start (lastRunAt) and,
 * once it has ended, its end (lastSuccessAt or lastFailureAt). A pass that starts and ends between two polls
 * and is followed by another before the next poll is missed: only short ones, which are not listed anyway.
 */
export function sampleWorkerPasses(baseUrl: string): { stop(): Promise<WorkerPass[]> } {
  const url = new URL("/health/workers", baseUrl);
  const passes: WorkerPass[] = [];
  const recorded = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const startedAt = Date.now();
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        const body = (await response.json()) as { workers?: WorkerHealthRow[] };
        for (const worker of body.workers ?? []) {
          if (worker.lastRunAt === null) continue;
          const start = Date.parse(worker.lastRunAt);
          const end = Math.max(
            worker.lastSuccessAt === null ? 0 : Date.parse(worker.lastSuccessAt),
            worker.lastFailureAt === null ? 0 : Date.parse(worker.lastFailureAt),
          );
          if (end < start || recorded.get(worker.name) === start) continue;
          recorded.set(worker.name, start);
          if (passes.length < WORKER_PASSES_MAX)
            passes.push({ worker: worker.name, startedAt: start, endedAt: end });
        }
      } catch {
        // A failed poll is a gap in the timeline, not a failed run.
      }
      const pauseMs = SAMPLE_MS - (Date.now() - startedAt);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return passes;
    },
  };
}

/** What the samples of one second saw in Postgres. */
export interface PostgresSecond {
  at: number;
  samples: number;
  /** Most client backends of the bench database active (or idle in transaction) in one sample. */
  activeMax: number;
  /** Samples of a backend waiting, by `type:event` (client backends; Lock and LWLock waits say contention). */
  waits: Record<string, number>;
  /** The oldest statement seen running, when older than LONG_STATEMENT_MS: its start and age (ms). */
  longest: { statement: string; ageMs: number; wait: string | null } | null;
  /** Background work seen at it: `checkpoint`, `autovacuum <table>`, `autoanalyze <table>`. */
  background: string[];
}

/** One second of the API process: the longest event-loop lateness, and time in collections. */
export type ApiSecond = [at: number, loopLagMs: number, minorGcMs: number, majorGcMs: number];

/** Samples pg_stat_activity of the database `url` names until `stop()`. */
export async function samplePostgres(url: string): Promise<{ stop(): Promise<PostgresSecond[]> }> {
  const client = new pg.Client({ connectionString: url, application_name: "bench-timeline" });
  await client.connect();
  const seconds = new Map<number, PostgresSecond>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const startedAt = Date.now();
      try {
        // Client backends of this database, and the server's own processes when they are not idling.
        const { rows } = await client.query<{
          backend_type: string;
          state: string | null;
          wait: string | null;
          age_ms: number | null;
          statement: string | null;
        }>(
          `SELECT backend_type, state, wait_event_type || ':' || wait_event AS wait,
                  (extract(epoch FROM clock_timestamp() - query_start) * 1000)::int AS age_ms,
                  left(regexp_replace(query, '\\s+', ' ', 'g'), $1) AS statement
             FROM pg_stat_activity
            WHERE pid <> pg_backend_pid()
              AND ((backend_type = 'client backend' AND datname = current_database()
                    AND state IN ('active', 'idle in transaction'))
                OR backend_type IN ('checkpointer', 'autovacuum worker'))`,
          [STATEMENT_CHARS],
        );
        const at = Math.floor(startedAt / 1000) * 1000;
        let second = seconds.get(at);
        if (second === undefined) {
          if (seconds.size >= SECONDS_MAX) break;
          second = { at, samples: 0, activeMax: 0, waits: {}, longest: null, background: [] };
          seconds.set(at, second);
        }
        second.samples += 1;
        let active = 0;
        for (const row of rows) {
          if (row.backend_type === "checkpointer") {
            // Idle, the checkpointer waits in CheckpointerMain; anything else is a checkpoint at work.
            if (row.wait !== "Activity:CheckpointerMain" && !second.background.includes("checkpoint"))
              second.background.push("checkpoint");
            continue;
          }
          if (row.backend_type === "autovacuum worker") {
            const what = (row.statement ?? "autovacuum").replace(/^autovacuum: /, "");
            if (!second.background.includes(what)) second.background.push(what);
            continue;
          }
          active += 1;
          if (row.wait !== null && row.state === "active")
            second.waits[row.wait] = (second.waits[row.wait] ?? 0) + 1;
          if (row.wait === "Client:ClientRead" && row.state === "idle in transaction") continue;
          const ageMs = row.age_ms ?? 0;
          if (ageMs >= LONG_STATEMENT_MS && ageMs > (second.longest?.ageMs ?? 0))
            second.longest = { statement: row.statement ?? "", ageMs, wait: row.wait };
        }
        second.activeMax = Math.max(second.activeMax, active);
      } catch {
        // A failed sample is a gap in the timeline, not a failed run.
      }
      const pauseMs = SAMPLE_MS - (Date.now() - startedAt);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return [...seconds.values()].sort((a, b) => a.at - b.at);
    },
  };
}

/** The one-second entry covering the middle of the epoch second `at` (samplers do not start on the second). */
function covering<T>(rows: T[], at: number, startOf: (row: T) => number): T | undefined {
  const middle = at + 500;
  return rows.find((row) => startOf(row) <= middle && middle < startOf(row) + 1000);
}

/** The timeline as a table: seconds from the step's start, one row each. */
export function timelineTable(input: {
  latency: LatencySecond[];
  cpu: CpuSecond[];
  api: ApiSecond[];
  postgres: PostgresSecond[];
  workers: WorkerPass[];
}): string {
  const first = input.latency[0]?.at ?? 0;
  const rows = input.latency.map((second) => {
    const cpu = covering(input.cpu, second.at, (row) => row.at);
    const api = input.api.find(([at]) => at === second.at);
    const postgres = input.postgres.find((row) => row.at === second.at);
    const waits = Object.entries(postgres?.waits ?? {})
      .sort(([, a], [, b]) => b - a)
      .slice(0, WAITS_SHOWN)
      .map(([wait, samples]) => `${wait.replace(/^[^:]+:/, "")} ${samples}`)
      .join(", ");
    const passes = input.workers
      .filter(
        (pass) =>
          pass.endedAt - pass.startedAt >= WORKER_PASS_SHOWN_MS &&
          pass.startedAt < second.at + 1000 &&
          pass.endedAt >= second.at,
      )
      .map((pass) => `${pass.worker} ${Math.round(pass.endedAt - pass.startedAt)} ms`);
    const notes = [
      ...passes,
      ...(postgres?.background ?? []),
      ...(postgres?.longest
        ? [
            `${postgres.longest.ageMs} ms${postgres.longest.wait ? ` (${postgres.longest.wait})` : ""}: ${postgres.longest.statement.replace(/\|/g, "/")}`,
          ]
        : []),
    ].join("; ");
    return [
      `+${Math.round((second.at - first) / 1000)}`,
      second.requests,
      fmt.ms(second.p50),
      fmt.ms(second.p99),
      fmt.ms(second.max),
      second.slow,
      cpu ? fmt.pct(cpu.api) : "-",
      cpu ? fmt.pct(cpu.postgres) : "-",
      cpu ? fmt.pct(Math.max(0, cpu.machine - cpu.api - cpu.postgres)) : "-",
      cpu ? fmt.pct(cpu.steal) : "-",
      api ? fmt.ms(api[1]) : "-",
      api ? fmt.ms(api[2] + api[3]) : "-",
      api && api[3] > 0 ? fmt.ms(api[3]) : "-",
      postgres ? postgres.activeMax : "-",
      waits || "-",
      notes || "-",
    ];
  });
  return table(
    [
      "s",
      "sent",
      "p50",
      "p99",
      "max",
      ">50",
      "api",
      "pg",
      "rest",
      "steal",
      "loop lag",
      "gc",
      "major",
      "pg busy",
      "pg waits (samples)",
      "worker passes, background, longest statement",
    ],
    rows,
  );
}
