// Goal (issue 18): a capture's money is pending until its PSP's settlement delay; when the settlement report's line
// for it is imported, its pending release moves to the report's available date (Stripe's available_on_utc), earlier
// or later, and is posted exactly once by the release worker (a replayed or overlapping report moves nothing
// again). The ledger invariant is checked after every scenario.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReconciliationCommands } from "@paycore/core/reconciliation/reconciliation-commands";
import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { reportRowsOfFile, sha256OfFile } from "@paycore/platform/reconciliation/settlement-report-file";
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../testing/test-app";

const ACTOR = { operatorId: null, name: "cli:recon-availability-test" };
const DAY_MS = 86_400_000;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;
let merchant: TestMerchant;
let dir: string;
let recon: ReconciliationCommands;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 18 });
  t = await createTestApp({ pspSandboxUrl: sandbox.url });
  merchant = await t.createMerchant();
  await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["USD"] },
    pspNames: ["stripe"],
  });
  dir = await mkdtemp(join(tmpdir(), "recon-availability-"));
  recon = createReconciliationCommands(t.app.sql);
}, 60_000);

afterEach(async () => {
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const dayOf = (date: Date) => date.toISOString().slice(0, 10);

async function captured(amount: string): Promise<string> {
  const method = await t.tokenize(merchant.publishableKey);
  const result = await t.gql<{ createPayment: { payment: { id: string; status: string } } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }`,
    { input: { idempotencyKey: newKey(), amount, currency: "USD", paymentMethodId: method } },
  );
  expect(result.data?.createPayment.payment.status).toBe("CAPTURED");
  return result.data?.createPayment.payment.id as string;
}

/** Today's Stripe report from the sandbox, every line's available_on_utc set to `day` (YYYY-MM-DD). */
function reportAvailableOn(day: string): string {
  const [header, ...rows] = sandbox.settlementCsv("stripe", dayOf(new Date())).trimEnd().split("\n");
  const column = (header as string).split(",").indexOf("available_on_utc");
  expect(column).toBeGreaterThanOrEqual(0);
  const moved = rows.map((row) => {
    const cells = row.split(",");
    cells[column] = `${day} 00:00:00`;
    return cells.join(",");
  });
  return `${[header, ...moved].join("\n")}\n`;
}

async function importCsv(csv: string) {
  const name = `stripe-${newKey("f")}.csv`;
  const path = join(dir, name);
  await writeFile(path, csv);
  return recon.importReport(ACTOR, {
    psp: "stripe",
    fileName: name,
    fileSha256: await sha256OfFile(path),
    rows: reportRowsOfFile(path),
  });
}

async function releaseOf(paymentId: string) {
  const [row] = await t.app.sql.query<{ available_on: Date; released_entry_id: string | null }>(
    `SELECT r.available_on, r.released_entry_id FROM pending_releases r
       JOIN journal_entries e ON e.id = r.journal_entry_id WHERE e.payment_id = $1`,
    [paymentId],
  );
  return row;
}

async function releasesPosted(paymentId: string): Promise<number> {
  const [row] = await t.app.sql.query<{ count: string }>(
    `SELECT count(*)::text AS count FROM journal_entries j
      WHERE j.kind = 'balance.released' AND j.source_event_key IN (
        SELECT 'release:' || e.id FROM journal_entries e WHERE e.payment_id = $1)`,
    [paymentId],
  );
  return Number(row?.count ?? 0);
}

describe("availability from the settlement report", () => {
  it("moves a capture's release earlier to the report's date, released once, and a replay moves nothing", async () => {
    const paymentId = await captured("2500");
    // The PSP's settlement delay (2 days for stripe) set it first.
    const before = await releaseOf(paymentId);
    expect(before?.available_on.getTime()).toBeGreaterThan(Date.now() + DAY_MS);
    const yesterday = dayOf(new Date(Date.now() - DAY_MS));
    const csv = reportAvailableOn(yesterday);
    const applied = await importCsv(csv);
    expect(applied.import.categoryCounts).toMatchObject({ MATCHED: 1 });
    expect((await releaseOf(paymentId))?.available_on.toISOString()).toBe(`${yesterday}T00:00:00.000Z`);
    const audit = await t.app.db.operatorAuditLog.findFirstOrThrow({
      where: { targetId: applied.import.id, action: "reconciliation.import_applied" },
      select: { after: true },
    });
    expect(audit.after).toMatchObject({ releasesMoved: 1 });

    expect(await t.app.services.payouts.releaseDue()).toBeGreaterThanOrEqual(1);
    expect((await releaseOf(paymentId))?.released_entry_id).not.toBeNull();
    expect(await releasesPosted(paymentId)).toBe(1);

    // The same file again is a replay; a later report naming another date finds the line a DUPLICATE.
    expect((await importCsv(csv)).replayed).toBe(true);
    const overlapping = await importCsv(reportAvailableOn(dayOf(new Date(Date.now() + 9 * DAY_MS))));
    expect(overlapping.import.categoryCounts).toEqual({ DUPLICATE: 1 });
    await t.app.services.payouts.releaseDue();
    expect(await releasesPosted(paymentId)).toBe(1);
  });

  it("moves a release later when the report says so, and the release waits for it", async () => {
    const paymentId = await captured("4000");
    const later = dayOf(new Date(Date.now() + 5 * DAY_MS));
    const applied = await importCsv(reportAvailableOn(later));
    // The first test's line is a DUPLICATE now; this payment's is matched and moved.
    expect(applied.import.categoryCounts).toEqual({ DUPLICATE: 1, MATCHED: 1 });
    expect((await releaseOf(paymentId))?.available_on.toISOString()).toBe(`${later}T00:00:00.000Z`);
    await t.app.services.payouts.releaseDue();
    expect((await releaseOf(paymentId))?.released_entry_id).toBeNull();
    expect(await releasesPosted(paymentId)).toBe(0);
  });
});
