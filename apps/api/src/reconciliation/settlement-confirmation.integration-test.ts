// Goal: a lost notification no longer leaves a payment pending once the PSP's report shows it settled. An
// Adyen-style capture is acknowledged and its CAPTURE notification never arrives (no webhook endpoint is
// configured for Adyen), so the payment stays authorized with its capture in flight; the day's settlement
// report settles it; the import confirms the capture through the payment commands with source RECONCILIATION,
// then posts the line and closes the item (rule settled.confirmed_in_flight). Real Postgres, the sandbox PSP
// server over HTTP, the ledger invariant after each test.
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

const PAYMENT = "id status amountCaptured pspName pspReference";
const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT} } errors { code } } }`;
const CAPTURE = `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { ${PAYMENT} } errors { code } } }`;

interface Payment {
  id: string;
  status: string;
  amountCaptured: string;
  pspName: string;
  pspReference: string | null;
}

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;
let merchant: TestMerchant;
let dir: string;
let recon: ReconciliationCommands;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    seed: 17,
    timings: { asyncOutcomeDelayMs: 20, modificationDelayMs: 20 },
  });
  // No webhook endpoint for the Adyen-style PSP: its capture notifications are lost.
  t = await createTestApp({ pspSandboxUrl: sandbox.url, listen: true });
  merchant = await t.createMerchant();
  await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["EUR"] },
    pspNames: ["adyen"],
  });
  dir = await mkdtemp(join(tmpdir(), "recon-confirm-"));
  recon = createReconciliationCommands(t.app.sql, { payments: t.app.services.commands });
}, 60_000);

afterEach(async () => {
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function importToday(name: string) {
  // The sandbox books an acknowledged capture after its modification delay: wait until today's report has a line.
  const today = () => sandbox.settlementCsv("adyen", new Date().toISOString().slice(0, 10));
  await expect.poll(() => today().trim().split("\n").length, { timeout: 5_000 }).toBeGreaterThan(1);
  const csv = today();
  const path = join(dir, name);
  await writeFile(path, csv);
  return recon.importReport(
    { operatorId: null, name: "cli:confirm-test" },
    { psp: "adyen", fileName: name, fileSha256: await sha256OfFile(path), rows: reportRowsOfFile(path) },
  );
}

describe("a capture whose notification was lost", () => {
  it("is confirmed by the settlement report, with source RECONCILIATION, then posted and closed", async () => {
    const method = await t.tokenize(merchant.publishableKey, "5555555555554444");
    const created = await t.gql<{ createPayment: { payment: Payment } }>(merchant.secretKey, CREATE, {
      input: {
        idempotencyKey: newKey(),
        amount: "2500",
        currency: "EUR",
        paymentMethodId: method,
        captureMethod: "MANUAL",
      },
    });
    const payment = created.data?.createPayment.payment as Payment;
    expect(payment).toMatchObject({ status: "AUTHORIZED", pspName: "adyen" });
    const captured = await t.gql<{ capturePayment: { payment: Payment } }>(merchant.secretKey, CAPTURE, {
      input: { idempotencyKey: newKey(), paymentId: payment.id },
    });
    // Acknowledged by the PSP; the outcome would come by notification, which never arrives.
    expect(captured.data?.capturePayment.payment.status).toBe("AUTHORIZED");
    const [attempt] = await t.app.sql.query<{ status: string }>(
      "SELECT status::text AS status FROM psp_attempts WHERE payment_id = $1 AND operation = 'CAPTURE'",
      [payment.id],
    );
    expect(attempt?.status).toBe("ACKNOWLEDGED");

    const { import: applied } = await importToday("adyen-lost-notification.csv");
    expect(applied.categoryCounts).toMatchObject({ STATUS_MISMATCH: 1 });
    const [item] = await t.app.sql.query<{
      status: string;
      rule: string;
      journal_entry_id: string | null;
      expected_id: string;
    }>(
      "SELECT status::text AS status, rule, journal_entry_id, expected_id FROM recon_items WHERE payment_id = $1",
      [payment.id],
    );
    expect(item).toMatchObject({ status: "CLOSED", rule: "settled.confirmed_in_flight" });
    expect(item?.journal_entry_id).toMatch(/^je_/);
    // The line now settles the capture's own journal entry.
    expect(item?.expected_id).toMatch(/^je_/);
    const [row] = await t.app.sql.query<{ status: string; amount_captured_minor: bigint }>(
      "SELECT status::text AS status, amount_captured_minor FROM payments WHERE id = $1",
      [payment.id],
    );
    expect(row).toMatchObject({ status: "CAPTURED", amount_captured_minor: 2500n });
    const events = await t.app.sql.query<{ source: string; new_status: string | null; actor: string }>(
      "SELECT source::text AS source, new_status::text AS new_status, actor FROM payment_events WHERE payment_id = $1 ORDER BY id",
      [payment.id],
    );
    expect(events.at(-1)).toMatchObject({ source: "RECONCILIATION", new_status: "CAPTURED" });
    const audit = await t.app.sql.query<{ action: string }>(
      "SELECT action FROM operator_audit_log WHERE target_type = 'recon_item' AND target_id IN (SELECT id FROM recon_items WHERE payment_id = $1)",
      [payment.id],
    );
    expect(audit.map((a) => a.action)).toEqual(["reconciliation.confirmed_in_flight"]);
    // The payment's receivable is cleared by the settled line: nothing is left for it in psp_receivable.
    const [receivable] = await t.app.sql.query<{ balance: string }>(
      `SELECT COALESCE(SUM(CASE l.direction WHEN 'DEBIT' THEN l.amount_minor ELSE -l.amount_minor END), 0)::text AS balance
         FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
        WHERE a.merchant_id = $1 AND a.code = 'psp_receivable' AND a.currency = 'EUR'`,
      [merchant.id],
    );
    expect(receivable?.balance).toBe("0");

    // The same report again changes nothing; a later import has nothing left to confirm.
    const entries = await t.countRows("journal_entries");
    expect((await importToday("adyen-lost-notification-again.csv")).replayed).toBe(true);
    expect(await t.countRows("journal_entries")).toBe(entries);
    expect(await recon.confirmInFlight()).toEqual({ confirmed: 0, waiting: 0 });
  });
});
