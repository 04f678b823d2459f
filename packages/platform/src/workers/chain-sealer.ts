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
import type { PassResult, WorkerJob, WorkerSchedule } from "./worker";

const DEFAULT_BATCH_SIZE = 200;
const DEFAULT_IDLE_DELAY_MS = 1_000;
const DEFAULT_STATUS_INTERVAL_MS = 60_000;
const DEFAULT_LAG_WARN_SECONDS = 60;
/** The worker's first retry delay after a failure; it doubles per consecutive failure up to the cap. */
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 30_000;

export interface ChainSealerOptions {
  chains: Pick<ChainRepository, "sealBatch" | "status">;
  /** Rows per stream per sealing transaction (1..1000). */
  batchSize?: number;
  /** The worker's pause after a pass that left no full batch behind. */
  idleDelayMs?: number;
  /** How often the sealer logs its status (sealed count, backlog in rows and seconds). */
  statusIntervalMs?: number;
  /** A status whose oldest unsealed row is older than this is logged as a warning. */
  lagWarnSeconds?: number;
  log: Pick<Logger, "info" | "warn">;
}

/** The lag as last measured (with the status log line), for /health/workers: no query per health request. */
export interface ChainLag {
  stream: ChainStream;
  unsealedRows: string;
  lagSeconds: number;
  measuredAt: string;
}

/** The sealer's job: a pass seals a batch of each stream; run it with a Worker. */
export class ChainSealer implements WorkerJob {
  readonly name = "chain-sealer";
  readonly failureMessage = "chain sealer failed: rows stay unsealed and are retried";
  readonly schedule: WorkerSchedule;
  private readonly chains: ChainSealerOptions["chains"];
  private readonly batchSize: number;
  private readonly statusIntervalMs: number;
  private readonly lagWarnSeconds: number;
  private readonly log: ChainSealerOptions["log"];
  private lastStatusAtMs = 0;
  private lag: ChainLag[] | null = null;
  private readonly sealed: Record<ChainStream, number> = { journal: 0, operator_audit: 0 };

  constructor(options: ChainSealerOptions) {
    this.chains = options.chains;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.statusIntervalMs = options.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
    this.lagWarnSeconds = options.lagWarnSeconds ?? DEFAULT_LAG_WARN_SECONDS;
    this.log = options.log;
    // The Worker checks the schedule's bounds.
    this.schedule = {
      intervalMs: options.idleDelayMs ?? DEFAULT_IDLE_DELAY_MS,
      backoff: { initialDelayMs: BACKOFF_BASE_MS, maxDelayMs: BACKOFF_MAX_MS },
    };
    assertIntegerIn("batchSize", this.batchSize, 1, SEAL_BATCH_SIZE_MAX);
    assertIntegerIn("statusIntervalMs", this.statusIntervalMs, 1_000, 24 * 60 * 60 * 1000);
    assertIntegerIn("lagWarnSeconds", this.lagWarnSeconds, 1, 24 * 60 * 60);
  }

  /** Rows this sealer has sealed since it was created, per stream. */
  get sealedCount(): Readonly<Record<ChainStream, number>> {
    return this.sealed;
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

  /** The worker's pass: a batch of each stream (at once again while one was full), then the periodic status. */
  async pass(): Promise<PassResult> {
    const result = await this.runOnce();
    await this.maybeLogStatus();
    return {
      done: result.journal + result.operator_audit,
      more: result.journal === this.batchSize || result.operator_audit === this.batchSize,
    };
  }

  /** The chain lag metric, as of the last status (every statusIntervalMs); null before the first. */
  healthDetails(): Record<string, unknown> {
    return { lag: this.lag };
  }

  private async maybeLogStatus(): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.lastStatusAtMs < this.statusIntervalMs) return;
    this.lastStatusAtMs = nowMs;
    const statuses = await this.status();
    const measuredAt = new Date(nowMs).toISOString();
    this.lag = statuses.map((status) => ({
      stream: status.stream,
      unsealedRows: status.unsealedRows.toString(),
      lagSeconds: status.oldestUnsealedAgeSeconds,
      measuredAt,
    }));
    for (const status of statuses) {
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
}

function assertIntegerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}
