// The sandbox's own Prometheus metrics (issue 22), on GET /metrics: requests
// per emulated PSP and status class, their duration, the faults injected now
// and the charges held, plus prom-client's process metrics. Guarded like the
// API's: a bearer token when METRICS_TOKEN is set, else loopback clients only.
// Its own registry (tests start several sandboxes in one process).
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { PSP_NAMES, type PspName } from "./charge-ledger";
import type { SandboxFaults } from "./fault-injector";

export const SANDBOX_METRICS_PATH = "/metrics";

export interface SandboxMetrics {
  /** Times and counts one PSP request, from now until its response closes. */
  observe(psp: PspName, response: ServerResponse): void;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

const FAULT_KINDS = ["down", "errorRate", "timeoutRate", "latencyMs"] as const;

export function createSandboxMetrics(options: {
  token: string | null;
  faults: (psp: PspName) => SandboxFaults;
  chargeCount: () => number;
}): SandboxMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process: "psp-sandbox" });
  collectDefaultMetrics({ register: registry, prefix: "paycore_sandbox_" });
  const registers = [registry];
  const requests = new Counter({
    name: "paycore_sandbox_requests_total",
    help: "Requests to the emulated PSP APIs, by PSP and status class (2xx, 4xx, 5xx, or dropped when faults close the connection).",
    labelNames: ["psp", "status_class"],
    registers,
  });
  const duration = new Histogram({
    name: "paycore_sandbox_request_duration_seconds",
    help: "Duration of requests to the emulated PSP APIs, injected latency included.",
    labelNames: ["psp"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  new Gauge({
    name: "paycore_sandbox_fault_active",
    help: "Faults injected now, by PSP and kind: 1 for down, the rate or the latency in ms otherwise (0: off).",
    labelNames: ["psp", "fault"],
    registers,
    collect() {
      for (const psp of PSP_NAMES) {
        const faults = options.faults(psp);
        for (const fault of FAULT_KINDS) {
          const value = faults[fault];
          this.set({ psp, fault }, typeof value === "boolean" ? Number(value) : (value ?? 0));
        }
      }
    },
  });
  new Gauge({
    name: "paycore_sandbox_charges",
    help: "Charges held in the sandbox's ledger.",
    registers,
    collect() {
      this.set(options.chargeCount());
    },
  });

  const allowed = (request: IncomingMessage): boolean => {
    if (options.token !== null) {
      const given = Buffer.from(request.headers.authorization ?? "");
      const expected = Buffer.from(`Bearer ${options.token}`);
      return given.length === expected.length && timingSafeEqual(given, expected);
    }
    const address = request.socket.remoteAddress ?? "";
    return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
  };

  return {
    observe(psp, response) {
      const end = duration.startTimer({ psp });
      response.once("close", () => {
        end();
        const statusClass = response.writableFinished
          ? `${Math.floor(response.statusCode / 100)}xx`
          : "dropped";
        requests.inc({ psp, status_class: statusClass });
      });
    },
    async handle(request, response) {
      if (request.method !== "GET" && request.method !== "HEAD") {
        response.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      if (!allowed(request)) {
        if (options.token !== null)
          response
            .writeHead(401, { "www-authenticate": 'Bearer realm="metrics"' })
            .end("A bearer token is required.\n");
        else response.writeHead(403).end("Metrics are served to loopback clients only.\n");
        return;
      }
      const body = await registry.metrics();
      response.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
      response.end(request.method === "HEAD" ? undefined : body);
    },
  };
}
