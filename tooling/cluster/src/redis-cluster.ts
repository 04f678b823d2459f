// The Redis Cluster's state as one node sees it (`CLUSTER INFO`).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { HOST } from "./layout";

const run = promisify(execFile);

export interface RedisClusterState {
  state: string;
  knownNodes: number;
  size: number;
}

export function parseClusterInfo(text: string): RedisClusterState {
  const fields = new Map(
    text
      .split(/\r?\n/)
      .map((line) => line.split(":"))
      .filter((parts): parts is [string, string] => parts.length === 2)
      .map(([k, v]) => [k.trim(), v.trim()] as const),
  );
  return {
    state: fields.get("cluster_state") ?? "unknown",
    knownNodes: Number(fields.get("cluster_known_nodes") ?? 0),
    size: Number(fields.get("cluster_size") ?? 0),
  };
}

export async function redisClusterState(port: number): Promise<RedisClusterState> {
  const { stdout } = await run("redis-cli", ["-h", HOST, "-p", String(port), "cluster", "info"], {
    timeout: 2_000,
  });
  return parseClusterInfo(stdout);
}
