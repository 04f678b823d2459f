// `npm test`: runs every package's suite through turbo, streams the output, and ends with one summary line counting
// every test in the repo. Two lanes run side by side: the browser tests (Playwright, mostly waiting on Chromium and
// on the servers it drives) and every other package, one at a time (two cores, and each suite already runs two
// files in parallel). With a `--filter` argument, one lane runs exactly what was asked.
import { spawn } from "node:child_process";

const BROWSER_PACKAGE = "@paycore/e2e";
const args = process.argv.slice(2);
const filtered = args.some((arg) => arg === "--filter" || arg.startsWith("--filter="));
const lanes = filtered
  ? [args]
  : [
      [`--filter=${BROWSER_PACKAGE}`, ...args],
      [`--filter=!${BROWSER_PACKAGE}`, ...args],
    ];

const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const totals = { passed: 0, failed: 0, skipped: 0 };
/** Suites that skipped themselves as a whole (they print "<suite> skipped: <reason>"), named in the last line. */
const skippedSuites = [];

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

/** Runs one lane; resolves with its exit code. Its output is written whole lines at a time, so lanes never split a line. */
function runLane(laneArgs) {
  return new Promise((resolve) => {
    const child = spawn(
      "npx",
      ["turbo", "run", "test", "--concurrency=1", "--output-logs=full", "--log-prefix=task", ...laneArgs],
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
    let pending = "";
    child.stdout.on("data", (chunk) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
      for (const line of lines) count(line);
    });
    child.on("close", (code) => {
      if (pending !== "") {
        process.stdout.write(`${pending}\n`);
        count(pending);
      }
      resolve(code ?? 1);
    });
  });
}

const codes = await Promise.all(lanes.map(runLane));
const failedLane = codes.find((code) => code !== 0);
if (failedLane !== undefined && totals.failed === 0) {
  // A suite crashed before reporting (or typecheck/setup failed): never print a clean line for a failed run.
  console.log("\na test run failed before reporting its results (see above)");
  totals.failed = 1;
}
const suites = skippedSuites.length > 0 ? `; ${skippedSuites.join("; ")}` : "";
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped${suites}`);
process.exit(failedLane ?? 0);
