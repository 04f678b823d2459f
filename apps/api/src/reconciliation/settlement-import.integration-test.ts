// Goal: a day of payments through the sandbox PSPs, their settlement reports imported in each PSP's own layout,
// end to end on real Postgres: a clean day ends with every line MATCHED, no open item, psp_receivable of every
// settled payment at zero and the bank holding what the PSP paid; each injected difference lands in its
// category; bad files are refused whole with their line; the same file applies once. The ledger invariant is
// checked after every scenario.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReconciliationCommands } from "@paycore/core/reconciliation/reconciliation-commands";
import { DEFAULT_RECONCILIATION_SETTINGS } from "@paycore/core/reconciliation/reconciliation-commands";
import { SettlementReportError } from "@paycore/core/reconciliation/settlement-line";
import {
  createReconciliationCommands,
  createReconItemCommands,
} from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { reportRowsOfFile, sha256OfFile } from "@paycore/platform/reconciliation/settlement-report-file";
import type { SandboxHandle } from "@paycore/psp-sandbox/sandbox-server";
import { withSettlementDifferences } from "@paycore/psp-sandbox/settlement-differences";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSandboxTestApp } from "../testing/sandbox-test-app";
import { newKey, type TestApp, type TestMerchant } from "../testing/test-app";

const ACTOR = { operatorId: null, name: "cli:recon-test" };
const PAYMENT = "id status amountCaptured pspName pspReference";
const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT} } errors { code } } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id status } errors { code } } }`;

interface Payment {
  id: string;
  status: string;
  amountCaptured: string;
  pspName: string;
  pspReference: string | null;
}

let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;
let dir: string;
let recon: ReconciliationCommands;

beforeAll(async () => {
  ({ sandbox, t, merchant } = await createSandboxTestApp({
    sandbox: {
      seed: 16,
      timings: { asyncOutcomeDelayMs: 20, modificationDelayMs: 20 },
      webhookRetry: { attemptsMax: 8, initialDelayMs: 50, maxDelayMs: 500, timeoutMs: 2_000 },
    },
  }));
  dir = await mkdtemp(join(tmpdir(), "recon-"));
  recon = createReconciliationCommands(t.app.sql, {
    // Chunks of two lines: every file crosses chunk boundaries, where the import matches one chunk while the
    // chunk before is still being written (duplicates and 1:N lines then fall in different chunks).
    settings: {
      ...DEFAULT_RECONCILIATION_SETTINGS,
      toleranceMinor: { adyen: 5n, stripe: 5n },
      chunkLines: 2,
    },
  });
}, 60_000);

afterEach(async () => {
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function read(id: string): Promise<Payment> {
  const result = await t.gql<{ payment: Payment }>(
    merchant.secretKey,
    `{ payment(id: "${id}") { ${PAYMENT} } }`,
  );
  return result.data?.payment as Payment;
}

/** A captured payment (Adyen's capture settles by notification, so wait for it, bounded). */
async function captured(amount: string, currency: string): Promise<Payment> {
  const method = await t.tokenize(
    merchant.publishableKey,
    currency === "EUR" ? "5555555555554444" : "4242424242424242",
  );
  const result = await t.gql<{ createPayment: { payment: Payment } }>(merchant.secretKey, CREATE, {
    input: { idempotencyKey: newKey(), amount, currency, paymentMethodId: method },
  });
  let payment = result.data?.createPayment.payment as Payment;
  for (let tries = 0; tries < 100 && payment.status !== "CAPTURED"; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    payment = await read(payment.id);
  }
  expect(payment.status).toBe("CAPTURED");
  return payment;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

async function importCsv(
  psp: "adyen" | "stripe",
  csv: string,
  name = `${psp}-${newKey("f")}.csv`,
  commands = recon,
) {
  const path = join(dir, name);
  await writeFile(path, csv);
  return commands.importReport(ACTOR, {
    psp,
    fileName: name,
    fileSha256: await sha256OfFile(path),
    rows: reportRowsOfFile(path),
  });
}

async function itemsOf(importId: string) {
  return t.app.sql.query<{
    category: string;
    status: string;
    rule: string;
    payment_id: string | null;
    difference_minor: bigint;
  }>(
    "SELECT category, status, rule, payment_id, difference_minor FROM recon_items WHERE import_id = $1 ORDER BY line_number",
    [importId],
  );
}

/** Σ of an account code per payment's merchant: asset sign (debits − credits). */
async function balanceOf(code: string, currency: string): Promise<bigint> {
  const rows = await t.app.sql.query<{ balance: string }>(
    `SELECT COALESCE(SUM(CASE l.direction WHEN 'DEBIT' THEN l.amount_minor ELSE -l.amount_minor END), 0)::text AS balance
       FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
      WHERE a.merchant_id = $1 AND a.code LIKE $2 AND a.currency = $3`,
    [merchant.id, code, currency],
  );
  return BigInt(rows[0]?.balance ?? "0");
}

describe("a clean Stripe day", () => {
  it("matches every line, leaves nothing open, clears the receivable and pays the bank the net", async () => {
    const payments = [
      await captured("2000", "USD"),
      await captured("12345", "USD"),
      await captured("999", "USD"),
    ];
    const refund = await t.gql<{ refundPayment: { refund: { status: string } } }>(
      merchant.secretKey,
      REFUND,
      {
        input: { idempotencyKey: newKey(), paymentId: payments[1]?.id, amount: "345" },
      },
    );
    expect(refund.data?.refundPayment.refund.status).toBe("SUCCEEDED");
    const csv = sandbox.settlementCsv("stripe", today());
    const { import: applied, replayed } = await importCsv("stripe", csv, "stripe-clean.csv");
    expect(replayed).toBe(false);
    expect(applied).toMatchObject({ status: "APPLIED", lineCount: 4, categoryCounts: { MATCHED: 4 } });
    const items = await itemsOf(applied.id);
    expect(items.every((item) => item.status === "CLOSED" && item.rule === "settled.matched")).toBe(true);
    // A chunk's settled lines share one settlement.chunk entry (chunks of two lines here: two entries), which
    // holds each line's own receivable line: a capture's amount credited, a refund's debited.
    const links = await t.app.sql.query<{
      journal_entry_id: string;
      kind: string;
      expected_kind: string;
      expected_amount_minor: bigint;
      receivable: string[];
    }>(
      `SELECT i.journal_entry_id, e.kind, i.expected_kind, i.expected_amount_minor,
              array_agg((CASE l.direction WHEN 'DEBIT' THEN l.amount_minor ELSE -l.amount_minor END)::text) AS receivable
         FROM recon_items i JOIN journal_entries e ON e.id = i.journal_entry_id
         JOIN ledger_lines l ON l.journal_entry_id = e.id
         JOIN ledger_accounts a ON a.id = l.account_id AND a.code = 'psp_receivable'
        WHERE i.import_id = $1
        GROUP BY i.id, i.journal_entry_id, e.kind, i.expected_kind, i.expected_amount_minor`,
      [applied.id],
    );
    expect(links).toHaveLength(4);
    expect(new Set(links.map((link) => link.journal_entry_id)).size).toBe(2);
    for (const link of links) {
      expect(link.kind).toBe("settlement.chunk");
      expect(link.receivable).toHaveLength(2);
      const cleared =
        link.expected_kind === "REFUND" ? link.expected_amount_minor : -link.expected_amount_minor;
      expect(link.receivable).toContain(String(cleared));
    }
    // Every settled payment's receivable is cleared: captures − refunds − settled.
    expect(await balanceOf("psp_receivable", "USD")).toBe(0n);
    const [total] = applied.totals;
    expect(total).toMatchObject({ currency: "USD", grossMinor: 2000n + 12345n + 999n - 345n });
    expect(await balanceOf("bank_cash:stripe", "USD")).toBe(total?.netMinor);
    expect(await balanceOf("psp_fees", "USD")).toBe(total?.feeMinor);
    expect(total && total.grossMinor - total.feeMinor).toBe(total?.netMinor);
  });

  it("the same file again applies nothing twice; an overlapping file's old lines are DUPLICATEs", async () => {
    const csv = sandbox.settlementCsv("stripe", today());
    const entriesBefore = await t.countRows("journal_entries");
    const again = await importCsv("stripe", csv, "stripe-clean-again.csv");
    expect(again.replayed).toBe(true);
    await captured("4100", "USD");
    const overlapping = await importCsv(
      "stripe",
      sandbox.settlementCsv("stripe", today()),
      "stripe-overlap.csv",
    );
    expect(overlapping.import.categoryCounts).toEqual({ DUPLICATE: 4, MATCHED: 1 });
    expect(await t.countRows("journal_entries")).toBe(entriesBefore + 2); // the new capture + its settlement
    expect(await balanceOf("psp_receivable", "USD")).toBe(0n);
  });
});

describe("an Adyen day with injected differences", () => {
  it("puts each difference in its category, posts only what the rules allow, and fee rows follow", async () => {
    const payments: Payment[] = [];
    for (const amount of ["1000", "2000", "3000", "4000", "5000", "6000"])
      payments.push(await captured(amount, "EUR"));
    const csv = withSettlementDifferences("adyen", sandbox.settlementCsv("adyen", today()), [
      { kind: "amount", line: 1, deltaMinor: -100n },
      { kind: "amount", line: 2, deltaMinor: -3n },
      { kind: "fee", line: 3, deltaMinor: 7n },
      { kind: "duplicate", line: 4 },
      { kind: "chargeback", line: 4 },
      { kind: "currency", line: 5, currency: "USD" },
      { kind: "drop", line: 0 },
      { kind: "add", reference: "ZZUNKNOWN0001", amountMinor: 777n, currency: "EUR" },
    ]);
    // No settlement delay or grace: the dropped capture is missing at once.
    const strict = createReconciliationCommands(t.app.sql, {
      settings: {
        ...DEFAULT_RECONCILIATION_SETTINGS,
        toleranceMinor: { adyen: 5n, stripe: 5n },
        settlementDelayMs: { adyen: 0, stripe: 0 },
        graceMs: 0,
        chunkLines: 2,
      },
    });
    const { import: applied } = await importCsv("adyen", csv, "adyen-differences.csv", strict);
    expect(applied.categoryCounts).toEqual({
      AMOUNT_MISMATCH: 2,
      FEE_MISMATCH: 1,
      DUPLICATE: 1,
      CURRENCY_MISMATCH: 1,
      MISSING_INTERNAL: 1,
      MATCHED: 3, // payment 5 (line 4), its chargeback row (for the dispute model) and the day's Fee row
      MISSING_EXTERNAL: 1,
    });
    const rows = await t.app.sql.query<{
      category: string;
      status: string;
      rule: string;
      payment_id: string | null;
    }>("SELECT category, status, rule, payment_id FROM recon_items WHERE import_id = $1", [applied.id]);
    const byPayment = (id: string | undefined) => rows.filter((row) => row.payment_id === id);
    expect(byPayment(payments[0]?.id)).toEqual([
      expect.objectContaining({ category: "MISSING_EXTERNAL", status: "OPEN" }),
    ]);
    expect(byPayment(payments[1]?.id)).toEqual([
      expect.objectContaining({ category: "AMOUNT_MISMATCH", status: "OPEN", rule: "operator" }),
    ]);
    expect(byPayment(payments[2]?.id)).toEqual([
      expect.objectContaining({
        category: "AMOUNT_MISMATCH",
        status: "CLOSED",
        rule: "amount.within_tolerance",
      }),
    ]);
    expect(byPayment(payments[3]?.id)).toEqual([
      expect.objectContaining({ category: "FEE_MISMATCH", status: "OPEN", rule: "fee.differs" }),
    ]);
    expect(byPayment(payments[4]?.id)).toEqual([
      expect.objectContaining({ category: "MATCHED", status: "CLOSED" }),
    ]);
    // The chargeback row waits for its dispute (this command has no dispute commands: the CLI's case).
    expect(rows.filter((row) => row.rule === "chargeback.to_dispute")).toEqual([
      expect.objectContaining({ category: "MATCHED", status: "OPEN", payment_id: null }),
    ]);
    expect(byPayment(payments[5]?.id)).toEqual([
      expect.objectContaining({ category: "CURRENCY_MISMATCH", status: "OPEN" }),
    ]);
    // The within-tolerance difference went to the adjustments account; nothing else did.
    expect(await balanceOf("recon_adjustments", "EUR")).toBe(3n);
    // Left in the receivable: exactly what is still open on our side (payments 1, 2 and 6).
    expect(await balanceOf("psp_receivable", "EUR")).toBe(1000n + 2000n + 6000n);
  });

  it("operators: accepting the PSP's figure above the limit needs a second operator; resolve, ignore, reopen", async () => {
    const { items, approvals } = createReconItemCommands(t.app.sql, { fourEyesAboveMinor: 50n });
    const alice = { operatorId: "opr_alice", name: "alice@example.test" };
    const bob = { operatorId: "opr_bob", name: "bob@example.test" };
    const [mismatch] = await t.app.sql.query<{ id: string; payment_id: string }>(
      "SELECT id, payment_id FROM recon_items WHERE category = 'AMOUNT_MISMATCH' AND status = 'OPEN'",
    );
    const outcome = await items.acceptPspFigure(
      alice,
      mismatch?.id as string,
      "PSP confirmed the short settlement",
    );
    expect(outcome.applied).toBe(false);
    const requestId = outcome.applied ? "" : outcome.approvalRequestId;
    await expect(approvals.approve(alice, requestId, "looks right")).rejects.toMatchObject({
      code: "APPROVAL_SAME_OPERATOR",
    });
    await expect(items.acceptPspFigure(bob, mismatch?.id as string, "again")).rejects.toMatchObject({
      code: "APPROVAL_ALREADY_REQUESTED",
    });
    const approved = await approvals.approve(bob, requestId, "checked against the PSP's statement");
    expect(approved).toMatchObject({ status: "APPROVED", requestedBy: alice.name, decidedBy: bob.name });
    const [resolved] = await t.app.sql.query<{
      status: string;
      rule: string;
      journal_entry_id: string | null;
    }>("SELECT status::text AS status, rule, journal_entry_id FROM recon_items WHERE id = $1", [
      mismatch?.id,
    ]);
    expect(resolved).toMatchObject({ status: "RESOLVED", rule: "operator.accepted_psp_figure" });
    expect(resolved?.journal_entry_id).toMatch(/^je_/);
    // The PSP paid 100 less: that went to the adjustments account, and payment 2's receivable is cleared.
    expect(await balanceOf("recon_adjustments", "EUR")).toBe(3n + 100n);
    expect(await balanceOf("psp_receivable", "EUR")).toBe(1000n + 6000n);
    await expect(approvals.reject(bob, requestId, "too late")).rejects.toMatchObject({
      code: "APPROVAL_NOT_PENDING",
    });

    const [currency] = await t.app.sql.query<{ id: string }>(
      "SELECT id FROM recon_items WHERE category = 'CURRENCY_MISMATCH' AND status = 'OPEN'",
    );
    const id = currency?.id as string;
    await expect(items.resolve(alice, id, "")).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await items.ignore(alice, id, "test data");
    await expect(items.resolve(alice, id, "fixed")).rejects.toMatchObject({
      code: "RECON_ITEM_STATE_INVALID",
    });
    await items.reopen(bob, id, "not test data after all");
    await items.resolve(bob, id, "the PSP corrected the currency in the next batch");
    const audit = await t.app.sql.query<{ action: string }>(
      "SELECT action FROM operator_audit_log WHERE target_type IN ('recon_item', 'approval_request') ORDER BY id",
    );
    expect(audit.map((row) => row.action)).toEqual([
      "approval.requested",
      "approval.approved",
      "recon_item.ignored",
      "recon_item.reopened",
      "recon_item.resolved",
    ]);
    // The database refuses an edge the state machine does not have.
    await expect(
      t.app.sql.query("UPDATE recon_items SET status = 'IGNORED' WHERE id = $1", [id]),
    ).rejects.toThrow(/illegal reconciliation item transition RESOLVED -> IGNORED/);
  });
});

describe("chargeback rows", () => {
  it("open the payment's dispute through the dispute commands, post the row, and apply once", async () => {
    const withDisputes = createReconciliationCommands(t.app.sql, { disputes: t.app.services.disputes });
    const [row] = await t.app.sql.query<{ id: string }>(
      "SELECT id FROM recon_items WHERE rule = 'chargeback.to_dispute' AND status = 'OPEN'",
    );
    const receivableBefore = await balanceOf("psp_receivable", "EUR");
    const bankBefore = await balanceOf("bank_cash:adyen%", "EUR");
    expect(await withDisputes.applyChargebacks()).toEqual({ applied: 1, open: 0 });
    const [item] = await t.app.sql.query<{
      status: string;
      rule: string;
      payment_id: string;
      journal_entry_id: string | null;
    }>("SELECT status::text AS status, rule, payment_id, journal_entry_id FROM recon_items WHERE id = $1", [
      row?.id,
    ]);
    expect(item).toMatchObject({ status: "CLOSED", rule: "chargeback.dispute_applied" });
    expect(item?.journal_entry_id).toMatch(/^je_/);
    const [dispute] = await t.app.sql.query<{
      status: string;
      stage: string;
      amount_minor: bigint;
      payment_id: string;
    }>("SELECT status::text AS status, stage, amount_minor, payment_id FROM disputes WHERE payment_id = $1", [
      item?.payment_id,
    ]);
    expect(dispute).toMatchObject({ status: "NEEDS_RESPONSE", stage: "chargeback", amount_minor: 5000n });
    // The dispute withdrew 50.00 from the receivable, the row paid it out of the bank: the receivable is unmoved.
    expect(await balanceOf("psp_receivable", "EUR")).toBe(receivableBefore);
    expect(await balanceOf("bank_cash:adyen%", "EUR")).toBe(bankBefore - 5000n);
    // Nothing left to apply; the dispute is not opened twice.
    expect(await withDisputes.applyChargebacks()).toEqual({ applied: 0, open: 0 });
    expect(await t.countRows("disputes")).toBe(1);
  });
});

describe("bad files are refused whole", () => {
  const good = () => sandbox.settlementCsv("stripe", today());
  it.each([
    ["the other PSP's layout", () => sandbox.settlementCsv("adyen", today()), 1, /adyen's report layout/],
    [
      "a missing required column",
      () => good().replace("available_on_utc", "available_on"),
      1,
      /missing required columns: available_on_utc/,
    ],
    ["an unparsable amount", () => good().replace(/,(\d+)\.(\d\d),/, ",$1.$2x,"), 2, /not an amount/],
    [
      "an unparsable date",
      () => good().replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, "31/12/2026"),
      2,
      /not a date/,
    ],
    ["a truncated last line", () => good().trimEnd().slice(0, -3), -1, /truncated/],
  ] as const)("%s", async (_name, makeCsv, line, reason) => {
    const entriesBefore = await t.countRows("journal_entries");
    const itemsBefore = await t.countRows("recon_items");
    const csv = makeCsv();
    const error = await importCsv("stripe", csv).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SettlementReportError);
    const refused = error as SettlementReportError;
    expect(refused.reason).toMatch(reason);
    expect(refused.lineNumber).toBe(line === -1 ? csv.split("\n").length : line);
    expect(await t.countRows("journal_entries")).toBe(entriesBefore);
    expect(await t.countRows("recon_items")).toBe(itemsBefore);
    const [record] = await t.app.sql.query<{ status: string; refused_line: number; imported_by: string }>(
      "SELECT status::text AS status, refused_line, imported_by FROM recon_imports ORDER BY created_at DESC, id DESC LIMIT 1",
    );
    expect(record).toMatchObject({
      status: "REFUSED",
      refused_line: refused.lineNumber,
      imported_by: ACTOR.name,
    });
  });

  it("a file that is not UTF-8", async () => {
    const csv = good();
    const bytes = Buffer.concat([
      Buffer.from(csv.slice(0, csv.indexOf("\n") + 1)),
      Buffer.from([0xff, 0xfe, 0x41]),
      Buffer.from(csv.slice(csv.indexOf("\n") + 1)),
    ]);
    const path = join(dir, "latin1.csv");
    await writeFile(path, bytes);
    const error = await recon
      .importReport(ACTOR, {
        psp: "stripe",
        fileName: "latin1.csv",
        fileSha256: await sha256OfFile(path),
        rows: reportRowsOfFile(path),
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ lineNumber: 2, reason: expect.stringMatching(/not UTF-8/) });
  });
});
