// The Redis fast path of idempotency: a SET NX lock per key and a cached copy of
// completed responses. Redis being slow or gone must never stall a payment, so
// every call has a short deadline and answers "unavailable" instead of waiting.
// A request's start (replay or lock) and end (cache and unlock) are one script
// each, run by EVALSHA: one round trip apiece. A key's lock and result share a
// hash tag, so the scripts also run on Redis Cluster.
import { LEGACY_IDEMPOTENCY_SCOPE_KEY_PREFIX } from "@paycore/core/idempotency/idempotency-service";
import type { CachedResult, IdempotencyCache, LockOutcome } from "@paycore/core/ports/idempotency-store";
import { isCluster, type RedisClient } from "./redis-client";
import { UNAVAILABLE, withRedisDeadline } from "./redis-deadline";

const RELEASE_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** KEYS: result, lock. ARGV: token, ttl ms. The stored result, or "acquired" / "held". */
const COMPLETED_OR_LOCK = `
local done = redis.call("get", KEYS[1])
if done then return {"done", done} end
if redis.call("set", KEYS[2], ARGV[1], "PX", ARGV[2], "NX") then return {"acquired"} end
return {"held"}`;

/** KEYS: result, lock. ARGV: result, ttl ms, token. */
const PUT_AND_RELEASE = `
redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2])
if redis.call("get", KEYS[2]) == ARGV[3] then redis.call("del", KEYS[2]) end
return 1`;

interface IdempotencyScripts {
  paycoreReleaseIfOwner(lock: string, token: string): Promise<number>;
  paycoreCompletedOrLock(done: string, lock: string, token: string, ttlMs: number): Promise<string[]>;
  paycorePutAndRelease(
    done: string,
    lock: string,
    result: string,
    ttlMs: number,
    token: string,
  ): Promise<number>;
}

export class RedisIdempotencyCache implements IdempotencyCache {
  private readonly scripts: IdempotencyScripts;

  constructor(private readonly redis: RedisClient) {
    redis.defineCommand("paycoreReleaseIfOwner", { numberOfKeys: 1, lua: RELEASE_IF_OWNER });
    redis.defineCommand("paycoreCompletedOrLock", { numberOfKeys: 2, lua: COMPLETED_OR_LOCK });
    redis.defineCommand("paycorePutAndRelease", { numberOfKeys: 2, lua: PUT_AND_RELEASE });
    this.scripts = redis as unknown as IdempotencyScripts;
  }

  async acquireLock(scopeKey: string, token: string, ttlMs: number): Promise<LockOutcome> {
    const result = await this.call(() => this.redis.set(lockKey(scopeKey), token, "PX", ttlMs, "NX"));
    if (result === UNAVAILABLE) return "unavailable";
    return result === "OK" ? "acquired" : "held";
  }

  async releaseLock(scopeKey: string, token: string): Promise<void> {
    await this.call(() => this.scripts.paycoreReleaseIfOwner(lockKey(scopeKey), token));
  }

  async getCompleted(scopeKey: string): Promise<CachedResult | null | "unavailable"> {
    const raw = await this.call(() => this.redis.get(doneKey(scopeKey)));
    if (raw === UNAVAILABLE) return "unavailable";
    if (raw === null) return null;
    return JSON.parse(raw) as CachedResult;
  }

  async putCompleted(scopeKey: string, result: CachedResult, ttlMs: number): Promise<void> {
    await this.call(() => this.redis.set(doneKey(scopeKey), JSON.stringify(result), "PX", ttlMs));
  }

  async completedOrLock(
    scopeKey: string,
    token: string,
    ttlMs: number,
  ): Promise<{ completed: CachedResult } | LockOutcome> {
    const reply = await this.call(() =>
      this.scripts.paycoreCompletedOrLock(doneKey(scopeKey), lockKey(scopeKey), token, ttlMs),
    );
    if (reply === UNAVAILABLE) return "unavailable";
    const [outcome, raw] = reply;
    if (outcome === "done" && raw !== undefined) return { completed: JSON.parse(raw) as CachedResult };
    return outcome === "acquired" ? "acquired" : "held";
  }

  async putCompletedAndRelease(
    scopeKey: string,
    result: CachedResult,
    ttlMs: number,
    token: string,
  ): Promise<void> {
    await this.call(() =>
      this.scripts.paycorePutAndRelease(
        doneKey(scopeKey),
        lockKey(scopeKey),
        JSON.stringify(result),
        ttlMs,
        token,
      ),
    );
  }

  private call<T>(command: () => Promise<T>): Promise<T | typeof UNAVAILABLE> {
    return withRedisDeadline(this.redis, command);
  }
}

/** `{scope}:done` and `{scope}:lock`: the braces make Redis Cluster keep both in one slot. */
export function doneKey(scopeKey: string): string {
  return `{${scopeKey}}:done`;
}

export function lockKey(scopeKey: string): string {
  return `{${scopeKey}}:lock`;
}

/** Keys asked for per SCAN page, and pages read at most, when deleting legacy entries: a bounded sweep. */
const LEGACY_SCAN_PAGE_SIZE = 1_000;
const LEGACY_SCAN_PAGES_MAX = 10_000;

/**
 * Deletes the cache entries written before scope keys were versioned (`{idem:…}`, see idempotencyScopeKey).
 * Those of tokenizeCard hold request hashes computed over the card number and the CVC. None is read any more
 * and all expire within the cache TTL (an hour) anyway: this removes them at start-up rather than leaving them
 * in memory and snapshots until then. Answers how many went; throws when Redis does (the caller logs it).
 */
export async function deleteLegacyIdempotencyEntries(redis: RedisClient): Promise<number> {
  const match = `{${LEGACY_IDEMPOTENCY_SCOPE_KEY_PREFIX}*`;
  // SCAN walks one node: on a cluster, every master in turn. Keys are unlinked one by one (a multi-key
  // UNLINK must stay in one slot), pipelined per page.
  const nodes = isCluster(redis) ? redis.nodes("master") : [redis];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = "0";
    for (let page = 0; page < LEGACY_SCAN_PAGES_MAX; page++) {
      const [next, keys] = await node.scan(cursor, "MATCH", match, "COUNT", LEGACY_SCAN_PAGE_SIZE);
      if (keys.length > 0) {
        const pipeline = node.pipeline();
        for (const key of keys) pipeline.unlink(key);
        for (const [error, count] of (await pipeline.exec()) ?? []) {
          if (error) throw error;
          deleted += Number(count);
        }
      }
      cursor = next;
      if (cursor === "0") break;
    }
  }
  return deleted;
}
