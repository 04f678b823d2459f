// Prometheus and Alertmanager run detached, each with its output in
// logs/<name>.log and its pid in pids/<name>.pid, so `monitoring:down` finds
// them again from another process. The alert drill runs them as children instead.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface MonitoringPaths {
  root: string;
  logs: string;
  pids: string;
  prometheusConfig: string;
  prometheusData: string;
  alertmanagerConfig: string;
  alertmanagerData: string;
  tokenFile: string;
}

export function monitoringPaths(root: string): MonitoringPaths {
  return {
    root,
    logs: join(root, "logs"),
    pids: join(root, "pids"),
    prometheusConfig: join(root, "prometheus.yml"),
    prometheusData: join(root, "prometheus-data"),
    alertmanagerConfig: join(root, "alertmanager.yml"),
    alertmanagerData: join(root, "alertmanager-data"),
    tokenFile: join(root, "metrics-token"),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(paths: MonitoringPaths, name: string): number | null {
  const file = join(paths.pids, `${name}.pid`);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function runningPid(paths: MonitoringPaths, name: string): number | null {
  const pid = readPid(paths, name);
  return pid !== null && isAlive(pid) ? pid : null;
}

export function startDaemon(
  paths: MonitoringPaths,
  name: string,
  command: string,
  args: readonly string[],
): number {
  const running = runningPid(paths, name);
  if (running !== null) return running;
  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(paths.pids, { recursive: true });
  const log = openSync(join(paths.logs, `${name}.log`), "a");
  const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log], cwd: paths.root });
  if (child.pid === undefined) throw new Error(`${name}: ${command} did not start`);
  child.unref();
  writeFileSync(join(paths.pids, `${name}.pid`), `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM, then SIGKILL after the grace period. Returns whether it was running. */
export async function stopDaemon(paths: MonitoringPaths, name: string, graceMs = 15_000): Promise<boolean> {
  const pid = readPid(paths, name);
  rmSync(join(paths.pids, `${name}.pid`), { force: true });
  if (pid === null || !isAlive(pid)) return false;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  return true;
}

/** Polls `url` until it answers 200, for at most `timeoutMs`. */
export async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}
