// Builds the migrated template database once, before any test file starts: the files run two at a time, and
// each one's own prepareTemplateDatabase() then finds the template ready instead of both migrating a copy.
import { prepareTemplateDatabase } from "./src/testing/test-database";

export default async function setup() {
  const template = await prepareTemplateDatabase();
  return async () => {
    await template.stop();
  };
}
