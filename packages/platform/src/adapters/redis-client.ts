// One ioredis client set up to fail fast: no offline queue (a command while
// disconnected fails at once) and reconnection in the background with a capped
// backoff, so a Redis outage degrades to Postgres-only instead of hanging.
// The same settings drive a single Redis (REDIS_URL) or a Redis Cluster
// (REDIS_CLUSTER_NODES): every multi-key script keeps its keys in one hash
// slot (see redis-slots.ts), so the adapters run unchanged on both.
import { Cluster, Redis } from "ioredis";

/** A single Redis or a Redis Cluster: the adapters use the commands both have. */
export type RedisClient = Redis | Cluster;

export type RedisTarget = { url: string } | { clusterNodes: readonly string[] };

const RECONNECT_DELAY_MAX_MS = 2_000;

const COMMON = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 1_000,
  commandTimeout: 500,
  // Commands issued in the same tick go out in one write (one pipeline per node): a payment's Redis calls
  // follow replies that arrive together under load (a group commit's members, replies read in one chunk),
  // so most of them share a socket write instead of paying a syscall and a Redis read each (issue 23).
  enableAutoPipelining: true,
} as const;

export function createRedisClient(target: RedisTarget | string, log: (message: string) => void): RedisClient {
  const resolved: RedisTarget = typeof target === "string" ? { url: target } : target;
  const redis =
    "url" in resolved
      ? new Redis(resolved.url, {
          ...COMMON,
          lazyConnect: false,
          retryStrategy: (times) => Math.min(times * 100, RECONNECT_DELAY_MAX_MS),
        })
      : new Cluster(resolved.clusterNodes.map(parseNode), {
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          // A moved slot (a replica promoted after its master died) is followed, a bounded number of times.
          maxRedirections: 8,
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
          retryDelayOnTryAgain: 100,
          slotsRefreshTimeout: 1_000,
          clusterRetryStrategy: (times) => Math.min(times * 100, RECONNECT_DELAY_MAX_MS),
          redisOptions: { ...COMMON },
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

/** `host:port` (IPv6 as `[::1]:7000`). */
export function parseNode(node: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(node.trim());
  if (!match?.[1] || !match[2]) throw new Error(`not a host:port Redis Cluster node: ${node}`);
  return { host: match[1], port: Number(match[2]) };
}

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}
