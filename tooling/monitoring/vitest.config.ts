import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  // The alert drill builds the API's app: the same graphql alias as the API's own suites (apps/api/vitest.config.ts).
  resolve: { alias: { graphql: require.resolve("graphql") } },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.integration-test.ts"],
    environment: "node",
    globalSetup: ["./vitest.global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
