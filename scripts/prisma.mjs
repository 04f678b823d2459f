// Runs the Prisma CLI with the settings it needs on an offline machine.
// Prisma falls back to downloading its native engine when it cannot read the
// datasource URL, so DATABASE_URL always gets a value (generate never connects).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js", {
  paths: [new URL("../packages/db", import.meta.url).pathname],
});
const env = {
  ...process.env,
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
};
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], {
  stdio: "inherit",
  env,
  cwd: new URL("..", import.meta.url).pathname,
});
process.exit(result.status ?? 1);
