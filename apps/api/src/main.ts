// Production entry: configuration from the environment only (DATABASE_URL
// required, migrations applied by the deploy step), then listen.
import { appConfigFromEnv, createApp } from "./app";
import { readEnv } from "./env";
import { createLogger } from "./logger";
import { closeServer, listen } from "./server";

const env = readEnv();
if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required (use `npm start` for the embedded default)");
const logger = createLogger(env.LOG_LEVEL);
const app = createApp(appConfigFromEnv(env, env.DATABASE_URL, logger));
const server = await listen(app, env.PORT, env.HOST);
logger.info(`listening on ${env.HOST}:${env.PORT}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void closeServer(server)
      .then(() => app.close())
      .then(() => process.exit(0));
  });
}
