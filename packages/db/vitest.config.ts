// Integration suites need minutes, not seconds, for their hooks: the first run on a machine
// migrates the template database (and may initialise an embedded Postgres) in beforeAll.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.integration-test.ts"],
    environment: "node",
    testTimeout: 60000,
    hookTimeout: 120000,
  },
});
