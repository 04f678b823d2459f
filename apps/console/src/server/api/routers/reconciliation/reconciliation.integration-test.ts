// Goal: the reconciliation screens' procedures on real Postgres, with a Stripe-style day from the sandbox PSP
// server imported with injected differences. Viewers read the runs, the queue (filters, counts, cursor) and an
// item; only operators act; each action goes through the core and lands in the operator audit log in its
// transaction; accepting a difference above the four-eyes amount waits for a second operator, whose approval
// posts the adjustment; the requester cannot approve their own. The ledger invariant holds after each test.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { reportRowsOfFile, sha256OfFile } from "@paycore/platform/reconciliation/settlement-report-file";
import { TEST_FIXTURE_ACTOR } from "@paycore/platform/testing/test-runtime";
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { withSettlementDifferences } from "@paycore/psp-sandbox/settlement-differences";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { queueCsv } from "../../../../app/(console)/reconciliation/export/queue-csv";
import { seedMerchant, seedPayment } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let c: TestConsole;
let dir: string;
let viewer: Browser;
let alice: Browser;
let bob: Browser;
const paymentIds: string[] = [];

async function items(browser: Browser, input: Record<string, unknown> = {}) {
  return (await browser.api()).reconciliation.items({
    statuses: ["OPEN"],
    categories: [],
    psp: null,
    olderThanDays: null,
    currency: null,
    amountMin: null,
    amountMax: null,
    after: null,
    ...input,
  });
}

async function balanceOf(code: string): Promise<bigint> {
  const [row] = await c.t.app.sql.query<{ balance: string }>(
    `SELECT COALESCE(SUM(CASE l.direction WHEN 'DEBIT' THEN l.amount_minor ELSE -l.amount_minor END), 0)::text AS balance
       FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id WHERE a.code = $1`,
    [code],
  );
  return BigInt(row?.balance ?? "0");
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 16 });
  c = await createTestConsole({
    runtime: { pspSandboxUrl: sandbox.url },
    settings: { reconFourEyesAboveMinor: 10_000n },
  });
  const merchant = await seedMerchant(c.t.app, "Recon Books");
  await c.t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["USD"] },
    pspNames: ["stripe"],
  });
  for (const amountMinor of [50_000n, 2_000n]) {
    const payment = await seedPayment(c.t.app, merchant, { amountMinor, currency: "USD" });
    expect(payment.status).toBe("CAPTURED");
    paymentIds.push(payment.id);
  }
  // The PSP paid 200.00 short on the first (above the four-eyes amount), 0.50 short on the second, and settled
  // a payment we never made.
  const day = new Date().toISOString().slice(0, 10);
  const csv = withSettlementDifferences("stripe", sandbox.settlementCsv("stripe", day), [
    { kind: "amount", line: 0, deltaMinor: -20_000n },
    { kind: "amount", line: 1, deltaMinor: -50n },
    { kind: "add", reference: "pi_unknownrecon01", amountMinor: 1_234n, currency: "USD" },
  ]);
  dir = await mkdtemp(join(tmpdir(), "console-recon-"));
  const path = join(dir, "stripe-day.csv");
  await writeFile(path, csv);
  const { import: applied } = await createReconciliationCommands(c.t.app.sql).importReport(
    { operatorId: null, name: "cli:console-test" },
    {
      psp: "stripe",
      fileName: "stripe-day.csv",
      fileSha256: await sha256OfFile(path),
      rows: reportRowsOfFile(path),
    },
  );
  expect(applied.categoryCounts).toEqual({ AMOUNT_MISMATCH: 2, MISSING_INTERNAL: 1 });
  viewer = await c.signedIn("VIEWER");
  alice = await c.signedIn("OPERATOR");
  bob = await c.signedIn("OPERATOR");
}, 120_000);

afterEach(async () => {
  await c.t.expectLedgerBalanced();
});

