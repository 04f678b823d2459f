// Reading Patroni's REST API: who leads, who is the synchronous standby.
import { HOST, type PostgresNode } from "./layout";

export interface PatroniMember {
  name: string;
  role: "leader" | "sync_standby" | "replica" | string;
  state: string;
  lag?: number | string;
  timeline?: number;
}

export async function patroniCluster(nodes: readonly PostgresNode[]): Promise<PatroniMember[] | null> {
  // Any live node answers for the whole cluster (it reads the members from etcd).
  for (const node of nodes) {
    try {
      const response = await fetch(`http://${HOST}:${node.restPort}/cluster`, {
        signal: AbortSignal.timeout(1_000),
      });
      if (!response.ok) continue;
      const body = (await response.json()) as { members?: PatroniMember[] };
      if (Array.isArray(body.members)) return body.members;
    } catch {
      // that node is down: ask the next one
    }
  }
  return null;
}

/** A leader and, when `expectSync`, a synchronous standby, with every other member running. */
export function healthy(members: readonly PatroniMember[], expected: number): boolean {
  const running = members.filter((m) => m.state === "running" || m.state === "streaming");
  return (
    members.length === expected &&
    running.length === expected &&
    members.some((m) => m.role === "leader") &&
    members.some((m) => m.role === "sync_standby")
  );
}

export function leaderName(members: readonly PatroniMember[]): string | null {
  return members.find((m) => m.role === "leader")?.name ?? null;
}

export function describe(members: readonly PatroniMember[]): string {
  return members.map((m) => `${m.name} ${m.role} (${m.state})`).join(", ");
}
