// The sealing worker: chains committed journal entries and operator audit rows
// (tamper evidence) after the fact, so the payment's transaction pays nothing
// for it and writers never queue behind a chain head. Every API process runs
// one; they share the work safely because a stream's head is locked FOR UPDATE
// SKIP LOCKED for the length of a batch (packages/db/src/repositories/chain.repository.ts).
// The lag is bounded by the batch size and the idle delay, plus the longest
// transaction running on the database server: a row is sealed only once every
// transaction older than its own has ended.
import { CHAIN_STREAMS, type ChainStream } from "@paycore/core/ledger/hash-chain";
import {
  type ChainRepository,
  type ChainStatus,
  SEAL_BATCH_SIZE_MAX,
} from "@paycore/db/repositories/chain.repository";
import type { Logger } from "pino";

const DEFAULT_BATCH_SIZE = 200;
const DEFAULT_IDLE_DELAY_MS = 1_000;
const DEFAULT_STATUS_INTERVAL_MS = 60_000;
const DEFAULT_LAG_WARN_SECONDS = 60;
/** First retry delay after a failure; it doubles per consecutive failure up to the cap. */
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 30_000;
/** Past this many consecutive failures the backoff is at its cap anyway; the counter stops growing. */
const CONSECUTIVE_FAILURES_MAX = 1_000;

export interface ChainSealerOptions {
  chains: Pick<ChainRepository, "sealBatch" | "status">;
  /** Rows per stream per sealing transaction (1..1000). */
  batchSize?: number;
  /** Pause after a pass that left no full batch behind. */
  idleDelayMs?: number;
  /** How often the sealer logs its status (sealed count, backlog in rows and seconds). */
  statusIntervalMs?: number;
  /** A status whose oldest unsealed row is older than this is logged as a warning. */
  lagWarnSeconds?: number;
  log: Pick<Logger, "info" | "warn">;
}

export class ChainSealer {
  private readonly chains: ChainSealerOptions["chains"];
  private readonly batchSize: number;
  private readonly idleDelayMs: number;
  private readonly statusIntervalMs: number;
  private readonly lagWarnSeconds: number;
  private readonly log: ChainSealerOptions["log"];
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;
  private lastStatusAtMs = 0;
  private readonly sealed: Record<ChainStream, number> = { journal: 0, operator_audit: 0 };

  constructor(options: ChainSealerOptions) {
    this.chains = options.chains;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.idleDelayMs = options.idleDelayMs ?? DEFAULT_IDLE_DELAY_MS;
    this.statusIntervalMs = options.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
    this.lagWarnSeconds = options.lagWarnSeconds ?? DEFAULT_LAG_WARN_SECONDS;
    this.log = options.log;
    assertIntegerIn("batchSize", this.batchSize, 1, SEAL_BATCH_SIZE_MAX);
    assertIntegerIn("idleDelayMs", this.idleDelayMs, 0, 60 * 60 * 1000);
    assertIntegerIn("statusIntervalMs", this.statusIntervalMs, 1_000, 24 * 60 * 60 * 1000);
    assertIntegerIn("lagWarnSeconds", this.lagWarnSeconds, 1, 24 * 60 * 60);
  }

  /** Rows this sealer has sealed since it was created, per stream. */
  get sealedCount(): Readonly<Record<ChainStream, number>> {
    return this.sealed;
  }

  /** Failures since the last successful pass (0 when healthy). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** One pass: a batch of each stream. Returns how many rows it sealed per stream. */
  async runOnce(): Promise<Record<ChainStream, number>> {
    const result: Record<ChainStream, number> = { journal: 0, operator_audit: 0 };
    for (const stream of CHAIN_STREAMS) {
      const { sealed } = await this.chains.sealBatch(stream, this.batchSize);
      result[stream] = sealed;
      this.sealed[stream] += sealed;
    }
    return result;
  }

  /** Seals until every row that is final now is sealed, up to `passesMax` passes; returns the rows sealed. */
  async drain(passesMax = 1_000): Promise<number> {
    let total = 0;
    for (let pass = 0; pass < passesMax; pass += 1) {
      const result = await this.runOnce();
      const sealed = result.journal + result.operator_audit;
      total += sealed;
      if (result.journal < this.batchSize && result.operator_audit < this.batchSize) break;
    }
    return total;
  }

  /** Both streams' backlog and head: the sealer's metric. */
  async status(): Promise<ChainStatus[]> {
    return Promise.all(CHAIN_STREAMS.map((stream) => this.chains.status(stream)));
  }

  start(): void {
    if (this.loop) throw new Error("chain sealer already started");
    this.running = true;
    this.loop = this.runLoop();
  }

  /** Stops after the batch in flight (if any) commits or rolls back. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async runLoop(): Promise<void> {
    while (this.running) {
      let delayMs: number;
      try {
        const result = await this.runOnce();
        if (this.failures > 0) this.log.info("chain sealer recovered");
        this.failures = 0;
        const full = result.journal === this.batchSize || result.operator_audit === this.batchSize;
        delayMs = full ? 0 : this.idleDelayMs;
        await this.maybeLogStatus();
      } catch (error) {
        this.failures = Math.min(this.failures + 1, CONSECUTIVE_FAILURES_MAX);
        delayMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.failures - 1, 10));
        this.log.warn(
          { err: error, consecutiveFailures: this.failures, retryInMs: delayMs },
          "chain sealer failed: rows stay unsealed and are retried",
        );
      }
      if (delayMs > 0) await this.sleep(delayMs);
    }
  }

  private async maybeLogStatus(): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.lastStatusAtMs < this.statusIntervalMs) return;
    this.lastStatusAtMs = nowMs;
    for (const status of await this.status()) {
      const fields = {
        stream: status.stream,
        sealedCount: status.sealedCount.toString(),
        headHash: status.headHash,
        unsealedRows: status.unsealedRows.toString(),
        lagSeconds: status.oldestUnsealedAgeSeconds,
        sealedByThisProcess: this.sealed[status.stream],
      };
      if (status.oldestUnsealedAgeSeconds > this.lagWarnSeconds) {
        this.log.warn(fields, "chain sealing lags: a long transaction on the database holds it back");
      } else {
        this.log.info(fields, "chain sealer status");
      }
    }
  }

  /** A pause that `stop()` cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}

function assertIntegerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}
