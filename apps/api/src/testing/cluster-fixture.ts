// A stand-in for the API under `runWorkerProcesses`, for the supervision test:
// each worker answers its pid and exits on /exit; with --crash-at-start every
// worker dies before it listens (a crash loop). The primary prints
// "listening <port>" once every worker listens, and exits with the group's code.
// With --metrics-port <port> each worker counts its requests in its own
// registry (as `listen` registers the app's) and the primary serves the sum.
import { createServer } from "node:http";
import { Counter, Registry } from "prom-client";
import { answerPrimaryMetricsRequests, isWorkerProcess, runWorkerProcesses } from "../server";

const crashAtStart = process.argv.includes("--crash-at-start");
const metricsPortArgument = process.argv.indexOf("--metrics-port");
const metricsPort = metricsPortArgument === -1 ? null : Number(process.argv[metricsPortArgument + 1]);

if (isWorkerProcess()) {
  if (crashAtStart) process.exit(3);
  const registry = new Registry();
  const served = new Counter({
    name: "fixture_requests_total",
    help: "Requests served.",
    registers: [registry],
  });
  answerPrimaryMetricsRequests(registry);
  createServer((request, response) => {
    served.inc();
    if (request.url === "/exit") {
      response.end("bye", () => process.exit(7));
      return;
    }
    response.end(String(process.pid));
  }).listen(0, "127.0.0.1");
} else {
  const code = await runWorkerProcesses({
    count: 2,
    log: (message) => console.error(message),
    onListening: (port) => console.log(`listening ${port}`),
    crashLoop: { deathsMax: 3, windowMs: 60_000 },
    ...(metricsPort === null ? {} : { metrics: { port: metricsPort, host: "127.0.0.1", token: null } }),
  });
  process.exit(code);
}
