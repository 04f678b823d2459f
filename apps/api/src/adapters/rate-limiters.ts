// Counting requests against limits, shared by all API processes through Redis
// (fixed windows of `durationSec`, counted with INCR and an expiry, as
// rate-limiter-flexible's RateLimiterRedis does and in the same keys) and never
// unlimited without it: each limit has an in-memory limiter of this process
// (rate-limiter-flexible's RateLimiterMemory), which allows its share of the
// limit (points ÷ API processes) while Redis is down.
//
// One request's limits (the client's IP, then its key's) are counted in one
// Lua script, so they cost one round trip instead of one each (issue 23: the
// read mix spent a Redis round trip per limit). The script counts them in order
// and stops at the first one reached, as checking them one by one did. A Redis
// Cluster would refuse a script whose keys lie in different hash slots, so there
// each limit keeps its own call (one key each).
//
// Redis is a fast path here as everywhere (redis-deadline.ts): a closed or
// disconnected Redis fails at once (the client keeps no offline queue), and
// one that accepts the command but does not answer within REDIS_DEADLINE_MS is
// passed over for REDIS_PAUSE_MS, so a hung Redis costs one request a deadline,
// not every request.

import type { RedisClient } from "@paycore/platform/adapters/redis-client";
import { REDIS_DEADLINE_MS, reportRedisFallback } from "@paycore/platform/adapters/redis-deadline";
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

/** After a missed deadline, how long every limiter counts in memory before trying Redis again. */
export const REDIS_PAUSE_MS = 1_000;

/** Distinct (name, points, window) limiters kept; per-merchant overrides make one each. */
const LIMITERS_MAX = 1_000;

/** Limits counted in one call: a request has at most three (IP, key, key and IP). */
export const CHECKS_PER_CALL_MAX = 4;

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** The first limit reached among several, by its index in the list given, or none. */
export type LimitsDecision = { allowed: true } | { allowed: false; index: number; retryAfterMs: number };

export interface LimitSpec {
  /** Which limit: part of the Redis key, with the points, so a changed override starts a fresh window. */
  name: string;
  points: number;
  durationSec: number;
}

export interface LimitCheck {
  spec: LimitSpec;
  /** An id, never a secret. */
  subject: string;
}

/**
 * For each key in turn: open its window if none is open (SET NX EX), count one, and stop at the first whose
 * count passes its points. Returns {index (1-based; 0: all allowed), milliseconds left in that window}.
 * ARGV holds points and window seconds per key.
 */
const CONSUME_SCRIPT = `
for i = 1, #KEYS do
  local points = tonumber(ARGV[2 * i - 1])
  local seconds = ARGV[2 * i]
  redis.call('set', KEYS[i], 0, 'EX', seconds, 'NX')
  local consumed = redis.call('incrby', KEYS[i], 1)
  local ttl = redis.call('pttl', KEYS[i])
  if ttl == -1 then
    redis.call('expire', KEYS[i], seconds)
    ttl = 1000 * tonumber(seconds)
  end
  if consumed > points then
    return {i, ttl}
  end
end
return {0, 0}
`;

interface Limiter {
  keyPrefix: string;
  spec: LimitSpec;
  memory: RateLimiterMemory;
}

type ScriptClient = RedisClient & {
  paycoreRateLimit(numberOfKeys: number, ...keysAndArgs: Array<string | number>): Promise<[number, number]>;
};

export class RateLimiters {
  private readonly limiters = new Map<string, Limiter>();
  private readonly scripted: ScriptClient | null;
  /** A single Redis takes every limit of a request in one script; a cluster one limit per call. */
  private readonly oneCallForAll: boolean;
  private redisPausedUntilMs = 0;
  /** Calls that missed the Redis deadline and were counted in memory instead (for tests and logs). */
  deadlineMisses = 0;
  /** Round trips to Redis made to count limits (for tests and the bench). */
  redisCalls = 0;

  /**
   * @param redis shared by all processes; null: every process counts on its own
   * @param processes API processes sharing the limits; each allows this share of them when counting alone
   */
  constructor(
    redis: RedisClient | null,
    private readonly processes: number,
    private readonly now: () => number = Date.now,
  ) {
    if (redis !== null) {
      redis.defineCommand("paycoreRateLimit", { lua: CONSUME_SCRIPT });
      this.scripted = redis as ScriptClient;
    } else {
      this.scripted = null;
    }
    this.oneCallForAll = redis instanceof Redis;
  }

