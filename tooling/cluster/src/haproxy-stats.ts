// HAProxy's view of the Postgres nodes (its stats page as CSV): which server each
// listener sends connections to. HAProxy counts a server up until its first
// checks fail, so `cluster:up` and the drills wait on this, not on one lucky connection.
import { HAPROXY, HOST } from "./layout";

export interface ServerStatus {
  listener: string;
  server: string;
  status: string;
}

export function parseStatsCsv(csv: string): ServerStatus[] {
  const [header, ...rows] = csv.trim().split("\n");
  const columns = (header ?? "").replace(/^# /, "").split(",");
  const at = (name: string) => columns.indexOf(name);
  const [px, sv, st] = [at("pxname"), at("svname"), at("status")];
  return rows
    .map((row) => row.split(","))
    .filter((cells) => cells[sv] !== "FRONTEND" && cells[sv] !== "BACKEND")
    .map((cells) => ({ listener: cells[px] ?? "", server: cells[sv] ?? "", status: cells[st] ?? "" }));
}

export async function haproxyServers(): Promise<ServerStatus[]> {
  const response = await fetch(`http://${HOST}:${HAPROXY.stats}/;csv`, {
    signal: AbortSignal.timeout(1_000),
  });
  return parseStatsCsv(await response.text());
}

/** The servers a listener currently routes to. */
export function upServers(statuses: readonly ServerStatus[], listener: string): string[] {
  return statuses.filter((s) => s.listener === listener && s.status === "UP").map((s) => s.server);
}
