// `npm test`: runs every package's suite through turbo (one package at a time:
// two cores, and each suite already runs two files in parallel), streams the
// output, and ends with one summary line counting every test in the repo.
import { spawn } from "node:child_process";

const child = spawn(
  "npx",
  ["turbo", "run", "test", "--concurrency=1", "--output-logs=full", ...process.argv.slice(2)],
  {
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      TURBO_TELEMETRY_DISABLED: "1",
      CHECKPOINT_DISABLE: "1",
      FORCE_COLOR: process.env.FORCE_COLOR ?? "0",
    },
  },
);

const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const totals = { passed: 0, failed: 0, skipped: 0 };
/** Suites that skipped themselves as a whole (they print "<suite> skipped: <reason>"), named in the last line. */
const skippedSuites = [];
let pending = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString("utf8");
  const lines = pending.split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) count(line);
});

function count(line) {
  // vitest: "      Tests  12 failed | 110 passed | 3 skipped (125)"
  const plain = line.replace(ANSI_COLOR, "");
  const suite = /^\S+:test:\s*(browser tests skipped: .*)$/.exec(plain);
  if (suite) skippedSuites.push(suite[1]);
  // Playwright's list reporter ends with one line per outcome: "  6 passed (51.0s)", "  1 failed", "  2 skipped", "  1 flaky".
  const playwright = /^\s*(\d+) (passed|failed|skipped|flaky|did not run)(?: \([^)]*\))?\s*$/.exec(
    plain.replace(/^[^:]*:[^:]*:\s*/, ""),
  );
  if (playwright && /^\S+:test:/.test(plain)) {
    const [, n, kind] = playwright;
    if (kind === "passed" || kind === "flaky") totals.passed += Number(n);
    else if (kind === "failed") totals.failed += Number(n);
    else totals.skipped += Number(n);
    return;
  }
  const match = /^\S*\s*Tests\s+(.*)\(\d+\)\s*$/.exec(plain.replace(/^[^:]*:\s*/, ""));
  if (!match) return;
  for (const part of match[1].split("|")) {
    const [, n, kind] = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part) ?? [];
    if (kind === "passed" || kind === "failed") totals[kind] += Number(n);
    else if (kind) totals.skipped += Number(n);
  }
}

child.on("close", (code) => {
  count(pending);
  if (code !== 0 && totals.failed === 0) {
    // A suite crashed before reporting (or typecheck/setup failed): never print a clean line for a failed run.
    console.log("\na test run failed before reporting its results (see above)");
    totals.failed = 1;
  }
  const suites = skippedSuites.length > 0 ? `; ${skippedSuites.join("; ")}` : "";
  console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped${suites}`);
  process.exit(code ?? 1);
});
