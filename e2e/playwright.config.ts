// Browser tests in Debian's Chromium (Playwright downloads no browser here).
// `serve.ts` starts a fresh database, the sandbox PSP, the API and the
// console; screenshots of every test are kept under e2e/artifacts/.
import { defineConfig } from "@playwright/test";
import { E2E_PORTS } from "./state";

/** Set by `node run.mjs --reverse`: a folder of wrappers that import the spec files in reverse order. */
const reverseDir = process.env.E2E_REVERSE_DIR;

export default defineConfig({
  testDir: reverseDir ?? ".",
  testMatch: reverseDir ? "*.reverse.ts" : "**/*.spec.ts",
  outputDir: "artifacts/test-results",
  // One worker: the specs share the seeded data (e.g. the review queue), and the machine has two cores.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  // Most specs take 5–10 s; CI shares two cores between this lane and the other packages' suites, where a
  // full-page screenshot alone has taken 20 s. At a load average of 18 on two cores, dispute-fees.spec took 67 s
  // (one saved fee took 9.8 s to show) and failed on a 60 s limit. A spec that hangs still fails, after two minutes.
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORTS.console}`,
    screenshot: "on",
    trace: "retain-on-failure",
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    command: "node --import tsx serve.ts",
    cwd: import.meta.dirname,
    url: `http://127.0.0.1:${E2E_PORTS.console}/sign-in`,
    // A cold `next build` takes about a minute on two busy cores.
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    env: { NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1" },
  },
});
