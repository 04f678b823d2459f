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
// Requests that arrive while a call is out share the next one (as group commit
// does for the payment path's writes): a lone request waits for nothing, and
// under load one script counts the limits of every request that queued meanwhile
// (at most GROUP_MAX), each request's in order and stopping at its own first
// limit reached, exactly as separate calls one after the other would. One round
// trip and one socket write for the group instead of one each (issue 23: the
// Redis call was a tenth of a read's API CPU).
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

/** Requests whose limits one grouped call counts at most. */
export const GROUP_MAX = 32;

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

/**
 * The script above for several requests: ARGV[1] is the number of requests, then per request its number of keys
 * followed by points and window seconds per key; KEYS are every request's keys in the same order. Returns
 * {index, milliseconds} per request, as the single script does.
 */
const CONSUME_GROUP_SCRIPT = `
local results = {}
local k = 1
local a = 2
for g = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[a])
  a = a + 1
  local reached = 0
  local wait = 0
  for i = 1, n do
    local points = tonumber(ARGV[a])
    local seconds = ARGV[a + 1]
    a = a + 2
    if reached == 0 then
      redis.call('set', KEYS[k], 0, 'EX', seconds, 'NX')
      local consumed = redis.call('incrby', KEYS[k], 1)
      local ttl = redis.call('pttl', KEYS[k])
      if ttl == -1 then
        redis.call('expire', KEYS[k], seconds)
        ttl = 1000 * tonumber(seconds)
      end
      if consumed > points then
        reached = i
        wait = ttl
      end
    end
    k = k + 1
  end
  results[#results + 1] = reached
  results[#results + 1] = wait
end
return results
`;

/** A call's outcome: {index, ms}; Redis was too slow, failed, or was paused by an earlier member's deadline. */
type CallAnswer = [number, number] | "deadline" | "error" | "paused";

interface Queued {
  keys: string[];
  args: number[];
  answer: (answer: CallAnswer) => void;
}

interface Limiter {
  keyPrefix: string;
  spec: LimitSpec;
  memory: RateLimiterMemory;
}

type ScriptClient = RedisClient & {
  paycoreRateLimit(numberOfKeys: number, ...keysAndArgs: Array<string | number>): Promise<[number, number]>;
  paycoreRateLimitGroup(numberOfKeys: number, ...keysAndArgs: Array<string | number>): Promise<number[]>;
};

export class RateLimiters {
  private readonly limiters = new Map<string, Limiter>();
  private readonly scripted: ScriptClient | null;
  /** A single Redis takes every limit of a request in one script; a cluster one limit per call. */
  private readonly oneCallForAll: boolean;
  private redisPausedUntilMs = 0;
  /** Requests waiting for the call out to be answered; they go together in the next one. */
  private readonly queue: Queued[] = [];
  private callOut = false;
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
      redis.defineCommand("paycoreRateLimitGroup", { lua: CONSUME_GROUP_SCRIPT });
      this.scripted = redis as ScriptClient;
    } else {
      this.scripted = null;
    }
    this.oneCallForAll = redis instanceof Redis;
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
    const answer = await new Promise<CallAnswer>((resolve) => {
      const member = { keys, args, answer: resolve };
      // A cluster would refuse a group whose keys lie in different hash slots: there each call goes alone, at once.
      if (!this.oneCallForAll) return this.callRedis(redis, [member], () => {});
      this.queue.push(member);
      if (!this.callOut) this.callQueue(redis);
    });
    if (answer === "deadline") {
      this.deadlineMisses += 1;
      reportRedisFallback("deadline");
      return this.consumeInMemory(limiters, checks, offset);
    }
    if (answer === "paused") return this.consumeInMemory(limiters, checks, offset);
    if (answer === "error") {
      reportRedisFallback("error");
      return this.consumeInMemory(limiters, checks, offset);
    }
    const [reached, retryAfterMs] = answer;
    if (reached === 0) return { allowed: true };
    return { allowed: false, index: offset + Number(reached) - 1, retryAfterMs: Number(retryAfterMs) };
  }

  /** Sends the queue (up to GROUP_MAX requests) in one call; the next call goes when this one is answered. */
  private callQueue(redis: ScriptClient): void {
    const group = this.queue.splice(0, GROUP_MAX);
    this.callOut = group.length > 0;
    if (group.length > 0) this.callRedis(redis, group, () => this.callQueue(redis));
  }

  /** One round trip counting `group`'s limits; `then` runs once every member has its answer. */
  private callRedis(redis: ScriptClient, group: Queued[], then: () => void): void {
    this.redisCalls += 1;
    let settled = false;
    const settle = (answers: readonly CallAnswer[] | "deadline" | "error") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      group.forEach((member, index) => {
        member.answer(typeof answers === "string" ? answers : (answers[index] ?? "error"));
      });
      if (answers === "deadline") {
        // A hung Redis: every limiter counts in memory for a while, starting with the requests already queued.
        this.redisPausedUntilMs = this.now() + REDIS_PAUSE_MS;
        for (const member of this.queue.splice(0)) member.answer("paused");
      }
      then();
    };
    const timer = setTimeout(() => settle("deadline"), REDIS_DEADLINE_MS);
    const only = group.length === 1 ? group[0] : undefined;
    const call: Promise<CallAnswer[]> =
      only !== undefined
        ? redis.paycoreRateLimit(only.keys.length, ...only.keys, ...only.args).then((answer) => [answer])
        : redis
            .paycoreRateLimitGroup(
              group.reduce((count, member) => count + member.keys.length, 0),
              ...group.flatMap((member) => member.keys),
              group.length,
              ...group.flatMap((member) => [member.keys.length, ...member.args]),
            )
            .then((flat) => group.map((_, index) => [Number(flat[2 * index]), Number(flat[2 * index + 1])]));
    call.then(settle, () => settle("error"));
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
