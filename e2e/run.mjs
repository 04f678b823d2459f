// Runs the Playwright browser tests in Debian's Chromium. Without Chromium on
// this machine they are reported as skipped with the reason; under CI (which
// installs it in .ci/run) a missing browser is an error, never a silent skip.
//
// `node run.mjs --reverse [playwright arguments]` runs the spec files in reverse order, to show that no spec
// depends on the ones before it: Playwright runs files sorted by name whatever order the command line names them
// in, so this writes one wrapper per spec, named by its position, under artifacts/reverse/ and points the config
// there (E2E_REVERSE_DIR). The tests inside each file keep their order.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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

const args = process.argv.slice(2);
const env = { ...process.env };
if (args.includes("--reverse")) {
  const dir = join(import.meta.dirname, "artifacts", "reverse");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const specs = readdirSync(import.meta.dirname)
    .filter((name) => name.endsWith(".spec.ts"))
    .sort()
    .reverse();
  for (const [index, name] of specs.entries()) {
    const wrapper = `${String(index + 1).padStart(2, "0")}-${name.replace(/\.spec\.ts$/, ".reverse.ts")}`;
    writeFileSync(join(dir, wrapper), `import "../../${name}";\n`);
  }
  env.E2E_REVERSE_DIR = dir;
}
const result = spawnSync("npx", ["playwright", "test", ...args.filter((arg) => arg !== "--reverse")], {
  stdio: "inherit",
  env,
});
process.exit(result.status ?? 1);
