// Runs the Playwright browser tests in Debian's Chromium. Without Chromium on
// this machine they are reported as skipped with the reason; under CI (which
// installs it in .ci/run) a missing browser is an error, never a silent skip.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";

if (!existsSync(CHROMIUM)) {
  const reason = `no Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium)`;
  if (process.env.CI) {
    console.error(`browser tests cannot run: ${reason}`);
    process.exit(1);
  }
  console.log(`browser tests skipped: ${reason}`);
  process.exit(0);
}

const result = spawnSync("npx", ["playwright", "test", ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
