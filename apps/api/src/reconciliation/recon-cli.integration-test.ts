// Goal: `npm run cli -- recon import` imports a report as the CLI's user (audited), prints the run as JSON,
// replays the same file without applying it twice, and refuses a bad file with its line, exit 1 and nothing
// written but the refusal.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CliResult, runCliInProcess } from "../testing/run-cli";
import { createTestApp, type TestApp } from "../testing/test-app";

const ENV = {
  VAULT_ENCRYPTION_KEYS: `1:${generateKeyMaterial()}`,
  VAULT_FINGERPRINT_KEY: randomBytes(32).toString("base64"),
  IDEMPOTENCY_HASH_SECRET: randomBytes(32).toString("base64"),
};
const HEADER =
  "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,payment_intent_id\n";

let t: TestApp;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  dir = await mkdtemp(join(tmpdir(), "recon-cli-"));
}, 240_000);

afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 240_000);

function cli(args: string[]): Promise<CliResult> {
  return runCliInProcess(args, { DATABASE_URL: t.databaseUrl, ...ENV });
}

it("imports, replays, and refuses with the line", async () => {
  const report = join(dir, "stripe-day.csv");
  await writeFile(
    report,
    `${HEADER}txn_a1,2026-03-14 10:00:00,2026-03-16 00:00:00,usd,20.00,0.88,19.12,charge,ch_a1,pi_unknown_a1\n` +
      `txn_a2,2026-03-14 11:00:00,2026-03-16 00:00:00,jpy,500,45,455,charge,ch_a2,pi_unknown_a2\n`,
  );
  const first = await cli(["recon", "import", report, "--psp", "stripe", "--json"]);
  expect(first.code, first.stderr).toBe(0);
  const run = JSON.parse(first.stdout);
  expect(run).toMatchObject({
    status: "APPLIED",
    replayed: false,
    lineCount: 2,
    categoryCounts: { MISSING_INTERNAL: 2 },
    totals: [
      { currency: "JPY", gross: "500", fee: "45", net: "455" },
      { currency: "USD", gross: "2000", fee: "88", net: "1912" },
    ],
  });
  const again = await cli(["recon", "import", "--file", report, "--psp", "stripe", "--json"]);
  expect(JSON.parse(again.stdout)).toMatchObject({ id: run.id, replayed: true });
  expect(await t.countRows("recon_items")).toBe(2);

  const bad = join(dir, "stripe-bad.csv");
  await writeFile(
    bad,
    `${HEADER}txn_b1,2026-03-14 10:00:00,2026-03-16 00:00:00,usd,20.001,0,20.001,charge,ch_b1,pi_b1\n`,
  );
  const refused = await cli(["recon", "import", bad, "--psp", "stripe"]);
  expect(refused.code).toBe(1);
  expect(refused.stdout).toMatch(/refused at line 2: gross "20.001" is not an amount in USD/);
  expect(await t.countRows("recon_items")).toBe(2);

  const audit = await t.app.sql.query<{ action: string; actor: string }>(
    "SELECT action, after->>'actor' AS actor FROM operator_audit_log WHERE target_type = 'recon_import' ORDER BY id",
  );
  expect(audit).toEqual([
    { action: "reconciliation.import_applied", actor: `cli:${userInfo().username}` },
    { action: "reconciliation.import_refused", actor: `cli:${userInfo().username}` },
  ]);
}, 240_000);
