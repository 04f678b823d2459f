import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS ("main") and ESM ("module") builds. Node loads the CJS one for
    // graphql-yoga; without this alias Vite would hand our code the ESM one, and errors
    // thrown by our scalars would fail Yoga's `instanceof GraphQLError` and be masked.
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.integration-test.ts"],
    environment: "node",
    globalSetup: ["./vitest.global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: two files at a time, each on its own cloned database.
    maxWorkers: 2,
    // Files share their worker's module graph: the console's modules are imported once per worker, not
    // once per file. A file must undo in its afterAll what it changed in the process (stubbed env,
    // `globalThis.paycoreConsoleServices`, servers). If one ever cannot, give it a project of its own
    // with `isolate: true`, as apps/api/vitest.config.ts does for tracing.
    isolate: false,
  },
});
