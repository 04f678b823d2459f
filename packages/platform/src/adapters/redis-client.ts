// One ioredis client set up to fail fast: no offline queue (a command while
// disconnected fails at once) and reconnection in the background with a capped
// backoff, so a Redis outage degrades to Postgres-only instead of hanging.
import { Redis } from "ioredis";

const RECONNECT_DELAY_MAX_MS = 2_000;

export function createRedisClient(url: string, log: (message: string) => void): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    commandTimeout: 500,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 100, RECONNECT_DELAY_MAX_MS),
  });
  let lastState = "";
  const report = (state: string) => {
    if (state !== lastState) log(`redis ${state}`);
    lastState = state;
  };
  redis.on("ready", () => report("ready"));
  redis.on("error", () => report("unavailable: idempotency falls back to Postgres"));
  return redis;
}
