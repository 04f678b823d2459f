// Goal: `npm run cli -- ledger verify` / `audit verify` print OK with counts on an intact chain, and on a
// tampered one name the first broken row and exit 1 (the CLI's program run in this process; cli-audit's suite
// runs the binary).
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { ChainSealer } from "@paycore/platform/workers/chain-sealer";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCliInProcess } from "../src/testing/run-cli";
import { createTestApp, type TestApp } from "../src/testing/test-app";

function cli(databaseUrl: string, ...args: string[]): Promise<CliResult> {
  return runCliInProcess(args, { DATABASE_URL: databaseUrl });
}

let t: TestApp;
let auditIds: string[];

beforeAll(async () => {
  t = await createTestApp();
  for (const action of ["merchant.create", "merchant.update_settings"]) {
    await t.app.sql.query(
      `INSERT INTO operator_audit_log (action, target_type, after) VALUES ($1, 'merchant', '{"feeRateBps": 250}')`,
      [action],
    );
  }
  const chains = new ChainRepository(t.app.sql);
  const sealer = new ChainSealer({ chains, log: pino({ level: "silent" }) });
  // Other suites' open transactions on this server may hold sealing back for a moment.
  const deadline = Date.now() + 30_000;
  while ((await chains.status("operator_audit")).sealedCount < 2n) {
    if (Date.now() > deadline) throw new Error("audit rows were not sealed in time");
    await sealer.drain();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  auditIds = (
    await t.app.sql.query<{ id: string }>("SELECT id::text AS id FROM operator_audit_log ORDER BY id")
  ).map((row) => row.id);
});
afterAll(async () => {
  await t?.close();
});

describe("cli verify", () => {
  it("prints OK with counts for intact chains, then names the edited row and exits 1", async () => {
    const ledger = await cli(t.databaseUrl, "ledger", "verify");
    expect(ledger.stdout, ledger.stderr).toMatch(
      /^OK journal: 0 rows sealed, chain head 0{64}; 0 not sealed yet/,
    );
    expect(ledger.code).toBe(0);

    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("ALTER TABLE operator_audit_log DISABLE TRIGGER USER");
      await client.query("UPDATE operator_audit_log SET action = 'merchant.delete' WHERE id = $1", [
        auditIds[1],
      ]);
      await client.query("ALTER TABLE operator_audit_log ENABLE TRIGGER USER");
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
    const broken = await cli(t.databaseUrl, "audit", "verify", "--json");
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      stream: "operator_audit",
      ok: false,
      sealedCount: "1",
      firstBreak: { kind: "CONTENT_CHANGED", seq: "2", rowId: auditIds[1] },
    });
  });
});
