// The monitoring stack's configuration (pure: no process is started): the
// Prometheus scrape configuration for the local API, console and sandbox, and
// Alertmanager's. The alert rules are a shipped file (prometheus/rules.yml).
// YAML is written as JSON, which is YAML too.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Away from Prometheus' and Alertmanager's defaults (9090, 9093), which other services may hold. */
export const PROMETHEUS_PORT = 9490;
export const ALERTMANAGER_PORT = 9493;
export const HOST = "127.0.0.1";

export const RULES_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "prometheus", "rules.yml");
export const RULES_TEST_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "prometheus",
  "rules.test.yml",
);

export interface ScrapeTarget {
  /** The job label: paycore-api, paycore-console, paycore-sandbox (the PaycoreTargetDown alert matches paycore-*). */
  job: string;
  /** host:port */
  address: string;
}

export interface PrometheusConfigInput {
  targets: readonly ScrapeTarget[];
  /** A file holding METRICS_TOKEN, sent as the bearer token; null: the targets serve loopback clients without one. */
  tokenFile: string | null;
  rulesFile: string;
  alertmanager: string;
  scrapeIntervalSeconds: number;
  evaluationIntervalSeconds: number;
}

export function prometheusConfig(input: PrometheusConfigInput): string {
  return JSON.stringify(
    {
      global: {
        scrape_interval: `${input.scrapeIntervalSeconds}s`,
        scrape_timeout: `${Math.min(10, input.scrapeIntervalSeconds)}s`,
        evaluation_interval: `${input.evaluationIntervalSeconds}s`,
      },
      rule_files: [input.rulesFile],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [input.alertmanager] }] }] },
      scrape_configs: input.targets.map((target) => ({
        job_name: target.job,
        metrics_path: "/metrics",
        ...(input.tokenFile ? { authorization: { type: "Bearer", credentials_file: input.tokenFile } } : {}),
        static_configs: [{ targets: [target.address] }],
      })),
    },
    null,
    2,
  );
}

/**
 * One route to a receiver with no integrations: alerts are grouped and shown (GET /api/v2/alerts, the web UI on
 * ALERTMANAGER_PORT), and nothing leaves the machine. An operator adds a receiver (e-mail, a pager's webhook)
 * for production.
 */
export function alertmanagerConfig(): string {
  return JSON.stringify(
    {
      route: {
        receiver: "operators",
        group_by: ["alertname", "psp"],
        group_wait: "10s",
        group_interval: "1m",
        repeat_interval: "4h",
      },
      receivers: [{ name: "operators" }],
    },
    null,
    2,
  );
}

export function prometheusArgs(configFile: string, dataDir: string, port: number): string[] {
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=${HOST}:${port}`,
    "--storage.tsdb.retention.time=15d",
  ];
}

export function alertmanagerArgs(configFile: string, dataDir: string, port: number): string[] {
  return [
    `--config.file=${configFile}`,
    `--storage.path=${dataDir}`,
    `--web.listen-address=${HOST}:${port}`,
    // One Alertmanager: no gossip port (its default, 9094, may be taken).
    "--cluster.listen-address=",
  ];
}

/** Debian's names: the Alertmanager binary is prometheus-alertmanager. */
export const REQUIRED: ReadonlyArray<readonly [string, string]> = [
  ["prometheus", "prometheus"],
  ["promtool", "prometheus"],
  ["prometheus-alertmanager", "prometheus-alertmanager"],
];
