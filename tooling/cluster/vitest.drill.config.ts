import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

// `npm run drill:postgres`: the failover drills, against the cluster `cluster:up` starts (they start it when needed).
export default defineConfig({
  resolve: {
    // As in apps/api's config: one graphql module (the CJS build graphql-yoga loads). Without it Vite hands the
    // API's schema the ESM build and Yoga's validation refuses it ("Cannot use GraphQLSchema from another module
    // or realm"): every GraphQL request of the drill failed, before and after the failover.
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    include: ["src/**/*.drill.ts"],
    environment: "node",
    testTimeout: 420_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
