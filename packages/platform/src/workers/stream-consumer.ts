// A reusable consumer of one Redis stream in a consumer group: each entry goes
// to one consumer of the group, and is acknowledged (XACK) only after the
// handler resolved.
//
// Delivery is at-least-once, so HANDLERS MUST BE IDEMPOTENT. An entry is
// delivered again when its handler failed, when the consumer died or stalled
// holding it, when the XACK was lost, or when the relay published its outbox
// row twice (a crash between XADD and COMMIT: then it even comes under a new
// entry id). So dedupe on the `id` field (the outbox id), never the entry id.
//
// Where dedupe lives is deliberately the handler's job, not a Redis helper
// here: a `SET NX` marker is either taken before the effect (a failure after
// it turns the retry into a silent skip: at-most-once) or after it (a crash in
// between repeats the effect anyway), and a TTL forgets. The dependable
// pattern is the one the payment core already uses: record the outbox id under
// a unique constraint in the same Postgres transaction as the handler's effect
// (`INSERT … ON CONFLICT DO NOTHING`, skip when nothing was inserted), or make
// the effect itself idempotent (an upsert keyed by the outbox id). For effects
// outside our database (a merchant webhook) exactly-once is impossible; send
// the outbox id so the receiver can dedupe, as Stripe does with event ids.
//
// Retries: a failed entry stays pending and is retried once it has been idle
// claimIdleMs (XAUTOCLAIM, by this or any consumer), which doubles as the retry
// delay. The delivery that fails for the maxDeliveries-th time moves it to the
// dead-letter stream (its fields plus error, deliveries, failedAt, originalId,
// group), atomically with its XACK. An entry delivered more than maxDeliveries
// times without a verdict (it crashes or stalls its consumer) is dead-lettered
// without running the handler again.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { isCluster, type RedisClient } from "../adapters/redis-client";
import type { PassResult, WorkerJob, WorkerSchedule } from "./worker";

/** One stream entry handed to a handler. */
export interface StreamMessage {
  /** The stream entry id ("<ms>-<seq>"). Not a dedupe key: a re-published outbox row gets a new one. */
  entryId: string;
  fields: Readonly<Record<string, string>>;
  /** Deliveries to this group so far, this one included: 1 the first time. */
  deliveries: number;
}

export interface StreamConsumerOptions {
  /**
   * A connection for this consumer alone: XREADGROUP BLOCK holds it for up to blockMs, delaying any other
   * command sent on it. Its commandTimeout, if set, must exceed blockMs.
   */
  redis: RedisClient;
  stream: string;
  group: string;
  /** Unique per process (see `defaultConsumerName`): two live processes sharing a name would share a pending list. */
  consumer: string;
  /** Must be idempotent (see above). Throwing leaves the entry pending for a retry. */
  handle: (message: StreamMessage) => Promise<void>;
  /** Deliveries before an entry that keeps failing is dead-lettered (1..100). */
  maxDeliveries?: number;
  deadLetterStream?: string;
  /** XADD MAXLEN ~ bound on the dead-letter stream. */
  deadLetterMaxLength?: number;
  /**
   * How long an entry must sit unacknowledged before any consumer may take it over; also the retry delay of
   * a failed entry. Must exceed the time a whole batch takes to handle, or entries are handled twice.
   */
  claimIdleMs?: number;
  /** How long a read waits for new entries (XREADGROUP BLOCK); 0 does not wait. */
  blockMs?: number;
  /** Entries per runOnce, claimed and new together (1..1000). Handled one after another. */
  batchSize?: number;
  /** Where a group created by this consumer starts: "$" (entries added from now on) or "0" (the whole stream). */
  startId?: "$" | "0";
  /** The worker's first retry delay after a Redis failure; doubles per consecutive failure, with jitter. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  log: Pick<Logger, "info" | "warn" | "error">;
}

export interface RunResult {
  /** Entries whose handler resolved (and that were acknowledged). */
  handled: number;
  /** Entries whose handler threw and that stay pending for a retry. */
  failed: number;
  /** Entries moved to the dead-letter stream (and acknowledged). */
  deadLettered: number;
}

