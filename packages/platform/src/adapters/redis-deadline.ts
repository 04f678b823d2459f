// Redis is a fast path: a command that is slow or fails must never stall a
// payment. Each call answers within a short deadline, or says "unavailable".
import type { RedisClient } from "./redis-client";

export const UNAVAILABLE = Symbol("unavailable");

/** Longest we wait for Redis before carrying on without it. */
export const REDIS_DEADLINE_MS = 250;

/** Why a command went without Redis: the metrics' `reason` label. */
export type RedisFallbackReason = "not_ready" | "deadline" | "error";

/** Each runtime's metrics listen here (paycore_redis_fallbacks_total); the function itself stays free. */
const fallbackListeners = new Set<(reason: RedisFallbackReason) => void>();

/** Calls `listener` on every fallback until the returned function is called. */
export function onRedisFallback(listener: (reason: RedisFallbackReason) => void): () => void {
  fallbackListeners.add(listener);
  return () => fallbackListeners.delete(listener);
}

/** Tells the listeners that a command went without Redis (callers with their own deadline report here too). */
export function reportRedisFallback(reason: RedisFallbackReason): void {
  for (const listener of fallbackListeners) listener(reason);
}

function fellBack(reason: RedisFallbackReason): typeof UNAVAILABLE {
  reportRedisFallback(reason);
  return UNAVAILABLE;
}

export async function withRedisDeadline<T>(
  redis: RedisClient,
  command: () => Promise<T>,
): Promise<T | typeof UNAVAILABLE> {
  if (redis.status !== "ready") return fellBack("not_ready");
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      command(),
      new Promise<typeof UNAVAILABLE>((resolve) => {
        timer = setTimeout(() => resolve(UNAVAILABLE), REDIS_DEADLINE_MS);
      }),
    ]);
    return answer === UNAVAILABLE ? fellBack("deadline") : answer;
  } catch {
    return fellBack("error");
  } finally {
    clearTimeout(timer);
  }
}
