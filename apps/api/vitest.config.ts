import { createRequire } from "node:module";
import { configDefaults, defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

const include = ["src/**/*.test.ts", "src/**/*.integration-test.ts", "test/**/*.integration-test.ts"];

// Files that must run in a module graph of their own (a fresh worker each).
// Every other file shares its worker's module graph with the files run before it
// (`isolate: false`), so the app's ~600 modules are imported once per worker, not
// once per file. A file may only go in the shared project if it changes no
// process-wide state it does not restore in its afterAll.
const isolatedFiles = [
  // Starts OpenTelemetry's global tracer provider and module hooks, and needs
  // pg/ioredis to be loaded after it (the instrumentations patch them as they load).
  "test/tracing.integration-test.ts",
];

const resolve = {
  // graphql 16 ships CJS ("main") and ESM ("module") builds. Node loads the CJS one for
  // graphql-yoga; without this alias Vite would hand our code the ESM one, and errors
  // thrown by our scalars would fail Yoga's `instanceof GraphQLError` and be masked.
  alias: { graphql: require.resolve("graphql") },
};

// Settings both projects share. The projects do not `extends: true` the root: the
// root's globalSetup must run once (one template database), not once per project;
// the projects read what it provides through the root's context.
const common = {
  environment: "node",
  testTimeout: 60_000,
  hookTimeout: 120_000,
} as const;

export default defineConfig({
  resolve,
  test: {
    globalSetup: ["./vitest.global-setup.ts"],
    // Two cores: two files at a time, each on its own cloned database.
    maxWorkers: 2,
    projects: [
      {
        resolve,
        test: {
          ...common,
          name: "shared",
          include,
          exclude: [...configDefaults.exclude, ...isolatedFiles],
          isolate: false,
        },
      },
      {
        resolve,
        test: { ...common, name: "isolated", include: isolatedFiles, isolate: true },
      },
    ],
  },
});
