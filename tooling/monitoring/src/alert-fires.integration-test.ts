// Goal: one alert fires from a real condition, end to end (issue 22). A real
// Prometheus (Debian's package) scrapes a real API on a loopback port with the
// bearer token and evaluates the shipped rules (prometheus/rules.yml); a real
// Alertmanager receives what fires. The Stripe-style PSP is stopped in the
// sandbox (fault injection: it answers 503 to everything), payments are driven
// through the API, the Stripe breaker opens (later payments fail over to the
// Adyen-style PSP), and PaycorePspCircuitBreakerOpen{psp="stripe"} fires
// in Prometheus and reaches Alertmanager. Skipped, with the reason printed,
// where Prometheus or Alertmanager is not installed (CI installs them).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestApp, newKey, TEST_FIXTURE_ACTOR, type TestApp } from "@paycore/api/testing/test-app";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  alertmanagerArgs,
  alertmanagerConfig,
  HOST,
  prometheusArgs,
  prometheusConfig,
  RULES_FILE,
} from "./configs";
import { waitReady } from "./daemons";
import { present } from "./packages";

const installed = present("prometheus") && present("prometheus-alertmanager");
if (!installed)
  console.log(
    "alert drill skipped: prometheus or prometheus-alertmanager is not installed (apt-get install prometheus prometheus-alertmanager)",
  );

const TOKEN = `drill-${randomBytes(16).toString("hex")}`;
const ALERT = "PaycorePspCircuitBreakerOpen";

let dir: string;
let sandbox: SandboxHandle;
let t: TestApp;
const children: ChildProcess[] = [];
let prometheusUrl: string;
let alertmanagerUrl: string;

/** A loopback port free now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function run(command: string, args: string[], name: string): void {
  const child = spawn(command, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let tail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-4_000);
  });
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal === null) console.error(`${name} exited with ${code}:\n${tail}`);
  });
  children.push(child);
}

interface PromAlert {
  labels: Record<string, string>;
  state: string;
}

async function prometheusAlerts(): Promise<PromAlert[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/alerts`);
  const body = (await response.json()) as { data: { alerts: PromAlert[] } };
  return body.data.alerts;
}

/** Polls `read` every 500 ms until `done` holds, for at most `timeoutMs`; returns the last value read. */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(500);
    value = await read();
  }
  return value;
}

describe.skipIf(!installed)("an alert from a real condition", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "paycore-alert-drill-"));
    sandbox = await startSandbox({ port: 0, seed: 5 });
    t = await createTestApp({
      pspSandboxUrl: sandbox.url,
      pspTimeoutMs: 1_000,
      listen: true,
      metricsToken: TOKEN,
    });
    const apiAddress = new URL(t.url as string).host;
    const [prometheusPort, alertmanagerPort] = [await freePort(), await freePort()];
    prometheusUrl = `http://${HOST}:${prometheusPort}`;
    alertmanagerUrl = `http://${HOST}:${alertmanagerPort}`;
    const tokenFile = join(dir, "metrics-token");
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, "prometheus.yml"),
      prometheusConfig({
        targets: [{ job: "paycore-api", address: apiAddress }],
        tokenFile,
        rulesFile: RULES_FILE,
        alertmanager: `${HOST}:${alertmanagerPort}`,
        // Fast, for the drill; the shipped configuration scrapes every 15 s.
        scrapeIntervalSeconds: 1,
        evaluationIntervalSeconds: 1,
      }),
    );
    writeFileSync(join(dir, "alertmanager.yml"), alertmanagerConfig());
    run(
      "prometheus-alertmanager",
      alertmanagerArgs(join(dir, "alertmanager.yml"), join(dir, "am"), alertmanagerPort),
      "alertmanager",
    );
    run(
      "prometheus",
      prometheusArgs(join(dir, "prometheus.yml"), join(dir, "tsdb"), prometheusPort),
      "prometheus",
    );
    await waitReady(`${alertmanagerUrl}/-/ready`, 30_000);
    await waitReady(`${prometheusUrl}/-/ready`, 30_000);
  }, 120_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.all(
      children.map((child) =>
        child.exitCode === null ? new Promise((resolve) => child.once("exit", resolve)) : Promise.resolve(),
      ),
    );
    await t?.close();
    await sandbox?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fires PaycorePspCircuitBreakerOpen when the Stripe-style PSP stops, and Alertmanager receives it", async () => {
    const merchant = await t.createMerchant();
    // Stripe first for USD, so every payment tries it before failing over.
    await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
      merchantId: merchant.id,
      priority: 1,
      match: { currencies: ["USD"] },
      pspNames: ["stripe", "adyen"],
    });
    // Prometheus scrapes the API with the token: the target is up, and nothing fires yet.
    const targetsUp = await eventually(
      async () => {
        const response = await fetch(
          `${prometheusUrl}/api/v1/query?query=${encodeURIComponent('up{job="paycore-api"}')}`,
        );
        const body = (await response.json()) as { data: { result: Array<{ value: [number, string] }> } };
        return body.data.result[0]?.value[1] ?? null;
      },
      (value) => value === "1",
      30_000,
    );
    expect(targetsUp).toBe("1");
    expect((await prometheusAlerts()).filter((a) => a.labels.alertname === ALERT)).toEqual([]);

    sandbox.setFaults("stripe", { errorRate: 1 });
    const statuses: string[] = [];
    // Each payment's three tries at Stripe fail; five consecutive failures open the breaker (a bounded drive).
    for (let i = 0; i < 6; i++) {
      const method = await t.tokenize(merchant.publishableKey);
      const result = await t.gql<{ createPayment: { payment: { status: string; pspName: string } | null } }>(
        merchant.secretKey,
        `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { status pspName } } }`,
        { input: { idempotencyKey: newKey(), amount: "1200", currency: "USD", paymentMethodId: method } },
      );
      const payment = result.data?.createPayment.payment;
      statuses.push(`${payment?.status}:${payment?.pspName}`);
    }
    // A 503 may come after the PSP acted: the first payments' outcomes are unknown (PENDING, for the resolver);
    // once the breaker is open, Stripe is skipped and payments fail over to the Adyen-style PSP.
    expect(statuses.every((s) => s === "PENDING:stripe" || s === "CAPTURED:adyen")).toBe(true);
    expect(statuses.at(-1)).toBe("CAPTURED:adyen");

    const firing = await eventually(
      prometheusAlerts,
      (alerts) => alerts.some((a) => a.labels.alertname === ALERT && a.state === "firing"),
      60_000,
    );
    expect(firing.filter((a) => a.labels.alertname === ALERT).map((a) => [a.labels.psp, a.state])).toEqual([
      ["stripe", "firing"],
    ]);

    const received = await eventually(
      async () => {
        const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`);
        return (await response.json()) as Array<{
          labels: Record<string, string>;
          status: { state: string };
        }>;
      },
      (alerts) => alerts.some((a) => a.labels.alertname === ALERT),
      30_000,
    );
    const alert = received.find((a) => a.labels.alertname === ALERT);
    expect(alert?.labels).toMatchObject({ alertname: ALERT, psp: "stripe", severity: "page" });
    expect(alert?.status.state).toBe("active");
    sandbox.clearFaults();
    await t.expectLedgerBalanced();
  });
});