const DEFAULT_MAX_DELIVERIES = 5;
const MAX_DELIVERIES_LIMIT = 100;
const DEFAULT_CLAIM_IDLE_MS = 30_000;
const DEFAULT_BLOCK_MS = 1_000;
const DEFAULT_BATCH_SIZE = 10;
const BATCH_SIZE_MAX = 1_000;
const DEFAULT_DEAD_LETTER_MAX_LENGTH = 100_000;
const DEFAULT_BACKOFF_BASE_MS = 200;
const DEFAULT_BACKOFF_MAX_MS = 30_000;
/** How long the worker pauses when a non-blocking read found nothing. */
const IDLE_POLL_MS = 100;
/** Dead-lettered error texts are cut here: a stream entry is no place for a megabyte stack. */
const ERROR_TEXT_LENGTH_MAX = 2_000;
const DEAD_LETTER_FIELDS = new Set(["error", "deliveries", "failedAt", "originalId", "group"]);

/** A consumer name unique to this process: host, pid and a random suffix. */
export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** A consumer's job: a pass is one round (runOnce); run it with a Worker, whose stop waits up to blockMs for a blocked read. */
export class StreamConsumer implements WorkerJob {
  readonly name: string;
  readonly failureMessage = "stream consumer round failed";
  readonly schedule: WorkerSchedule;
  private readonly redis: RedisClient;
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly deadLetterStream: string;
  private readonly handle: StreamConsumerOptions["handle"];
  private readonly maxDeliveries: number;
  private readonly deadLetterMaxLength: number;
  private readonly claimIdleMs: number;
  private readonly blockMs: number;
  private readonly batchSize: number;
  private readonly startId: "$" | "0";
  private readonly log: StreamConsumerOptions["log"];
  private groupReady = false;
  /** XAUTOCLAIM's cursor: each call scans on from where the previous one stopped. */
  private claimCursor = "0-0";

  constructor(options: StreamConsumerOptions) {
    this.redis = options.redis;
    this.stream = options.stream;
    this.group = options.group;
    this.consumer = options.consumer;
    this.handle = options.handle;
    this.maxDeliveries = options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    // `{stream}:dead` hashes like `stream` itself, so the MULTI that moves a message there runs on Redis Cluster.
    this.deadLetterStream = options.deadLetterStream ?? defaultDeadLetterStream(options.stream);
    this.deadLetterMaxLength = options.deadLetterMaxLength ?? DEFAULT_DEAD_LETTER_MAX_LENGTH;
    this.claimIdleMs = options.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS;
    this.blockMs = options.blockMs ?? DEFAULT_BLOCK_MS;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.startId = options.startId ?? "$";
    this.log = options.log;
    this.name = `stream-consumer:${this.stream}:${this.group}`;
    // A blocking read waits by itself; a non-blocking one polls. The Worker checks the schedule's bounds.
    this.schedule = {
      intervalMs: this.blockMs > 0 ? 0 : IDLE_POLL_MS,
      backoff: {
        initialDelayMs: options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS,
        maxDelayMs: options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
      },
    };
    for (const [name, value] of Object.entries({
      stream: this.stream,
      group: this.group,
      consumer: this.consumer,
      deadLetterStream: this.deadLetterStream,
    })) {
      if (value.length === 0) throw new Error(`${name} must not be empty`);
    }
    if (this.deadLetterStream === this.stream)
      throw new Error("the dead-letter stream must differ from the stream");
    assertIntegerIn("maxDeliveries", this.maxDeliveries, 1, MAX_DELIVERIES_LIMIT);
    assertIntegerIn("deadLetterMaxLength", this.deadLetterMaxLength, 1, Number.MAX_SAFE_INTEGER);
    assertIntegerIn("claimIdleMs", this.claimIdleMs, 1, 24 * 60 * 60 * 1000);
    assertIntegerIn("blockMs", this.blockMs, 0, 60 * 1000);
    assertIntegerIn("batchSize", this.batchSize, 1, BATCH_SIZE_MAX);
    const commandTimeoutMs = isCluster(this.redis)
      ? this.redis.options.redisOptions?.commandTimeout
      : this.redis.options.commandTimeout;
    if (commandTimeoutMs !== undefined && this.blockMs > 0 && commandTimeoutMs <= this.blockMs) {
      throw new Error(
        `the Redis commandTimeout (${commandTimeoutMs} ms) must exceed blockMs (${this.blockMs})`,
      );
    }
  }

