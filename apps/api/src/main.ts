// Production entry: configuration from the environment only (DATABASE_URL
// required, migrations applied by the deploy step), then listen.
import { createApp } from "./app";
import { readEnv } from "./env";
import { createLogger } from "./logger";
import { loadSecrets } from "./secrets";
import { closeServer, listen } from "./server";

const env = readEnv();
if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required (use `npm start` for the embedded default)");
const logger = createLogger(env.LOG_LEVEL);
const app = createApp({
  databaseUrl: env.DATABASE_URL,
  databasePoolMax: env.DATABASE_POOL_MAX,
  redisUrl: env.REDIS_URL ?? null,
  secrets: loadSecrets(env),
  idempotencyRetentionHours: env.IDEMPOTENCY_RETENTION_HOURS,
  idempotencyWaitMs: env.IDEMPOTENCY_WAIT_MS,
  logger,
});
const server = await listen(app, env.PORT, env.HOST);
logger.info(`listening on ${env.HOST}:${env.PORT}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void closeServer(server)
      .then(() => app.close())
      .then(() => process.exit(0));
  });
}
