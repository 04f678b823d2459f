import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
    // Property tests run hundreds of cases each: generous timeouts keep them from failing on a loaded machine
    // (they assert outcomes, never durations).
    testTimeout: 60_000,
    // Two cores: two files at a time (vitest's default is one fewer than the cores).
    maxWorkers: 2,
    // The core is pure (no I/O, no globals, no module mocks), so its test files may share each worker's module
    // graph instead of importing it afresh per file: most of this suite's time was imports, not tests.
    isolate: false,
  },
});
