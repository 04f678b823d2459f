// `npm run monitoring:up`: Prometheus (127.0.0.1:9490) and Alertmanager
// (127.0.0.1:9493) from Debian's packages, installed with apt when missing,
// scraping what `npm start` runs: the API (PORT, 4000), the console
// (CONSOLE_PORT, 4020) and the sandbox PSPs (PSP_SANDBOX_PORT, 4010), with the
// shipped alert rules (prometheus/rules.yml). The bearer token is METRICS_TOKEN,
// or the one `npm start` wrote to DATA_DIR/metrics-token; without either the
// targets answer Prometheus because it scrapes from loopback. Safe to run twice.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findRepoRoot } from "@paycore/db/database-url";
import {
  ALERTMANAGER_PORT,
  alertmanagerArgs,
  alertmanagerConfig,
  HOST,
  PROMETHEUS_PORT,
  prometheusArgs,
  prometheusConfig,
  RULES_FILE,
} from "./configs";
import { monitoringPaths, startDaemon, waitReady } from "./daemons";
import { ensurePackages } from "./packages";

const log = (message: string) => console.log(`[monitoring] ${message}`);

export function defaultMonitoringDir(): string {
  return process.env.MONITORING_DIR ?? join(findRepoRoot(), ".monitoring");
}

/** METRICS_TOKEN, else the development token `npm start` keeps in DATA_DIR, else none. */
function metricsToken(): string | null {
  if (process.env.METRICS_TOKEN) return process.env.METRICS_TOKEN;
  const file = join(findRepoRoot(), process.env.DATA_DIR ?? ".data", "metrics-token");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}

export async function monitoringUp(root = defaultMonitoringDir()): Promise<void> {
  ensurePackages(log);
  const paths = monitoringPaths(root);
  for (const dir of [paths.root, paths.prometheusData, paths.alertmanagerData])
    mkdirSync(dir, { recursive: true });
  const token = metricsToken();
  if (token !== null) {
    writeFileSync(paths.tokenFile, `${token}\n`, { mode: 0o600 });
    chmodSync(paths.tokenFile, 0o600);
  }
  const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  writeFileSync(
    paths.prometheusConfig,
    prometheusConfig({
      targets: [
        { job: "paycore-api", address: `${HOST}:${port("PORT", 4000)}` },
        { job: "paycore-console", address: `${HOST}:${port("CONSOLE_PORT", 4020)}` },
        { job: "paycore-sandbox", address: `${HOST}:${port("PSP_SANDBOX_PORT", 4010)}` },
      ],
      tokenFile: token === null ? null : paths.tokenFile,
      rulesFile: RULES_FILE,
      alertmanager: `${HOST}:${ALERTMANAGER_PORT}`,
      scrapeIntervalSeconds: 15,
      evaluationIntervalSeconds: 15,
    }),
  );
  writeFileSync(paths.alertmanagerConfig, alertmanagerConfig());
  startDaemon(
    paths,
    "alertmanager",
    "prometheus-alertmanager",
    alertmanagerArgs(paths.alertmanagerConfig, paths.alertmanagerData, ALERTMANAGER_PORT),
  );
  startDaemon(
    paths,
    "prometheus",
    "prometheus",
    prometheusArgs(paths.prometheusConfig, paths.prometheusData, PROMETHEUS_PORT),
  );
  await waitReady(`http://${HOST}:${ALERTMANAGER_PORT}/-/ready`, 30_000);
  await waitReady(`http://${HOST}:${PROMETHEUS_PORT}/-/ready`, 30_000);
  log(`Prometheus   http://${HOST}:${PROMETHEUS_PORT} (targets: /targets, alerts: /alerts)`);
  log(`Alertmanager http://${HOST}:${ALERTMANAGER_PORT}`);
  log(`data and logs in ${paths.root}; stop with npm run monitoring:down`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  monitoringUp().catch((error: unknown) => {
    console.error(`[monitoring] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
