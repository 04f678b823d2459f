// Starting and stopping the cluster's daemons: each runs detached with its
// output in logs/<name>.log and its pid in pids/<name>.pid, so `cluster:down`
// (or a drill killing one of them) finds it again from another process.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClusterPaths } from "./layout";

export interface RunAs {
  uid: number;
  gid: number;
  home: string;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readPid(paths: ClusterPaths, name: string): number | null {
  const file = join(paths.pids, `${name}.pid`);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function runningPid(paths: ClusterPaths, name: string): number | null {
  const pid = readPid(paths, name);
  return pid !== null && isAlive(pid) ? pid : null;
}

export function startDaemon(
  paths: ClusterPaths,
  name: string,
  command: string,
  args: readonly string[],
  options: { runAs?: RunAs; cwd?: string } = {},
): number {
  const running = runningPid(paths, name);
  if (running !== null) return running;
  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(paths.pids, { recursive: true });
  const log = openSync(join(paths.logs, `${name}.log`), "a");
  const child = spawn(command, args, {
    detached: true,
    stdio: ["ignore", log, log],
    cwd: options.cwd ?? paths.root,
    ...(options.runAs
      ? {
          uid: options.runAs.uid,
          gid: options.runAs.gid,
          env: { ...process.env, HOME: options.runAs.home, USER: "postgres", LOGNAME: "postgres" },
        }
      : {}),
  });
  if (child.pid === undefined) throw new Error(`${name}: ${command} did not start`);
  child.unref();
  writeFileSync(join(paths.pids, `${name}.pid`), `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM, then SIGKILL after the grace period. Returns whether something was running. */
export async function stopDaemon(paths: ClusterPaths, name: string, graceMs = 20_000): Promise<boolean> {
  const pid = readPid(paths, name);
  rmSync(join(paths.pids, `${name}.pid`), { force: true });
  if (pid === null || !isAlive(pid)) return false;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  return true;
}

export function daemonNames(paths: ClusterPaths): string[] {
  if (!existsSync(paths.pids)) return [];
  return readdirSync(paths.pids)
    .filter((f) => f.endsWith(".pid"))
    .map((f) => f.slice(0, -".pid".length));
}

/** Thrown by a probe to stop waiting at once (a daemon died): waitFor rethrows it. */
export class WaitAborted extends Error {}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined) return value;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : "";
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${reason}`);
}
