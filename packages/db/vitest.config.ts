// Integration suites need minutes, not seconds, for their hooks: the first run on a machine
// migrates the template database (and may initialise an embedded Postgres) in beforeAll.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.integration-test.ts"],
    environment: "node",
    globalSetup: ["./vitest.global-setup.ts"],
    testTimeout: 60000,
    hookTimeout: 120000,
    // Two cores: two files at a time (vitest's default is one fewer than the cores), each on its own cloned
    // database (or, for partition-migration, its own empty one).
    maxWorkers: 2,
  },
});
