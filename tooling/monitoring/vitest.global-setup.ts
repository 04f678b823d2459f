// Prepares one migrated template database for the whole run; each test file
// clones it (the alert drill builds the API through apps/api/src/testing/test-app.ts).
import { prepareTemplateDatabase } from "@paycore/db/testing/test-database";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  const template = await prepareTemplateDatabase();
  project.provide("adminDatabaseUrl", template.adminUrl);
  project.provide("templateDatabase", template.templateName);
  return async () => {
    await template.stop();
  };
}
