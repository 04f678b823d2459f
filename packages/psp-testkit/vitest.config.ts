import { defineConfig } from "vitest/config";

export default defineConfig({
  // Property tests run hundreds of cases each: generous timeouts keep them from failing on a loaded machine
  // (they assert outcomes, never durations).
  test: { include: ["src/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
});
