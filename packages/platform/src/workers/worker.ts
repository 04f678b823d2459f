// One way to run background work. A job (one file per job in this folder) says
// what one bounded pass does and how often it runs; a Worker repeats the pass
// until stopped: at once while the job reports more work waiting (up to a
// bound), after its interval when it is idle, and after an exponential backoff
// with jitter (cockatiel's) while passes fail. It records when it last ran and
// last succeeded, for GET /health/workers. The composition root starts and
// stops an app's workers together through a WorkerRegistry.
import { setTimeout as sleepFor } from "node:timers/promises";
import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from "cockatiel";
import type { Logger } from "pino";

/** What one pass did. */
export interface PassResult {
  /** Units of work done (rows published, holds voided, …); 0 when there was nothing to do. */
  done: number;
  /** More work is waiting now: the next pass runs at once instead of after intervalMs. */
  more: boolean;
}

export interface WorkerSchedule {
  /** Pause after a pass that left nothing waiting. 0 when the pass waits itself (a blocking read). */
  intervalMs: number;
  /** Pause before the first pass; 0 (the default) runs it as soon as the worker starts. */
  firstPassDelayMs?: number;
  /**
   * The pause after a failed pass: initialDelayMs after the first failure, doubling per consecutive failure
   * up to maxDelayMs, each a uniformly random delay in [d/2, d) so processes that failed together spread out.
   */
  backoff: { initialDelayMs: number; maxDelayMs: number };
  /** Back-to-back passes (each reporting more work) before the worker pauses intervalMs anyway. */
  burstPassesMax?: number;
  /** Unhealthy once this many passes have failed in a row. */
  unhealthyAfterFailures?: number;
  /**
   * Unhealthy once no pass has succeeded for this long since the worker started (a pass that hangs never
   * fails). Defaults to the longer of 5 minutes and three times the longest pause the schedule allows.
   */
  unhealthyAfterMs?: number;
}

/** A job: what a worker runs. */
export interface WorkerJob {
  /** Unique per app; it names the worker in logs and in /health/workers. */
  readonly name: string;
  readonly schedule: WorkerSchedule;
  /** One pass, bounded by the job's own batch size. Throwing fails the pass: it is logged and retried. */
  pass(): Promise<PassResult>;
  /** Logged with a failed pass's error: what the failure leaves behind (e.g. "rows stay unpublished"). */
  readonly failureMessage?: string;
  /** Figures beyond the common ones for /health/workers (the chain sealer's lag). Never a secret. */
  healthDetails?(): Record<string, unknown>;
  /**
   * A problem the job found in the data it maintains (rows in a default partition), which makes the worker
   * unhealthy although its passes succeed; null when there is none.
   */
  healthProblem?(): string | null;
}

/** One worker's state as /health/workers shows it: times as ISO strings, no error text (it may hold hosts). */
export interface WorkerHealth {
  name: string;
  running: boolean;
  healthy: boolean;
  /** Why the worker is unhealthy, or null. */
  problem: string | null;
  /** When the last pass started. */
  lastRunAt: string | null;
  /** When the last successful pass ended. */
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  consecutiveFailures: number;
  details?: Record<string, unknown>;
}

export interface WorkerOptions {
  log: Pick<Logger, "info" | "warn" | "child">;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
  /** A pause that ends early (without throwing) when the signal aborts; tests pass one that only records. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const DEFAULT_BURST_PASSES_MAX = 1_000;
export const DEFAULT_UNHEALTHY_AFTER_FAILURES = 5;
const UNHEALTHY_AFTER_MS_MIN = 5 * 60_000;
/** Past this the backoff is at its cap anyway; the counter stops growing. */
const CONSECUTIVE_FAILURES_MAX = 1_000_000;
const PAUSE_MS_MAX = 60 * 60_000;

/**
 * The default pause. Its timer does not keep the process alive (the server does): a process that is exiting is
 * not held back by a worker waiting for its next pass.
 */
async function sleepUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleepFor(ms, undefined, { signal, ref: false });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

export class Worker {
  readonly name: string;
  private readonly job: WorkerJob;
  private readonly log: Pick<Logger, "info" | "warn">;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly backoff: ExponentialBackoff<number>;
  private readonly intervalMs: number;
  private readonly firstPassDelayMs: number;
  private readonly burstPassesMax: number;
  private readonly unhealthyAfterFailures: number;
  private readonly unhealthyAfterMs: number;
  private loop: Promise<void> | null = null;
  private stopping: AbortController | null = null;
  private startedAtMs: number | null = null;
  private lastRunAtMs: number | null = null;
  private lastSuccessAtMs: number | null = null;
  private lastFailureAtMs: number | null = null;
  private failures = 0;
  private error: unknown = null;

