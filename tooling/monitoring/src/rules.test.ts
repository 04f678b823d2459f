// Goal: the shipped alert rules load (`promtool check rules`) and behave as
// their unit tests say (`promtool test rules` over synthetic series, in
// prometheus/rules.test.yml), and the generated Prometheus configuration is one
// Prometheus accepts (`promtool check config`). Skipped, with the reason
// printed, where promtool is not installed (CI installs it: .ci/run).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRepoRoot } from "@paycore/db/database-url";
import { describe, expect, it } from "vitest";
import { alertmanagerConfig, prometheusConfig, RULES_FILE, RULES_TEST_FILE } from "./configs";
import { present } from "./packages";

const hasPromtool = present("promtool");
if (!hasPromtool)
  console.log("monitoring rules tests skipped: promtool is not installed (apt-get install prometheus)");

function promtool(args: string[]): string {
  return execFileSync("promtool", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe.skipIf(!hasPromtool)("the alert rules", () => {
  it("load: promtool check rules", () => {
    const out = promtool(["check", "rules", RULES_FILE]);
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("pass their unit tests: promtool test rules", () => {
    expect(promtool(["test", "rules", RULES_TEST_FILE])).toContain("SUCCESS");
  });

  it("each have an entry in docs/operations.md saying what an operator does", () => {
    const names = [...readFileSync(RULES_FILE, "utf8").matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(10);
    const docs = readFileSync(join(findRepoRoot(), "docs", "operations.md"), "utf8");
    expect(names.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });

  it("are referenced by a configuration Prometheus accepts: promtool check config", () => {
    const dir = mkdtempSync(join(tmpdir(), "paycore-prom-"));
    try {
      const tokenFile = join(dir, "token");
      writeFileSync(tokenFile, "0123456789abcdef0123\n");
      const config = join(dir, "prometheus.yml");
      writeFileSync(
        config,
        prometheusConfig({
          targets: [{ job: "paycore-api", address: "127.0.0.1:4000" }],
          tokenFile,
          rulesFile: RULES_FILE,
          alertmanager: "127.0.0.1:9493",
          scrapeIntervalSeconds: 15,
          evaluationIntervalSeconds: 15,
        }),
      );
      expect(promtool(["check", "config", config])).toContain("SUCCESS");
      const am = join(dir, "alertmanager.yml");
      writeFileSync(am, alertmanagerConfig());
      if (present("amtool"))
        expect(execFileSync("amtool", ["check-config", am], { encoding: "utf8" })).toContain("SUCCESS");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
