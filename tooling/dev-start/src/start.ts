// `npm start`: the whole product on embedded defaults. Uses DATABASE_URL and
// REDIS_URL when set; otherwise runs an embedded Postgres under DATA_DIR and no
// Redis (idempotency then runs on Postgres alone). On the first run it creates a
// demo merchant and prints its test keys. Ctrl-C stops everything cleanly.
// With API_PROCESSES > 1, this process prepares the database and the demo
// merchant once, then forks that many API processes sharing the port.
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type App, appConfigFromEnv, createApp } from "@paycore/api/app";
import { isWorkerProcess, listen, runWorkerProcesses, stopOnSignal } from "@paycore/api/server";
import { OperatorRepository } from "@paycore/db/repositories/operator.repository";
import { openDatabase } from "@paycore/platform/bootstrap";
import { startDevelopmentSink } from "@paycore/platform/email/smtp-sink";
import { type Env, httpServerLimits, readEnv } from "@paycore/platform/env";
import { createLogger } from "@paycore/platform/logger";
import { type AppSecrets, loadSecrets } from "@paycore/platform/secrets";
import { type ConsoleProcess, startConsoleProcess } from "./console-process";
import { startSandboxProcess } from "./psp-sandbox-process";

async function main(): Promise<void> {
  const env = withDevelopmentMetricsToken(readEnv());
  const logger = createLogger(env.LOG_LEVEL);
  const log = (message: string) => logger.info(message);

  if (isWorkerProcess()) {
    // Forked below: the primary passed the prepared database's URL.
    if (!env.DATABASE_URL) throw new Error("API process started without DATABASE_URL");
    const app = createApp(appConfigFromEnv(env, env.DATABASE_URL, logger));
    const server = await listen(app, env.PORT, env.HOST, httpServerLimits(env));
    stopOnSignal(server, () => app.close(), log);
    return;
  }

  // Checked before anything starts (production requires them), and generated once outside production before
  // the sandbox or any API process reads them.
  const secrets = loadSecrets(env);
  const database = await openDatabase(env, log);
  // What has started so far, stopped in reverse if a later step fails (children would exit with us anyway).
  const started: Array<() => Promise<void>> = [() => database.stop()];
  const stopStarted = async () => {
    for (const stop of started.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    await serve(env, database.url, secrets, started, stopStarted, log, logger);
  } catch (error) {
    await stopStarted();
    throw error;
  }
}

async function serve(
  env: Env,
  databaseUrl: string,
  secrets: AppSecrets,
  started: Array<() => Promise<void>>,
  stopStarted: () => Promise<void>,
  log: (message: string) => void,
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  // Bank transfers (issue 18): the sandbox bank and the API share a notification secret, derived for development.
  const bankWebhookSecret =
    env.PSP_SANDBOX_URL || env.NODE_ENV === "production"
      ? env.BANK_WEBHOOK_SECRET
      : (env.BANK_WEBHOOK_SECRET ?? devBankSecret(secrets));
  const sandbox = env.PSP_SANDBOX_URL
    ? null
    : await startSandboxProcess({
        port: env.PSP_SANDBOX_PORT,
        host: env.HOST,
        apiUrl: `http://${env.HOST}:${env.PORT}`,
        secrets,
        ...(bankWebhookSecret ? { bankWebhookSecret } : {}),
        log,
      });
  if (sandbox) started.push(() => sandbox.stop());
  const withSandbox: Env = sandbox
    ? {
        ...env,
        PSP_SANDBOX_URL: sandbox.url,
        ...(bankWebhookSecret ? { BANK_WEBHOOK_SECRET: bankWebhookSecret } : {}),
      }
    : env;
  // Mail goes to the development sink unless SMTP_URL names a server (docs/operations.md#email).
  const sink =
    env.SMTP_URL || env.SMTP_SINK_PORT === 0 || env.NODE_ENV === "production"
      ? null
      : await startDevelopmentSink({
          databaseUrl,
          port: env.SMTP_SINK_PORT,
          onError: (error) => logger.warn({ err: error }, "the SMTP sink could not store a message"),
        });
  if (sink) {
    started.push(() => sink.close());
    log(`development SMTP sink on ${sink.url} (the console's Mail page shows what it received)`);
  }
  const withMail: Env = sink ? { ...withSandbox, SMTP_URL: sink.url } : withSandbox;
  const app = createApp(appConfigFromEnv(withMail, databaseUrl, logger));
  const closeApp = () => app.close();
  started.push(closeApp);
  if (env.NODE_ENV === "production") {
    // A deployment wants neither a demo merchant nor credentials written to disk or printed to its logs.
    if ((await app.services.merchants.count()) === 0)
      log("no merchant yet: create one with `npm run cli -- merchant create --name <name> [--live]`");
    if ((await new OperatorRepository(app.db).count()) === 0)
      log(
        "no console operator yet: create the first admin with `npm run cli -- operator create --email <email> --role ADMIN`",
      );
  } else {
    await createDemoMerchantOnFirstRun(app, env);
    await createFirstAdminOnFirstRun(app, env);
  }
  const consoleProcess = await startConsole(
    env,
    databaseUrl,
    withSandbox.PSP_SANDBOX_URL ?? null,
    secrets,
    log,
  );
  if (consoleProcess) started.push(() => consoleProcess.stop());

  if (env.API_PROCESSES > 1) {
    await app.close();
    started.splice(started.indexOf(closeApp), 1);
    const code = await runWorkerProcesses({
      count: env.API_PROCESSES,
      env: {
        DATABASE_URL: databaseUrl,
        ...(withSandbox.PSP_SANDBOX_URL ? { PSP_SANDBOX_URL: withSandbox.PSP_SANDBOX_URL } : {}),
        ...(withMail.SMTP_URL ? { SMTP_URL: withMail.SMTP_URL } : {}),
        ...(withSandbox.BANK_WEBHOOK_SECRET ? { BANK_WEBHOOK_SECRET: withSandbox.BANK_WEBHOOK_SECRET } : {}),
      },
      log,
      onListening: (port) => printListening(env, port, `${env.API_PROCESSES} processes`),
      metrics: { port: env.METRICS_PORT, host: env.HOST, token: env.METRICS_TOKEN ?? null },
    });
    await stopStarted();
    process.exit(code);
  }

  const server = await listen(app, env.PORT, env.HOST, httpServerLimits(env));
  printListening(env, (server.address() as AddressInfo).port, null);
  stopOnSignal(server, stopStarted, log);
}

/**
 * Outside production without METRICS_TOKEN: a random token kept in DATA_DIR/metrics-token (made on the first run),
 * put in this process's environment so the sandbox, the console and forked API processes inherit it, and
 * printed; `npm run monitoring:up` reads the same file (issue 22, docs/operations.md#metrics).
 */
function withDevelopmentMetricsToken(env: Env): Env {
  if (env.METRICS_TOKEN || env.NODE_ENV === "production" || isWorkerProcess()) return env;
  const file = join(env.DATA_DIR, "metrics-token");
  mkdirSync(env.DATA_DIR, { recursive: true });
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
  const token = readFileSync(file, "utf8").trim();
  // biome-ignore lint/style/noProcessEnv: the children (sandbox, console, API processes) inherit this environment.
  process.env.METRICS_TOKEN = token;
  console.log(`GET /metrics (API, console, sandbox) takes the bearer token in ${file}: ${token}`);
  return { ...env, METRICS_TOKEN: token };
}

async function createDemoMerchantOnFirstRun(app: App, env: Env): Promise<void> {
  if ((await app.services.merchants.count()) > 0) return;
  const created = await app.services.merchantCommands.create(
    { operatorId: null, name: "system:first-run" },
    { name: "Demo merchant", modes: ["TEST"] },
  );
  const merchant = {
    id: created.merchant.id,
    name: created.merchant.name,
    keys: created.keys.map(({ id, kind, mode, key }) => ({ id, kind, mode, key })),
  };
  const file = join(env.DATA_DIR, "demo-merchant.json");
  mkdirSync(env.DATA_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(merchant, null, 2)}\n`, { mode: 0o600 });
  const keyOf = (kind: string) => merchant.keys.find((k) => k.kind === kind)?.key;
  console.log(
    [
      "",
      `Created a demo merchant ${merchant.id} (keys saved in ${file}; shown once here):`,
      `  secret key:      ${keyOf("SECRET")}`,
      `  publishable key: ${keyOf("PUBLISHABLE")}`,
      "",
    ].join("\n"),
  );
}

async function createFirstAdminOnFirstRun(app: App, env: Env): Promise<void> {
  const admin = await app.services.operatorCommands.createFirstAdminIfNone({
    operatorId: null,
    name: "system:first-run",
  });
  if (admin === null) return;
  const file = join(env.DATA_DIR, "first-admin.json");
  mkdirSync(env.DATA_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(admin, null, 2)}\n`, { mode: 0o600 });
  console.log(
    [
      "",
      `Created the first console admin (saved in ${file}; create more with \`npm run cli -- operator create\`):`,
      `  email:    ${admin.email}`,
      `  password: ${admin.password}`,
      "",
    ].join("\n"),
  );
}

