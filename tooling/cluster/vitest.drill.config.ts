import { defineConfig } from "vitest/config";

// `npm run drill:postgres`: the failover drills, against the cluster `cluster:up` starts (they start it when needed).
export default defineConfig({
  test: {
    include: ["src/**/*.drill.ts"],
    environment: "node",
    testTimeout: 300_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
