// Production entry: configuration from the environment only (DATABASE_URL and
// the secrets required), pending migrations applied by the supervising process
// before any worker starts (a fresh database works), then listen. With API_PROCESSES > 1 this process
// only supervises that many workers, which share the port.
import { migrateIfNeeded } from "@paycore/db/database-url";
import { httpServerLimits, readEnv } from "@paycore/platform/env";
import { createLogger } from "@paycore/platform/logger";
import { loadSecrets } from "@paycore/platform/secrets";
import { isWorkerProcess, listen, runWorkerProcesses, stopOnSignal } from "./server";

const env = readEnv();
if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required (use `npm start` for the embedded default)");
const logger = createLogger(env.LOG_LEVEL);

if (!isWorkerProcess()) {
  // Fail at start, not at the first request: every secret present, and the schema up to date.
  loadSecrets(env);
  if (await migrateIfNeeded(env.DATABASE_URL)) logger.info("database migrations applied");
}

if (env.API_PROCESSES > 1 && !isWorkerProcess()) {
  const code = await runWorkerProcesses({
    count: env.API_PROCESSES,
    log: (message) => logger.info(message),
    onListening: (port) => logger.info(`${env.API_PROCESSES} API processes listening on ${env.HOST}:${port}`),
    metrics: { port: env.METRICS_PORT, host: env.HOST, token: env.METRICS_TOKEN ?? null },
  });
  process.exit(code);
} else {
  // Loaded here, not at the top: a supervising primary needs none of the app.
  const { appConfigFromEnv, createApp } = await import("./app");
  const app = createApp(appConfigFromEnv(env, env.DATABASE_URL, logger));
  const server = await listen(app, env.PORT, env.HOST, httpServerLimits(env));
  logger.info(`listening on ${env.HOST}:${env.PORT}`);
  stopOnSignal(
    server,
    () => app.close(),
    (message) => logger.info(message),
  );
}