  constructor(job: WorkerJob, options: WorkerOptions) {
    const { schedule } = job;
    this.name = job.name;
    this.job = job;
    this.log = options.log.child({ worker: job.name });
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepUnlessStopped;
    this.intervalMs = schedule.intervalMs;
    this.firstPassDelayMs = schedule.firstPassDelayMs ?? 0;
    this.burstPassesMax = schedule.burstPassesMax ?? DEFAULT_BURST_PASSES_MAX;
    this.unhealthyAfterFailures = schedule.unhealthyAfterFailures ?? DEFAULT_UNHEALTHY_AFTER_FAILURES;
    const longestPauseMs = Math.max(this.intervalMs, this.firstPassDelayMs, schedule.backoff.maxDelayMs);
    this.unhealthyAfterMs = schedule.unhealthyAfterMs ?? Math.max(UNHEALTHY_AFTER_MS_MIN, 3 * longestPauseMs);
    if (job.name.length === 0) throw new Error("a worker needs a name");
    assertIntegerIn(`${job.name}: intervalMs`, this.intervalMs, 0, PAUSE_MS_MAX);
    assertIntegerIn(`${job.name}: firstPassDelayMs`, this.firstPassDelayMs, 0, PAUSE_MS_MAX);
    assertIntegerIn(`${job.name}: backoff.initialDelayMs`, schedule.backoff.initialDelayMs, 1, PAUSE_MS_MAX);
    assertIntegerIn(
      `${job.name}: backoff.maxDelayMs`,
      schedule.backoff.maxDelayMs,
      schedule.backoff.initialDelayMs,
      PAUSE_MS_MAX,
    );
    assertIntegerIn(`${job.name}: burstPassesMax`, this.burstPassesMax, 1, 1_000_000);
    assertIntegerIn(`${job.name}: unhealthyAfterFailures`, this.unhealthyAfterFailures, 1, 1_000_000);
    assertIntegerIn(`${job.name}: unhealthyAfterMs`, this.unhealthyAfterMs, 1, 7 * 24 * 60 * 60_000);
    this.backoff = new ExponentialBackoff({
      generator: halfJitterGenerator,
      initialDelay: schedule.backoff.initialDelayMs,
      maxDelay: schedule.backoff.maxDelayMs,
    });
  }

  get running(): boolean {
    return this.loop !== null && this.stopping?.signal.aborted === false;
  }

  /** Failed passes since the last successful one (0 when healthy). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The last failed pass's error while the worker has not recovered, else null. */
  get lastError(): unknown {
    return this.error;
  }

  /** Runs passes in the background until `stop()`. */
  start(): void {
    if (this.loop) throw new Error(`worker ${this.name} already started`);
    this.stopping = new AbortController();
    this.startedAtMs = this.now();
    this.log.info(`${this.name} started`);
    this.loop = this.run(this.stopping.signal);
  }

  /** Cuts the pause short and resolves once the pass in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.stopping?.abort();
    await this.loop;
    this.loop = null;
  }

  health(): WorkerHealth {
    const problem = this.problem();
    const details = this.job.healthDetails?.();
    return {
      name: this.name,
      running: this.running,
      healthy: problem === null,
      problem,
      lastRunAt: isoOrNull(this.lastRunAtMs),
      lastSuccessAt: isoOrNull(this.lastSuccessAtMs),
      lastFailureAt: isoOrNull(this.lastFailureAtMs),
      consecutiveFailures: this.failures,
      ...(details === undefined ? {} : { details }),
    };
  }

  /** The health rule: running, fewer than N failures in a row, and a success (or the start) recent enough. */
  private problem(): string | null {
    if (!this.running) return "not running";
    if (this.failures >= this.unhealthyAfterFailures) return `${this.failures} passes failed in a row`;
    const jobProblem = this.job.healthProblem?.() ?? null;
    if (jobProblem !== null) return jobProblem;
    const sinceMs = this.lastSuccessAtMs ?? this.startedAtMs ?? this.now();
    const quietMs = this.now() - sinceMs;
    if (quietMs > this.unhealthyAfterMs) {
      return `no successful pass for ${Math.round(quietMs / 1000)} s (limit ${Math.round(this.unhealthyAfterMs / 1000)} s)`;
    }
    return null;
  }

  /** Each turn is a pass and a pause; it ends when stop() aborts the signal, which also ends the pause. */
  private async run(signal: AbortSignal): Promise<void> {
    let backoff: IBackoff<unknown> | null = null;
    let burst = 0;
    let pauseMs = this.firstPassDelayMs;
    while (true) {
      if (pauseMs > 0) await this.sleep(pauseMs, signal);
      if (signal.aborted) return;
      const result = await this.runPass();
      if (result === null) {
        backoff = backoff === null ? this.backoff.next() : backoff.next(undefined);
        pauseMs = backoff.duration;
        burst = 0;
        this.log.warn(
          { err: this.error, consecutiveFailures: this.failures, retryInMs: pauseMs },
          this.job.failureMessage ?? `${this.name} failed: retried`,
        );
        continue;
      }
      backoff = null;
      burst = result.more ? burst + 1 : 0;
      if (burst >= this.burstPassesMax) burst = 0;
      pauseMs = burst > 0 ? 0 : this.intervalMs;
    }
  }

  /** One pass and its bookkeeping; null when it failed. Never throws. */
  private async runPass(): Promise<PassResult | null> {
    this.lastRunAtMs = this.now();
    try {
      const result = await this.job.pass();
      this.lastSuccessAtMs = this.now();
      if (this.failures > 0) this.log.info({ afterFailures: this.failures }, `${this.name} recovered`);
      this.failures = 0;
      this.error = null;
      return result;
    } catch (error) {
      this.lastFailureAtMs = this.now();
      this.failures = Math.min(this.failures + 1, CONSECUTIVE_FAILURES_MAX);
      this.error = error;
      return null;
    }
  }
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function assertIntegerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}
