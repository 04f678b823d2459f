// Prepares the migrated template database (and, on a machine without Postgres, starts the embedded server)
// once, before the test files run two at a time: each file's own prepareTemplateDatabase() then finds the
// template ready (and adopts the running embedded server) instead of racing the others to build it.
import { prepareTemplateDatabase } from "./src/testing/test-database";

export default async function setup() {
  const template = await prepareTemplateDatabase();
  return async () => {
    await template.stop();
  };
}