  /**
   * Whether a request's limits go to a single Redis, where a command issued in the same tick (the idempotency
   * lock) shares their round trip (auto-pipelining, redis-client.ts). Not on a cluster: one call per limit there.
   */
  get sharesRoundTrip(): boolean {
    return this.scripted !== null && this.oneCallForAll;
  }

  /** Counts one request of `subject` against the limit. */
  async consume(spec: LimitSpec, subject: string): Promise<LimitDecision> {
    const decision = await this.consumeAll([{ spec, subject }]);
    return decision.allowed ? decision : { allowed: false, retryAfterMs: decision.retryAfterMs };
  }

  /**
   * Counts one request against each limit in order, stopping at the first one reached (the later ones are not
   * counted), in one round trip to a single Redis.
   */
  async consumeAll(checks: readonly LimitCheck[]): Promise<LimitsDecision> {
    if (checks.length === 0 || checks.length > CHECKS_PER_CALL_MAX) {
      throw new Error(`between 1 and ${CHECKS_PER_CALL_MAX} limits per call, got ${checks.length}`);
    }
    const limiters = checks.map((check) => this.limiter(check.spec));
    if (this.oneCallForAll) return this.consumeInRedisOrMemory(limiters, checks, 0);
    for (let index = 0; index < checks.length; index++) {
      const decision = await this.consumeInRedisOrMemory(
        [limiters[index] as Limiter],
        [checks[index] as LimitCheck],
        index,
      );
      if (!decision.allowed) return decision;
    }
    return { allowed: true };
  }

  /** `offset`: the index of `checks[0]` in the caller's list. */
  private async consumeInRedisOrMemory(
    limiters: readonly Limiter[],
    checks: readonly LimitCheck[],
    offset: number,
  ): Promise<LimitsDecision> {
    const redis = this.scripted;
    if (redis === null || this.now() < this.redisPausedUntilMs) {
      return this.consumeInMemory(limiters, checks, offset);
    }
    if (redis.status !== "ready") {
      reportRedisFallback("not_ready");
      return this.consumeInMemory(limiters, checks, offset);
    }
    const keys = limiters.map((limiter, index) => `${limiter.keyPrefix}:${checks[index]?.subject}`);
    const args = limiters.flatMap((limiter) => [limiter.spec.points, limiter.spec.durationSec]);
    this.redisCalls += 1;
    const answer = await new Promise<[number, number] | "deadline" | "error">((resolve) => {
      const timer = setTimeout(() => resolve("deadline"), REDIS_DEADLINE_MS);
      redis.paycoreRateLimit(keys.length, ...keys, ...args).then(
        (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        () => {
          clearTimeout(timer);
          resolve("error");
        },
      );
    });
    if (answer === "deadline") {
      this.deadlineMisses += 1;
      reportRedisFallback("deadline");
      this.redisPausedUntilMs = this.now() + REDIS_PAUSE_MS;
      return this.consumeInMemory(limiters, checks, offset);
    }
    if (answer === "error") {
      reportRedisFallback("error");
      return this.consumeInMemory(limiters, checks, offset);
    }
    const [reached, retryAfterMs] = answer;
    if (reached === 0) return { allowed: true };
    return { allowed: false, index: offset + Number(reached) - 1, retryAfterMs: Number(retryAfterMs) };
  }

  private async consumeInMemory(
    limiters: readonly Limiter[],
    checks: readonly LimitCheck[],
    offset: number,
  ): Promise<LimitsDecision> {
    for (let index = 0; index < limiters.length; index++) {
      try {
        await (limiters[index] as Limiter).memory.consume((checks[index] as LimitCheck).subject);
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          return { allowed: false, index: offset + index, retryAfterMs: error.msBeforeNext };
        }
        throw error;
      }
    }
    return { allowed: true };
  }

  private limiter(spec: LimitSpec): Limiter {
    const id = `${spec.name}:${spec.points}:${spec.durationSec}`;
    const found = this.limiters.get(id);
    if (found !== undefined) return found;
    if (this.limiters.size >= LIMITERS_MAX) {
      const oldest = this.limiters.keys().next();
      if (!oldest.done) this.limiters.delete(oldest.value);
    }
    const keyPrefix = `paycore:rl:${id}`;
    const memory = new RateLimiterMemory({
      keyPrefix,
      points: Math.max(1, Math.ceil(spec.points / this.processes)),
      duration: spec.durationSec,
    });
    const limiter = { keyPrefix, spec, memory };
    this.limiters.set(id, limiter);
    return limiter;
  }
}
