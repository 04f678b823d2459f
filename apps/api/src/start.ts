// `npm start`: the whole product on embedded defaults. Uses DATABASE_URL and
// REDIS_URL when set; otherwise runs an embedded Postgres under DATA_DIR and no
// Redis (idempotency then runs on Postgres alone). On the first run it creates a
// demo merchant and prints its test keys. Ctrl-C stops everything cleanly.
import { writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { appConfigFromEnv, createApp } from "./app";
import { openDatabase } from "./bootstrap";
import { readEnv } from "./env";
import { createLogger } from "./logger";
import { closeServer, listen } from "./server";

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const database = await openDatabase(env, (message) => logger.info(message));
  const app = createApp(appConfigFromEnv(env, database.url, logger));

  if ((await app.services.merchants.count()) === 0) {
    const merchant = await app.services.merchants.createWithKeys({ name: "Demo merchant", modes: ["TEST"] });
    const file = join(env.DATA_DIR, "demo-merchant.json");
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

  const server = await listen(app, env.PORT, env.HOST);
  const { port } = server.address() as AddressInfo;
  console.log(
    `paycore API on http://${env.HOST}:${port}/graphql (GraphiQL in a browser), Redis: ${env.REDIS_URL ? "on" : "off"}`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping`);
    await closeServer(server);
    await app.close();
    await database.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
