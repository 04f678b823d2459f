// Drill (`npm run drill:redis-gone`): every node of the local Redis Cluster is killed with SIGKILL in the middle
// of a load of creates, captures and refunds through the API (in this process, configured with
// REDIS_CLUSTER_NODES). With no Redis at all, idempotency, velocity counters and rate limits fall back to
// Postgres, which decides exactly-once on its own (the unique idempotency key); the clients retry with their
// keys. The nodes are started again afterwards (their cluster configuration survives, their data does not).
// Prints the figures, then checks the invariants (drill-harness.ts).
import { setTimeout as sleep } from "node:timers/promises";
import { figuresTable } from "@paycore/api/testing/load-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DrillBackend,
  drillInvariants,
  paymentLoad,
  resolverDuringLoad,
  startDrillBackend,
} from "./drill-harness";
import { clusterPaths, clusterUrls, postgresNodes, REDIS_PORTS } from "./layout";
import { isAlive, readPid } from "./processes";
import { redisClusterState } from "./redis-cluster";
import { clusterUp, defaultClusterDir, startRedisCluster } from "./up";

const PAYMENTS = Number(process.env.DRILL_PAYMENTS ?? 90) || 90;
const START_WINDOW_MS = 15_000;
const KILL_AFTER_MS = 4_000;
/** Redis stays dead this long: the rest of the load runs on the Postgres fallback alone. */
const DEAD_FOR_MS = 8_000;

const paths = clusterPaths(defaultClusterDir());

describe("drill: the whole Redis Cluster gone under load", () => {
  let backend: DrillBackend;

  beforeAll(async () => {
    await clusterUp({ nodes: postgresNodes(3).length, migrate: false });
    backend = await startDrillBackend({
      seed: 22,
      redisClusterNodes: clusterUrls().REDIS_CLUSTER_NODES.split(","),
    });
  }, 240_000);

  afterAll(async () => {
    await backend?.close();
  });

  it("keeps exactly-once on Postgres alone", { timeout: 300_000 }, async () => {
    const load = paymentLoad(() => backend.t.url as string, backend.merchant, 12_000);
    let requestsBeforeKill = 0;
    let requestsWhileDead = 0;
    const killer = (async () => {
      await sleep(KILL_AFTER_MS);
      requestsBeforeKill = load.client.stats.requests;
      for (const port of REDIS_PORTS) {
        const pid = readPid(paths, `redis-${port}`);
        if (pid !== null && isAlive(pid)) process.kill(pid, "SIGKILL");
      }
      await sleep(DEAD_FOR_MS);
      requestsWhileDead = load.client.stats.requests - requestsBeforeKill;
      await startRedisCluster(paths);
    })();
    const resolver = resolverDuringLoad(backend.t);
    await load.run(PAYMENTS, START_WINDOW_MS, 6);
    await resolver.stop();
    await killer;
    const invariants = await drillInvariants(backend, load, PAYMENTS);
    const states = await Promise.all(REDIS_PORTS.map((port) => redisClusterState(port)));

    console.log(
      figuresTable("Redis Cluster gone (all six nodes SIGKILLed) under load", [
        ["Redis dead for (s)", (DEAD_FOR_MS / 1000).toFixed(1)],
        ["requests before the kill / while Redis was dead", `${requestsBeforeKill} / ${requestsWhileDead}`],
        ...invariants.rows,
        ["Redis Cluster after the restart", states.map((s) => s.state).join(" ")],
      ]),
    );
    expect(requestsWhileDead).toBeGreaterThan(0);
    await invariants.check();
    expect(states.every((s) => s.state === "ok")).toBe(true);
  });
});