afterAll(async () => {
  await c?.close();
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("reading", () => {
  it("lists the run with its counts, totals and what is left open", async () => {
    const { runs } = await (await viewer.api()).reconciliation.runs({ before: null });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      psp: "stripe",
      fileName: "stripe-day.csv",
      status: "APPLIED",
      lineCount: 3,
      categoryCounts: { AMOUNT_MISMATCH: 2, MISSING_INTERNAL: 1 },
    });
    // Left open: the two differences (200.00 + 0.50) and the unknown line's 12.34.
    expect(runs[0]?.openLeft).toEqual([{ currency: "USD", open: 3, atStakeMinor: "21284" }]);
  });

  it("filters the queue by category, PSP, age and amount, oldest first, with counts per category", async () => {
    const all = await items(viewer);
    expect(all.items).toHaveLength(3);
    expect(all.counts).toEqual({ AMOUNT_MISMATCH: 2, MISSING_INTERNAL: 1 });
    const created = all.items.map((item) => item.createdAt);
    expect([...created].sort()).toEqual(created);
    const mismatches = await items(viewer, { categories: ["AMOUNT_MISMATCH"] });
    expect(mismatches.items.map((item) => item.category)).toEqual(["AMOUNT_MISMATCH", "AMOUNT_MISMATCH"]);
    // The counts ignore the category filter (they are the chips to switch to).
    expect(mismatches.counts).toEqual(all.counts);
    expect((await items(viewer, { psp: "adyen" })).items).toEqual([]);
    expect((await items(viewer, { olderThanDays: 1 })).items).toEqual([]);
    const large = await items(viewer, { currency: "USD", amountMin: "100.00" });
    expect(large.items.map((item) => item.paymentId)).toEqual([paymentIds[0]]);
    await expect(items(viewer, { amountMin: "100.00" })).rejects.toMatchObject({
      message: "Choose a currency to filter by amount.",
    });
    await expect(items(viewer, { statuses: ["NOPE"] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(items(viewer, { after: "not-a-cursor" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("shows an item with the PSP's line beside our record, and answers not found for an unknown id", async () => {
    const [first] = (await items(viewer, { currency: "USD", amountMin: "100.00" })).items;
    const item = await (await viewer.api()).reconciliation.item({ id: first?.id as string });
    expect(item).toMatchObject({
      category: "AMOUNT_MISMATCH",
      grossMinor: "30000",
      expectedAmountMinor: "50000",
      differenceMinor: "-20000",
      paymentId: paymentIds[0],
      payment: { status: "CAPTURED", capturedMinor: "50000", pspName: "stripe" },
      merchantName: "Recon Books",
      fourEyesAboveMinor: "10000",
    });
    await expect((await viewer.api()).reconciliation.item({ id: "rci_nothing" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("exports the queue as CSV, every matching item", async () => {
    let text = "";
    for await (const chunk of queueCsv(c.services.recon.reads, {
      statuses: ["OPEN"],
      categories: [],
      psp: null,
      createdBefore: null,
      currency: null,
      amountMinMinor: null,
      amountMaxMinor: null,
    }))
      text += String(chunk);
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id,created_at,status,category,rule,psp,/);
    expect(lines).toHaveLength(4);
    expect(text).toContain("-200.00");
  });
});

describe("acting", () => {
  it("refuses a viewer's action", async () => {
    const [item] = (await items(viewer)).items;
    await expect(
      (await viewer.api()).reconciliation.act({ id: item?.id as string, action: "resolve", reason: "x" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("accepts a small difference at once and a large one only with a second operator's approval", async () => {
    const queue = (await items(alice, { categories: ["AMOUNT_MISMATCH"] })).items;
    const large = queue.find((item) => item.paymentId === paymentIds[0]);
    const small = queue.find((item) => item.paymentId === paymentIds[1]);
    const api = await alice.api();
    expect(
      await api.reconciliation.acceptPspFigure({ id: small?.id as string, reason: "rounding at the PSP" }),
    ).toEqual({ applied: true, approvalRequestId: null });
    const asked = await api.reconciliation.acceptPspFigure({
      id: large?.id as string,
      reason: "the PSP confirmed the short payout",
    });
    expect(asked.applied).toBe(false);
    const requestId = asked.approvalRequestId as string;
    await expect(
      api.reconciliation.decideApproval({ id: requestId, decision: "approve", note: "mine" }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/second operator/) });
    const { pending } = await (await viewer.api()).reconciliation.approvals();
    expect(pending.map((request) => request.id)).toEqual([requestId]);
    expect(await (await bob.api()).reconciliation.item({ id: large?.id as string })).toMatchObject({
      status: "OPEN",
      pendingApproval: { id: requestId },
    });
    expect(
      await (await bob.api()).reconciliation.decideApproval({
        id: requestId,
        decision: "approve",
        note: "checked the PSP statement",
      }),
    ).toMatchObject({ status: "APPROVED" });
    const resolved = await (await viewer.api()).reconciliation.item({ id: large?.id as string });
    expect(resolved).toMatchObject({ status: "RESOLVED", rule: "operator.accepted_psp_figure" });
    expect(resolved.journalEntryId).toMatch(/^je_/);
    expect(resolved.history.map((entry) => entry.action)).toEqual([
      "approval.requested",
      "approval.approved",
    ]);
    // Both differences went to the adjustments account; both receivables are cleared.
    expect(await balanceOf("recon_adjustments")).toBe(20_050n);
    expect(await balanceOf("psp_receivable")).toBe(0n);
  });

  it("links an unknown line to a payment, resolves, reopens and ignores it, each audited", async () => {
    const [unknown] = (await items(alice, { categories: ["MISSING_INTERNAL"] })).items;
    const id = unknown?.id as string;
    const api = await alice.api();
    await expect(
      api.reconciliation.linkPayment({ id, paymentId: "pay_nothing", reason: "same customer" }),
    ).rejects.toMatchObject({ message: "No payment with this id." });
    await api.reconciliation.linkPayment({ id, paymentId: paymentIds[1] as string, reason: "same customer" });
    await expect(
      api.reconciliation.linkPayment({ id, paymentId: paymentIds[0] as string, reason: "again" }),
    ).rejects.toMatchObject({ message: "The item already names a payment." });
    await expect(api.reconciliation.act({ id, action: "resolve", reason: "  " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await api.reconciliation.act({ id, action: "resolve", reason: "a second capture the PSP split out" });
    await expect(api.reconciliation.act({ id, action: "ignore", reason: "x" })).rejects.toMatchObject({
      message: "A resolved item cannot become ignored.",
    });
    await (await bob.api()).reconciliation.act({ id, action: "reopen", reason: "the amounts do not add up" });
    await (await bob.api()).reconciliation.act({ id, action: "ignore", reason: "test traffic" });
    const item = await (await viewer.api()).reconciliation.item({ id });
    expect(item).toMatchObject({
      status: "IGNORED",
      paymentId: paymentIds[1],
      resolutionNote: "test traffic",
    });
    expect(item.history.map((entry) => [entry.action, entry.after?.actor])).toEqual([
      ["recon_item.payment_linked", expect.stringMatching(/^operator/)],
      ["recon_item.resolved", expect.stringMatching(/^operator/)],
      ["recon_item.reopened", expect.stringMatching(/^operator/)],
      ["recon_item.ignored", expect.stringMatching(/^operator/)],
    ]);
    expect((await items(viewer)).items).toEqual([]);
    expect((await (await viewer.api()).reconciliation.openCount()).open).toBe(0);
  });
});