  /** Creates the group (and the stream) unless it exists. Idempotent; runOnce calls it. */
  async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.redis.xgroup("CREATE", this.stream, this.group, this.startId, "MKSTREAM");
    } catch (error) {
      if (!redisErrorIs(error, "BUSYGROUP")) throw error;
    }
    this.groupReady = true;
  }

  /**
   * One round: takes over entries idle past claimIdleMs (crashed consumers, failed entries due for a
   * retry), then reads new ones (waiting up to blockMs when there was nothing to take over), and handles
   * them one by one. At most batchSize entries. Throws when Redis fails; handler errors do not throw.
   */
  async runOnce(): Promise<RunResult> {
    await this.ensureGroup();
    const result: RunResult = { handled: 0, failed: 0, deadLettered: 0 };
    try {
      const claimed = await this.claimIdle();
      const fresh =
        claimed.length < this.batchSize
          ? await this.readNew(this.batchSize - claimed.length, claimed.length === 0 ? this.blockMs : 0)
          : [];
      for (const message of [...claimed, ...fresh]) {
        result[await this.process(message)] += 1;
      }
    } catch (error) {
      // The stream was deleted (and its groups with it): recreate the group next round.
      if (redisErrorIs(error, "NOGROUP")) this.groupReady = false;
      throw error;
    }
    return result;
  }

  /** The worker's pass: one round, and the next at once while entries keep coming. */
  async pass(): Promise<PassResult> {
    const { handled, failed, deadLettered } = await this.runOnce();
    const done = handled + failed + deadLettered;
    return { done, more: done > 0 };
  }

  private async claimIdle(): Promise<StreamMessage[]> {
    const reply = (await this.redis.xautoclaim(
      this.stream,
      this.group,
      this.consumer,
      this.claimIdleMs,
      this.claimCursor,
      "COUNT",
      this.batchSize,
    )) as unknown;
    if (!Array.isArray(reply) || typeof reply[0] !== "string") throw new Error("unexpected XAUTOCLAIM reply");
    this.claimCursor = reply[0];
    const entries = parseEntries(reply[1]);
    // Redis 7 drops trimmed entries from the pending list and names them here; 6.2 returns them with nil fields.
    const trimmed = Array.isArray(reply[2]) ? reply[2].length : 0;
    const live = entries.filter((entry) => entry.fields !== null);
    const gone = entries.filter((entry) => entry.fields === null).map((entry) => entry.entryId);
    if (gone.length > 0) await this.redis.xack(this.stream, this.group, ...gone);
    if (trimmed + gone.length > 0) {
      this.log.warn(
        { stream: this.stream, group: this.group, count: trimmed + gone.length },
        "pending entries were trimmed from the stream before they were handled (MAXLEN too small for this group's lag)",
      );
    }
    if (live.length === 0) return [];
    // XAUTOCLAIM has just counted this delivery; read the counts back in one round trip.
    const pipeline = this.redis.pipeline();
    for (const entry of live) pipeline.xpending(this.stream, this.group, entry.entryId, entry.entryId, 1);
    const counts = (await pipeline.exec()) ?? [];
    const messages: StreamMessage[] = [];
    live.forEach((entry, index) => {
      const [error, pending] = counts[index] ?? [new Error("missing XPENDING reply"), null];
      if (error) throw error;
      const row = Array.isArray(pending) ? pending[0] : undefined;
      // Not pending any more: its previous owner acknowledged it after all. Nothing to do.
      if (!Array.isArray(row) || row[1] !== this.consumer) return;
      messages.push({ entryId: entry.entryId, fields: entry.fields ?? {}, deliveries: Number(row[3]) });
    });
    return messages;
  }

  private async readNew(count: number, blockMs: number): Promise<StreamMessage[]> {
    const { stream, group, consumer } = this;
    const reply = (
      blockMs > 0
        ? await this.redis.xreadgroup(
            "GROUP",
            group,
            consumer,
            "COUNT",
            count,
            "BLOCK",
            blockMs,
            "STREAMS",
            stream,
            ">",
          )
        : await this.redis.xreadgroup("GROUP", group, consumer, "COUNT", count, "STREAMS", stream, ">")
    ) as unknown;
    if (reply === null) return [];
    if (!Array.isArray(reply)) throw new Error("unexpected XREADGROUP reply");
    const messages: StreamMessage[] = [];
    for (const streamReply of reply) {
      if (!Array.isArray(streamReply)) throw new Error("unexpected XREADGROUP reply");
      for (const entry of parseEntries(streamReply[1])) {
        // A first delivery always counts 1 (new entries are never trimmed between XADD and read).
        messages.push({ entryId: entry.entryId, fields: entry.fields ?? {}, deliveries: 1 });
      }
    }
    return messages;
  }

  private async process(message: StreamMessage): Promise<keyof RunResult> {
    if (message.deliveries > this.maxDeliveries) {
      await this.deadLetter(
        message,
        `delivered ${message.deliveries} times without a result: its consumer crashed or stalled each time`,
      );
      return "deadLettered";
    }
    try {
      await this.handle(message);
    } catch (error) {
      if (message.deliveries >= this.maxDeliveries) {
        await this.deadLetter(message, errorText(error));
        return "deadLettered";
      }
      this.log.warn(
        {
          err: error,
          stream: this.stream,
          group: this.group,
          entryId: message.entryId,
          deliveries: message.deliveries,
          retryAfterMs: this.claimIdleMs,
        },
        "stream message handler failed: it is retried",
      );
      return "failed";
    }
    await this.redis.xack(this.stream, this.group, message.entryId);
    return "handled";
  }

  /** XADD to the dead-letter stream and XACK in one MULTI: the entry is either moved or still pending. */
  private async deadLetter(message: StreamMessage, error: string): Promise<void> {
    const fields: string[] = [];
    for (const [name, value] of Object.entries(message.fields)) {
      if (!DEAD_LETTER_FIELDS.has(name)) fields.push(name, value);
    }
    fields.push(
      "error",
      error.slice(0, ERROR_TEXT_LENGTH_MAX),
      "deliveries",
      String(message.deliveries),
      "failedAt",
      new Date().toISOString(),
      "originalId",
      message.entryId,
      "group",
      this.group,
    );
    const results = await this.redis
      .multi()
      .xadd(this.deadLetterStream, "MAXLEN", "~", this.deadLetterMaxLength, "*", ...fields)
      .xack(this.stream, this.group, message.entryId)
      .exec();
    if (results === null) throw new Error("dead-letter transaction was discarded");
    for (const [failure] of results) {
      if (failure) throw failure;
    }
    this.log.error(
      {
        stream: this.stream,
        group: this.group,
        entryId: message.entryId,
        deliveries: message.deliveries,
        deadLetterStream: this.deadLetterStream,
        error,
      },
      "stream message dead-lettered",
    );
  }
}

/** Stream entries as Redis returns them: [[id, [field, value, …] | nil], …]. */
function parseEntries(raw: unknown): Array<{ entryId: string; fields: Record<string, string> | null }> {
  if (!Array.isArray(raw)) throw new Error("unexpected stream entries reply");
  return raw.map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") throw new Error("unexpected stream entry");
    const flat: unknown = entry[1];
    if (flat === null || flat === undefined) return { entryId: entry[0], fields: null };
    if (!Array.isArray(flat)) throw new Error("unexpected stream entry fields");
    const fields: Record<string, string> = {};
    for (let index = 0; index + 1 < flat.length; index += 2) {
      fields[String(flat[index])] = String(flat[index + 1]);
    }
    return { entryId: entry[0], fields };
  });
}

function redisErrorIs(error: unknown, code: string): boolean {
  return error instanceof Error && error.message.startsWith(code);
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function assertIntegerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/** In the stream's hash slot: `{s}:dead` hashes the tag `s`, as does `s` itself when it has no tag of its own. */
export function defaultDeadLetterStream(stream: string): string {
  return /\{[^}]+\}/.test(stream) ? `${stream}:dead` : `{${stream}}:dead`;
}
