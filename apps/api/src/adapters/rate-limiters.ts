// Counting requests against a limit, shared by all API processes through Redis
// (rate-limiter-flexible's RateLimiterRedis: one Lua INCR + PEXPIRE per call,
// a fixed window of `durationSec`) and never unlimited without it: each
// limiter's `insuranceLimiter` is an in-memory limiter of this process, which
// allows its share of the limit (points ÷ API processes) while Redis is down.
//
// Redis is a fast path here as everywhere (redis-deadline.ts): a closed or
// disconnected Redis fails at once (`rejectIfRedisNotReady`, and the client
// keeps no offline queue), and one that accepts the command but does not
// answer within REDIS_DEADLINE_MS is passed over for REDIS_PAUSE_MS, so a hung
// Redis costs one request a deadline, not every request.

import type { RedisClient } from "@paycore/platform/adapters/redis-client";
import { REDIS_DEADLINE_MS, reportRedisFallback } from "@paycore/platform/adapters/redis-deadline";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

/** After a missed deadline, how long every limiter counts in memory before trying Redis again. */
export const REDIS_PAUSE_MS = 1_000;

/** Distinct (name, points, window) limiters kept; per-merchant overrides make one each. */
const LIMITERS_MAX = 1_000;

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface LimitSpec {
  /** Which limit: part of the Redis key, with the points, so a changed override starts a fresh window. */
  name: string;
  points: number;
  durationSec: number;
}

interface Pair {
  redis: RateLimiterRedis | null;
  memory: RateLimiterMemory;
}

export class RateLimiters {
  private readonly limiters = new Map<string, Pair>();
  private redisPausedUntilMs = 0;
  /** Calls that missed the Redis deadline and were counted in memory instead (for tests and logs). */
  deadlineMisses = 0;

  /**
   * @param redis shared by all processes; null: every process counts on its own
   * @param processes API processes sharing the limits; each allows this share of them when counting alone
   */
  constructor(
    private readonly redis: RedisClient | null,
    private readonly processes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `subject` (an id, never a secret) against the limit. */
  async consume(spec: LimitSpec, subject: string): Promise<LimitDecision> {
    const pair = this.pair(spec);
    try {
      await this.consumeWithDeadline(pair, subject);
      return { allowed: true };
    } catch (error) {
      if (error instanceof RateLimiterRes) return { allowed: false, retryAfterMs: error.msBeforeNext };
      throw error;
    }
  }

  private consumeWithDeadline(pair: Pair, subject: string): Promise<RateLimiterRes> {
    const { redis, memory } = pair;
    if (redis === null || this.now() < this.redisPausedUntilMs) return memory.consume(subject);
    return new Promise<RateLimiterRes>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.deadlineMisses += 1;
        reportRedisFallback("deadline");
        this.redisPausedUntilMs = this.now() + REDIS_PAUSE_MS;
        memory.consume(subject).then(resolve, reject);
      }, REDIS_DEADLINE_MS);
      // On a Redis error (or a Redis not ready) the library itself consumes from the insurance limiter.
      redis.consume(subject).then(
        (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private pair(spec: LimitSpec): Pair {
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
    const redis =
      this.redis === null
        ? null
        : new RateLimiterRedis({
            storeClient: this.redis,
            keyPrefix,
            points: spec.points,
            duration: spec.durationSec,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          });
    const pair = { redis, memory };
    this.limiters.set(id, pair);
    return pair;
  }
}
