// Production entry: configuration from the environment only (DATABASE_URL
// required, migrations applied by the deploy step), then listen. With
// API_PROCESSES > 1 this process only supervises that many workers, which
// share the port.
import { httpServerLimits, readEnv } from "./env";
import { createLogger } from "./logger";
import { isWorkerProcess, listen, runWorkerProcesses, stopOnSignal } from "./server";

const env = readEnv();
if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required (use `npm start` for the embedded default)");
const logger = createLogger(env.LOG_LEVEL);

if (env.API_PROCESSES > 1 && !isWorkerProcess()) {
  const code = await runWorkerProcesses({
    count: env.API_PROCESSES,
    log: (message) => logger.info(message),
    onListening: (port) => logger.info(`${env.API_PROCESSES} API processes listening on ${env.HOST}:${port}`),
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
