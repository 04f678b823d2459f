// A private Redis Cluster for integration tests: three masters and three
// replicas of the machine's redis-server on loopback ports, formed with
// `redis-cli --cluster create`, in a temporary folder. A test may kill a master
// (the failover drill) without touching anything shared.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./redis";

const run = promisify(execFile);
const HOST = "127.0.0.1";
/** Redis Cluster's bus listens on port + 10000. */
const BUS_OFFSET = 10_000;

export interface OwnRedisCluster {
  /** `host:port` seeds, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  /** The masters' ports, as the cluster sees them now. */
  masters(): Promise<number[]>;
  /** SIGKILLs the node on this port (its replica takes over after the node timeout). */
  kill(port: number): void;
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function clusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    // The bus port must exist and is best not handed out to someone else meanwhile: stay below 55535.
    if (port + BUS_OFFSET < 65_535 && !ports.includes(port)) ports.push(port);
  }
  return ports;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("redis-cli", ["-h", HOST, "-p", String(port), ...args], { timeout: 5_000 });
  return stdout;
}

export async function startOwnRedisCluster(
  options: { nodeTimeoutMs?: number } = {},
): Promise<OwnRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "paycore-redis-cluster-"));
  const ports = await clusterPorts(6);
  const children = new Map<number, ChildProcess>();
  for (const port of ports) {
    const child = spawn(
      "redis-server",
      [
        "--bind",
        HOST,
        "--port",
        String(port),
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        `nodes-${port}.conf`,
        "--cluster-node-timeout",
        String(options.nodeTimeoutMs ?? 1_000),
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        // Replicas sync at once (the default waits 5 s to batch them); a replica that never synced refuses to
        // take over from a dead master.
        "--repl-diskless-sync-delay",
        "0",
      ],
      { stdio: "ignore" },
    );
    children.set(port, child);
  }
  const stop = async () => {
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      for (const port of ports) if ((await cli(port, "ping")).trim() !== "PONG") return false;
      return true;
    }, 10_000);
    await run(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...ports.map((p) => `${HOST}:${p}`),
        "--cluster-replicas",
        "1",
        "--cluster-yes",
      ],
      { timeout: 30_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const alive = () =>
    ports.filter((port) => children.get(port)?.exitCode === null && !children.get(port)?.killed);
  const waitHealthy = async (timeoutMs = 20_000) => {
    await until(async () => {
      for (const port of alive()) {
        const info = await cli(port, "cluster", "info");
        if (!/cluster_state:ok/.test(info)) return false;
      }
      return true;
    }, timeoutMs);
  };
  await waitHealthy();
  // Every replica in sync with its master, so a killed master has a replica able to take over.
  await until(async () => {
    for (const port of ports) {
      const info = await cli(port, "info", "replication");
      if (/role:slave/.test(info) && !/master_link_status:up/.test(info)) return false;
    }
    return true;
  }, 20_000);
  return {
    nodes: ports.map((port) => `${HOST}:${port}`),
    async masters() {
      const [anyPort] = alive();
      if (anyPort === undefined) return [];
      const lines = (await cli(anyPort, "cluster", "nodes")).trim().split("\n");
      return lines
        .map((line) => line.split(" "))
        .filter((f) => (f[2] ?? "").includes("master") && !(f[2] ?? "").includes("fail"))
        .map((f) => Number((f[1] ?? "").split("@")[0]?.split(":")[1]));
    },
    kill(port) {
      children.get(port)?.kill("SIGKILL");
    },
    waitHealthy,
    stop,
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `the Redis Cluster did not become ready${last instanceof Error ? `: ${last.message}` : ""}`,
  );
}