async function startConsole(
  env: Env,
  databaseUrl: string,
  pspSandboxUrl: string | null,
  secrets: ReturnType<typeof loadSecrets>,
  log: (message: string) => void,
): Promise<ConsoleProcess | null> {
  if (env.CONSOLE_PORT === 0) return null;
  const started = await startConsoleProcess({
    port: env.CONSOLE_PORT,
    host: env.HOST,
    databaseUrl,
    redisUrl: env.REDIS_URL ?? null,
    pspSandboxUrl,
    secrets,
    logLevel: env.LOG_LEVEL,
    buildTimeoutMs: env.CONSOLE_BUILD_TIMEOUT_MINUTES * 60_000,
    log,
  });
  console.log(`paycore operator console on ${started.url}`);
  return started;
}

function printListening(env: Env, port: number, processes: string | null): void {
  console.log(
    `paycore API on http://${env.HOST}:${port}/graphql (GraphiQL in a browser), Redis: ${env.REDIS_CLUSTER_NODES ? "cluster" : env.REDIS_URL ? "on" : "off"}` +
      (processes ? `, ${processes}` : ""),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

/** Development only: the bank sandbox's notification secret, derived from a generated secret (never used in production). */
function devBankSecret(secrets: AppSecrets): string {
  return createHmac("sha256", secrets.idempotencyHashSecret)
    .update("paycore development bank webhook")
    .digest("hex");
}
