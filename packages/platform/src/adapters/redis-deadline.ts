// Redis is a fast path: a command that is slow or fails must never stall a
// payment. Each call answers within a short deadline, or says "unavailable".
import type { RedisClient } from "./redis-client";

export const UNAVAILABLE = Symbol("unavailable");

/** Longest we wait for Redis before carrying on without it. */
export const REDIS_DEADLINE_MS = 250;

export async function withRedisDeadline<T>(
  redis: RedisClient,
  command: () => Promise<T>,
): Promise<T | typeof UNAVAILABLE> {
  if (redis.status !== "ready") return UNAVAILABLE;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      command(),
      new Promise<typeof UNAVAILABLE>((resolve) => {
        timer = setTimeout(() => resolve(UNAVAILABLE), REDIS_DEADLINE_MS);
      }),
    ]);
  } catch {
    return UNAVAILABLE;
  } finally {
    clearTimeout(timer);
  }
}
