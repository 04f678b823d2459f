// Goal: two imports of the same settlement file at the same moment (two workers, or a worker and an operator's
// CLI run) apply it once: one posts, the other waits for it and is answered as a replay, and nothing fails or
// is written twice. Real Postgres, the runtime's own reconciliation command and report reader.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, type TestRuntime } from "../testing/test-runtime";
import { createReconciliationCommands } from "./reconciliation-commands.factory";
import { reportRowsOfFile, sha256OfFile } from "./settlement-report-file";

const HEADER =
  "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,payment_intent_id\n";

let t: TestRuntime;
let dir: string;

beforeAll(async () => {
  t = await createTestRuntime();
  dir = await mkdtemp(join(tmpdir(), "recon-concurrent-"));
});

afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the same file imported twice at once", () => {
  it("applies once: one import posts, the other is told it is the same file", async () => {
    // Lines for payments we never made (MISSING_INTERNAL): each is recorded once under the PSP's line identity.
    const lines = Array.from(
      { length: 40 },
      (_, index) =>
        `txn_cc${index.toString(36)},2026-05-01 10:00:00,2026-05-03 00:00:00,usd,12.34,0.66,11.68,charge,ch_cc${index.toString(36)},pi_cc${index.toString(36)}\n`,
    );
    const path = join(dir, "stripe-concurrent.csv");
    await writeFile(path, HEADER + lines.join(""));
    const sha = await sha256OfFile(path);
    const recon = createReconciliationCommands(t.app.sql);
    const importOnce = (name: string) =>
      recon.importReport(
        { operatorId: null, name },
        { psp: "stripe", fileName: "stripe-concurrent.csv", fileSha256: sha, rows: reportRowsOfFile(path) },
      );
    const results = await Promise.all([importOnce("cli:first"), importOnce("cli:second")]);
    expect(results.map((result) => result.replayed).sort()).toEqual([false, true]);
    const [first, second] = results;
    expect(first?.import.id).toBe(second?.import.id);
    expect(first?.import).toMatchObject({ status: "APPLIED", lineCount: 40 });
    expect(first?.import.categoryCounts).toEqual({ MISSING_INTERNAL: 40 });
    expect(await t.countRows("recon_imports")).toBe(1);
    expect(await t.countRows("recon_items")).toBe(40);
    const audit = await t.app.sql.query<{ action: string }>(
      "SELECT action FROM operator_audit_log WHERE target_type = 'recon_import'",
    );
    expect(audit.map((row) => row.action)).toEqual(["reconciliation.import_applied"]);
    await t.expectLedgerBalanced();
  });
});
