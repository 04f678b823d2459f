// The outbox relay: publishes committed outbox rows to one Redis stream, where
// consumer groups (webhooks, reconciliation, analytics) read them. Delivery is
// at-least-once: a batch is XADDed, then marked published in the transaction
// that locked it, so a crash in between publishes it again. Consumers dedupe on
// the `id` field (the outbox id). When Redis is down the relay's worker backs
// off and the rows wait in Postgres: nothing is lost.
//
// Order: one relay publishes in outbox id order. With several relays, batches
// interleave, and a row whose transaction commits late is published after
// rows with higher ids, so consumers must not assume a global order (a
// payload's status and the aggregate's version are the truth, not arrival).
import {
  OUTBOX_BATCH_SIZE_MAX,
  type OutboxRepository,
  type OutboxRow,
} from "@paycore/db/repositories/outbox.repository";
import type { Logger } from "pino";
import type { RedisClient } from "../adapters/redis-client";
import type { PassResult, WorkerJob, WorkerSchedule } from "./worker";

export const DEFAULT_EVENT_STREAM = "paycore:events";
const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_IDLE_DELAY_MS = 500;
/** Approximate cap on the stream (XADD MAXLEN ~): size it for the slowest consumer group's lag. */
const DEFAULT_MAX_STREAM_LENGTH = 1_000_000;
const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;
const DEFAULT_BACKOFF_BASE_MS = 200;
const DEFAULT_BACKOFF_MAX_MS = 30_000;

/** The slice of the outbox repository the relay needs (tests wrap it to inject crashes). */
export type OutboxSource = Pick<OutboxRepository, "publishBatch">;

export interface OutboxRelayOptions {
  outbox: OutboxSource;
  /** Preferably a fail-fast client (see adapters/redis-client.ts): no offline queue, so an outage errors at once. */
  redis: RedisClient;
  /** The stream every outbox message goes to. */
  stream?: string;
  /** Rows per transaction and per XADD pipeline (1..1000). */
  batchSize?: number;
  /** Pause after a batch that was not full (the backlog is drained). */
  idleDelayMs?: number;
  /** XADD MAXLEN ~ bound; entries past it are trimmed even if a slow group has not read them. */
  maxStreamLength?: number;
  /** Longest a batch's XADD pipeline may take; past it the batch rolls back and is retried. */
  publishTimeoutMs?: number;
  /** The worker's first retry delay after a failure; it doubles per consecutive failure, with jitter. */
  backoffBaseMs?: number;
  /** Cap on the worker's retry delay. */
  backoffMaxMs?: number;
  log: Pick<Logger, "info" | "warn" | "debug">;
}

/** An outbox message as read back from the stream. */
export interface OutboxEvent {
  /** The outbox id: the consumers' dedupe key. */
  outboxId: string;
  topic: string;
  aggregateId: string;
  merchantId: string;
  mode: string;
  payload: unknown;
  createdAt: Date;
}

/** The relay's job: a pass publishes one batch; run it with a Worker (back to back while batches are full). */
export class OutboxRelay implements WorkerJob {
  readonly name = "outbox-relay";
  readonly failureMessage = "outbox relay failed to publish: rows stay unpublished and are retried";
  readonly schedule: WorkerSchedule;
  private readonly outbox: OutboxSource;
  private readonly redis: RedisClient;
  readonly stream: string;
  private readonly batchSize: number;
  private readonly maxStreamLength: number;
  private readonly publishTimeoutMs: number;
  private readonly log: OutboxRelayOptions["log"];
  private published = 0;

  constructor(options: OutboxRelayOptions) {
    this.outbox = options.outbox;
    this.redis = options.redis;
    this.stream = options.stream ?? DEFAULT_EVENT_STREAM;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.maxStreamLength = options.maxStreamLength ?? DEFAULT_MAX_STREAM_LENGTH;
    this.publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    this.log = options.log;
    // The Worker checks the schedule's bounds.
    this.schedule = {
      intervalMs: options.idleDelayMs ?? DEFAULT_IDLE_DELAY_MS,
      backoff: {
        initialDelayMs: options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS,
        maxDelayMs: options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
      },
    };
    assertIntegerIn("batchSize", this.batchSize, 1, OUTBOX_BATCH_SIZE_MAX);
    assertIntegerIn("maxStreamLength", this.maxStreamLength, 1, Number.MAX_SAFE_INTEGER);
    assertIntegerIn("publishTimeoutMs", this.publishTimeoutMs, 1, 60 * 1000);
    if (this.stream.length === 0) throw new Error("stream must not be empty");
  }

  /** Rows published by this relay since it was created. */
  get publishedCount(): number {
    return this.published;
  }

  /** Publishes one batch (up to batchSize rows, oldest first); returns how many. Throws if Redis failed. */
  async runOnce(): Promise<number> {
    const count = await this.outbox.publishBatch(this.batchSize, (rows) => this.xadd(rows));
    this.published += count;
    return count;
  }

  /** The worker's pass: one batch, and the next at once when it was full (a backlog is drained). */
  async pass(): Promise<PassResult> {
    const count = await this.runOnce();
    return { done: count, more: count === this.batchSize };
  }

  /** One pipelined round trip for the whole batch; any failed XADD fails the batch (it is retried whole). */
  private async xadd(rows: readonly OutboxRow[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const row of rows) {
      pipeline.xadd(this.stream, "MAXLEN", "~", this.maxStreamLength, "*", ...outboxFields(row));
    }
    const results = await withDeadline(pipeline.exec(), this.publishTimeoutMs, "XADD pipeline");
    if (results === null) throw new Error("XADD pipeline was discarded");
    for (const [error] of results) {
      if (error) throw error;
    }
    this.log.debug({ stream: this.stream, count: rows.length }, "outbox batch published");
  }
}

/** The stream entry of one outbox row, as flat field/value pairs for XADD. */
export function outboxFields(row: OutboxRow): string[] {
  return [
    "id",
    row.id.toString(),
    "topic",
    row.topic,
    "aggregateId",
    row.aggregateId,
    "merchantId",
    row.merchantId,
    "mode",
    row.mode,
    "payload",
    JSON.stringify(row.payload),
    "createdAt",
    row.createdAt.toISOString(),
  ];
}

/** Reads an outbox event back from a stream entry's fields; throws on an entry the relay did not write. */
export function outboxEventFromFields(fields: Readonly<Record<string, string>>): OutboxEvent {
  const required = (name: string) => {
    const value = fields[name];
    if (value === undefined) throw new Error(`stream entry has no "${name}" field: not an outbox event`);
    return value;
  };
  return {
    outboxId: required("id"),
    topic: required("topic"),
    aggregateId: required("aggregateId"),
    merchantId: required("merchantId"),
    mode: required("mode"),
    payload: JSON.parse(required("payload")),
    createdAt: new Date(required("createdAt")),
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function assertIntegerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}
