// Goal: an admin's "verify hash chains" action reports both chains intact, then names the audit row edited
// behind the triggers' back; each run is itself an audit row; viewers and operators may not run it.
import { ChainSealer } from "@paycore/platform/workers/chain-sealer";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let admin: Browser;

beforeAll(async () => {
  c = await createTestConsole();
  admin = await c.signedIn("ADMIN");
});
afterAll(async () => {
  await c?.close();
});

/** Seals until the audit stream has `count` seals (other suites' open transactions may hold sealing back). */
async function sealAudit(count: bigint): Promise<void> {
  const sealer = new ChainSealer({ chains: c.services.chains, log: pino({ level: "silent" }) });
  const deadline = Date.now() + 30_000;
  while ((await c.services.chains.status("operator_audit")).sealedCount < count) {
    if (Date.now() > deadline) throw new Error("audit rows were not sealed in time");
    await sealer.drain();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("audit.verifyChain", () => {
  it("reports both chains, names an edited audit row, and is audited", async () => {
    const api = await admin.api();
    await api.merchants.create({
      name: "Chained",
      feeRateBps: 290,
      feeFixedMinor: "30",
      riskReviewThreshold: 40,
      riskDeclineThreshold: 75,
    });
    const [{ n } = { n: 0n }] = await c.t.app.sql.query<{ n: bigint }>(
      "SELECT count(*) AS n FROM operator_audit_log",
    );
    await sealAudit(n);

    const intact = await api.audit.verifyChain();
    expect(intact.reports.map((report) => [report.stream, report.ok])).toEqual([
      ["journal", true],
      ["operator_audit", true],
    ]);
    expect(intact.reports[1]?.sealedCount).toBe(n.toString());

    const [created] = await c.t.app.sql.query<{ id: string }>(
      "SELECT id::text AS id FROM operator_audit_log WHERE action = 'merchant.create'",
    );
    const client = new pg.Client({ connectionString: c.t.databaseUrl });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("ALTER TABLE operator_audit_log DISABLE TRIGGER USER");
      await client.query(`UPDATE operator_audit_log SET after = '{"name": "Someone else"}' WHERE id = $1`, [
        created?.id,
      ]);
      await client.query("ALTER TABLE operator_audit_log ENABLE TRIGGER USER");
      await client.query("COMMIT");
    } finally {
      await client.end();
    }

    const broken = await api.audit.verifyChain();
    expect(broken.reports[0]?.ok).toBe(true);
    expect(broken.reports[1]).toMatchObject({
      stream: "operator_audit",
      ok: false,
      firstBreak: { kind: "CONTENT_CHANGED", rowId: created?.id },
    });

    const { entries } = await c.services.operators.listAudit({
      search: "chain.verify",
      operatorId: null,
      beforeId: null,
      first: 10,
    });
    expect(entries.map((entry) => entry.after)).toEqual([
      {
        journal: expect.stringMatching(/^ok: 0 sealed/),
        operator_audit: expect.stringMatching(/^CONTENT_CHANGED/),
      },
      {
        journal: expect.stringMatching(/^ok: 0 sealed/),
        operator_audit: expect.stringMatching(/^ok: \d+ sealed/),
      },
    ]);
  });

  it.each(["VIEWER", "OPERATOR"] as const)("refuses a %s", async (role) => {
    const api = await (await c.signedIn(role)).api();
    await expect(api.audit.verifyChain()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
