// Goal: `npm run cli -- ledger verify` / `audit verify` print OK with counts on an intact chain, and on a
// tampered one name the first broken row and exit 1; `ledger check` (the consistency check on demand) prints OK
// on a consistent ledger and names a payment that disagrees with its entries, exit 1, the run stored as the
// workbench's needs-attention item (the CLI's program run in this process; cli-audit's suite runs the binary).
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { ChainSealer } from "@paycore/platform/workers/chain-sealer";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCliInProcess } from "../src/testing/run-cli";
import { createTestApp, newKey, type TestApp } from "../src/testing/test-app";

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

describe("cli ledger check", () => {
  it("is OK on a consistent ledger; a payment disagreeing with its entries is named, exit 1, and stored", async () => {
    const clean = await cli(t.databaseUrl, "ledger", "check");
    expect(clean.stdout, clean.stderr).toMatch(
      /^OK ledger check \S+ \(full, \d+ journal seals re-hashed\): no disagreement/,
    );
    expect(clean.code).toBe(0);

    const merchant = await t.createMerchant();
    const method = await t.tokenize(merchant.publishableKey);
    const created = await t.gql<{ createPayment: { payment: { id: string; status: string } } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }`,
      { input: { idempotencyKey: newKey(), amount: "900", currency: "USD", paymentMethodId: method } },
    );
    const paymentId = created.data?.createPayment.payment.id as string;
    expect(created.data?.createPayment.payment.status, created.raw).toBe("CAPTURED");
    // As a bug would leave it: the payment says less was captured than its ledger entries do.
    await t.app.sql.query(
      "UPDATE payments SET amount_captured_minor = 800, version = version + 1 WHERE id = $1",
      [paymentId],
    );
    try {
      const broken = await cli(t.databaseUrl, "ledger", "check", "--json");
      expect(broken.code, broken.stderr).toBe(1);
      const run = JSON.parse(broken.stdout) as { id: string; ok: boolean; findings: unknown[] };
      expect(run.ok).toBe(false);
      expect(run.findings).toContainEqual(
        expect.objectContaining({ kind: "payment_disagrees", subject: paymentId }),
      );
      const [stored] = await t.app.sql.query<{ ok: boolean }>(
        "SELECT ok FROM ledger_check_runs WHERE id = $1",
        [run.id],
      );
      expect(stored).toEqual({ ok: false });
    } finally {
      await t.app.sql.query(
        "UPDATE payments SET amount_captured_minor = 900, version = version + 1 WHERE id = $1",
        [paymentId],
      );
    }
    expect((await cli(t.databaseUrl, "ledger", "check")).code).toBe(0);
  });
});
