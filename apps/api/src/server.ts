// Serves an app over HTTP until told to stop, in this process or in several
// processes sharing one port (API_PROCESSES, node:cluster).
import cluster from "node:cluster";
import { createServer, type RequestListener, type Server } from "node:http";
import { DEFAULT_HTTP_SERVER_LIMITS, type HttpServerLimits } from "@paycore/platform/env";
import { METRICS_PATH, metricsAnswer } from "@paycore/platform/metrics/metrics-route";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { App } from "./app";

/** Node checks the two timeouts on this period (30 s by default), so they are enforced within a second. */
const CONNECTION_CHECK_INTERVAL_MS_MAX = 1_000;

export function createHttpServer(listener: RequestListener, limits: HttpServerLimits): Server {
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(
        CONNECTION_CHECK_INTERVAL_MS_MAX,
        Math.max(1, Math.floor(limits.headersTimeoutMs / 4)),
      ),
    },
    listener,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

export async function listen(
  app: App,
  port: number,
  host: string,
  limits: HttpServerLimits = DEFAULT_HTTP_SERVER_LIMITS,
): Promise<Server> {
  const server = createHttpServer(app.http.listener, limits);
  // A worker of runWorkerProcesses: the primary's metrics port asks each worker for its registry over IPC.
  if (cluster.isWorker) answerPrimaryMetricsRequests(app.metrics.registry);
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

/**
 * In a worker: answers the primary's metrics requests (node:cluster IPC) with this registry. prom-client adds
 * its IPC listener when an AggregatorRegistry is built, so one is built here (and never used otherwise).
 */
export function answerPrimaryMetricsRequests(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry();
}

function serveClusterMetrics(
  config: { port: number; host: string; token: string | null },
  log: (m: string) => void,
) {
  const aggregator = new AggregatorRegistry();
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== METRICS_PATH) {
      response.writeHead(404).end();
      return;
    }
    void metricsAnswer(
      { metrics: async () => (await aggregator.clusterMetrics()) as string },
      {
        method: request.method,
        authorization: request.headers.authorization,
        remoteAddress: request.socket.remoteAddress ?? null,
      },
      config.token,
    ).then(
      (answer) => response.writeHead(answer.status, answer.headers).end(answer.body),
      () => response.writeHead(503).end("A worker did not answer.\n"),
    );
  });
  server.listen(config.port, config.host, () =>
    log(`metrics of every API process on http://${config.host}:${config.port}${METRICS_PATH}`),
  );
  // The primary exits with its workers; the metrics server must not keep it alive.
  server.unref();
}

/** True in a process forked by `runWorkerProcesses`: it serves, and leaves set-up to the primary. */
export function isWorkerProcess(): boolean {
  return cluster.isWorker;
}

/** How many unexpected worker deaths within a window the primary restarts before it gives up. */
export interface CrashLoopLimit {
  deathsMax: number;
  windowMs: number;
}

/** How long stopping workers get to finish their requests and close their pools before SIGKILL. */
const WORKER_STOP_TIMEOUT_MS = 10_000;

/** Five deaths in a minute: a worker that dies at start-up (bad config, database gone) loops that fast. */
export const DEFAULT_CRASH_LOOP_LIMIT: CrashLoopLimit = { deathsMax: 5, windowMs: 60_000 };

/**
 * Forks `count` workers running this same entry point (they see `isWorkerProcess()`), which all listen on
 * one port: node:cluster's primary accepts the connections and hands them out round-robin. The primary
 * only supervises: a worker that dies is replaced while the others keep serving, unless workers die
 * `crashLoop.deathsMax` times within `crashLoop.windowMs` (a crash loop: restarting will not help), in
 * which case every worker is stopped and the promise resolves with 1 so the process supervisor (systemd,
 * Kubernetes) sees the failure. SIGINT or SIGTERM stops every worker and resolves with 0. Calls
 * `onListening` once every first-generation worker listens.
 */
export function runWorkerProcesses(options: {
  count: number;
  env?: Record<string, string>;
  log: (message: string) => void;
  onListening?: (port: number) => void;
  crashLoop?: CrashLoopLimit;
  /**
   * Where the primary serves GET /metrics with every worker's series summed (counters, histograms, pool gauges)
   * or maxed (the figures every worker reads from the database, breaker states): prom-client's
   * AggregatorRegistry over node:cluster's IPC. A scrape of the shared port would reach one random worker.
   */
  metrics?: { port: number; host: string; token: string | null };
}): Promise<number> {
  const { count, log } = options;
  if (options.metrics) serveClusterMetrics(options.metrics, log);
  const crashLoop = options.crashLoop ?? DEFAULT_CRASH_LOOP_LIMIT;
  let stopping = false;
  let exitCode = 0;
  // Times of recent unexpected deaths, at most deathsMax of them.
  const deaths: number[] = [];
  const stopAll = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: stopping ${count} API processes`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    // A worker that does not finish within the bound is killed, so the group always ends.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
    }, WORKER_STOP_TIMEOUT_MS).unref();
  };
  process.on("SIGINT", () => stopAll("SIGINT"));
  process.on("SIGTERM", () => stopAll("SIGTERM"));

  return new Promise((resolve) => {
    let listening = 0;
    let alive = 0;
    const fork = () => {
      alive += 1;
      cluster.fork(options.env ?? {});
    };
    cluster.on("listening", (_worker, address) => {
      listening += 1;
      if (listening === count) options.onListening?.(address.port);
    });
    cluster.on("exit", (worker, code, signal) => {
      alive -= 1;
      if (!stopping) {
        const now = Date.now();
        const reason = `API process ${worker.process.pid} exited (${signal ?? `code ${code}`})`;
        deaths.push(now);
        while (deaths.length > 0 && (deaths[0] as number) <= now - crashLoop.windowMs) deaths.shift();
        if (deaths.length >= crashLoop.deathsMax) {
          exitCode = 1;
          stopAll(`${reason}, ${deaths.length} deaths within ${crashLoop.windowMs} ms (a crash loop)`);
        } else {
          log(`${reason}: starting a replacement`);
          fork();
        }
      }
      if (alive === 0 && stopping) resolve(exitCode);
    });
    for (let i = 0; i < count; i++) fork();
  });
}
