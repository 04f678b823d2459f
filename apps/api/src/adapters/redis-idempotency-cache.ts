// The Redis fast path of idempotency: a SET NX lock per key and a cached copy of
// completed responses. Redis being slow or gone must never stall a payment, so
// every call has a short deadline and answers "unavailable" instead of waiting.
import type { CachedResult, IdempotencyCache } from "@paycore/core/ports/idempotency-store";
import type { Redis } from "ioredis";
import { UNAVAILABLE, withRedisDeadline } from "./redis-deadline";

const RELEASE_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export class RedisIdempotencyCache implements IdempotencyCache {
  constructor(private readonly redis: Redis) {}

  async acquireLock(
    scopeKey: string,
    token: string,
    ttlMs: number,
  ): Promise<"acquired" | "held" | "unavailable"> {
    const result = await this.call(() => this.redis.set(`${scopeKey}:lock`, token, "PX", ttlMs, "NX"));
    if (result === UNAVAILABLE) return "unavailable";
    return result === "OK" ? "acquired" : "held";
  }

  async releaseLock(scopeKey: string, token: string): Promise<void> {
    await this.call(() => this.redis.eval(RELEASE_IF_OWNER, 1, `${scopeKey}:lock`, token));
  }

  async getCompleted(scopeKey: string): Promise<CachedResult | null | "unavailable"> {
    const raw = await this.call(() => this.redis.get(`${scopeKey}:done`));
    if (raw === UNAVAILABLE) return "unavailable";
    if (raw === null) return null;
    return JSON.parse(raw) as CachedResult;
  }

  async putCompleted(scopeKey: string, result: CachedResult, ttlMs: number): Promise<void> {
    await this.call(() => this.redis.set(`${scopeKey}:done`, JSON.stringify(result), "PX", ttlMs));
  }

  private call<T>(command: () => Promise<T>): Promise<T | typeof UNAVAILABLE> {
    return withRedisDeadline(this.redis, command);
  }
}
