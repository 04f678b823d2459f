// Serves an app over HTTP until told to stop, in this process or in several
// processes sharing one port (API_PROCESSES, node:cluster).
import cluster from "node:cluster";
import { createServer, type Server } from "node:http";
import type { App } from "./app";

export async function listen(app: App, port: number, host: string): Promise<Server> {
  const server = createServer(app.yoga);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeIdleConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** On SIGINT or SIGTERM (the first one only): stop accepting, run `cleanup`, exit 0. */
export function stopOnSignal(
  server: Server,
  cleanup: () => Promise<void>,
  log: (message: string) => void,
): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await closeServer(server);
    await cleanup();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/** True in a process forked by `runWorkerProcesses`: it serves, and leaves set-up to the primary. */
export function isWorkerProcess(): boolean {
  return cluster.isWorker;
}

/**
 * Forks `count` workers running this same entry point (they see `isWorkerProcess()`), which all listen on
 * one port: node:cluster's primary accepts the connections and hands them out round-robin. The primary
 * only supervises: SIGINT or SIGTERM stops every worker, and a worker that exits on its own stops the
 * others, so the process supervisor (systemd, Kubernetes) restarts the whole group. Calls `onListening`
 * once every worker listens, and resolves with the exit code once all have exited.
 */
export function runWorkerProcesses(options: {
  count: number;
  env?: Record<string, string>;
  log: (message: string) => void;
  onListening?: (port: number) => void;
}): Promise<number> {
  const { count, log } = options;
  let stopping = false;
  let exitCode = 0;
  const stopAll = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: stopping ${count} API processes`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
  };
  process.on("SIGINT", () => stopAll("SIGINT"));
  process.on("SIGTERM", () => stopAll("SIGTERM"));

  return new Promise((resolve) => {
    let listening = 0;
    let alive = count;
    cluster.on("listening", (_worker, address) => {
      listening += 1;
      if (listening === count) options.onListening?.(address.port);
    });
    cluster.on("exit", (worker, code, signal) => {
      alive -= 1;
      if (!stopping) {
        exitCode = 1;
        stopAll(`API process ${worker.process.pid} exited (${signal ?? `code ${code}`})`);
      }
      if (alive === 0) resolve(exitCode);
    });
    for (let i = 0; i < count; i++) cluster.fork(options.env ?? {});
  });
}
