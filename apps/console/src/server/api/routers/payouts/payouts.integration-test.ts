// Goal: the console shows a merchant's balance (available, pending, reserved), balance transactions and payouts;
// operators pause and resume its payouts, retry a failed payout and set its payout schedule, admins set its
// reserve, each through the core command with its operator audit row; viewers see the page but cannot act. A fixed
// reserve above the four-eyes threshold waits for a second admin's approval (the workbench's approvals), which sets
// it in the approving transaction with its audit rows.
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedMerchant, seedPayment } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let c: TestConsole;
let viewer: Browser;
let operator: Browser;
let admin: Browser;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, bankRails: { autoDeliverMs: 0 } });
  c = await createTestConsole({
    runtime: {
      bankRails: {
        baseUrl: `${sandbox.url}/bank/v1`,
        apiKey: "bank_test_sandbox",
        webhookSecret: "console_bank_webhook_secret",
        timeoutMs: 2_000,
      },
    },
  });
  viewer = await c.signedIn("VIEWER");
  operator = await c.signedIn("OPERATOR");
  admin = await c.signedIn("ADMIN");
  await c.t.app.sql.execute(
    `INSERT INTO psp_settlement_delays (psp_name, delay_seconds) VALUES ('sandbox', 0)
     ON CONFLICT (psp_name) DO UPDATE SET delay_seconds = 0`,
  );
});
afterAll(async () => {
  await c?.close();
  await sandbox?.stop();
});

describe("balances and payouts in the console", () => {
  it("shows the balance, pauses payouts and retries a failed payout, audited; viewers only read", async () => {
    const app = c.t.app;
    const merchant = await seedMerchant(app, `Payouts ${Math.random().toString(36).slice(2, 8)}`);
    await seedPayment(app, merchant, { amountMinor: 10_000n, currency: "EUR" });
    await app.services.payouts.releaseDue();
    const actor = {
      merchantId: merchant.id as never,
      mode: "TEST" as const,
      name: "test:seed",
      source: "SYSTEM" as const,
    };
    // The sandbox bank refuses this account when paid out to (invalid), so the payout fails at once.
    await app.services.payouts.addBankAccount(actor, {
      iban: "DE35370400440532013002",
      holderName: "Seed GmbH",
      currency: "EUR",
    });
    const created = await app.services.payouts.createPayout(actor, {
      idempotencyKey: `seed-${Math.random().toString(36).slice(2)}`,
      amount: 4_000n,
      currency: "EUR",
    });
    await app.services.payouts.sendDuePayouts();

    const overview = await (await viewer.api()).payouts.overview({ merchantId: merchant.id });
    expect(overview.paused).toBe(false);
    expect(overview.balances).toEqual([
      { currency: "EUR", availableMinor: "9680", pendingMinor: "0", reservedMinor: "0" },
    ]);
    expect(overview.payouts[0]).toMatchObject({
      id: created.value.id,
      status: "FAILED",
      failureCode: "account_invalid",
    });
    expect(overview.transactions.map((t) => t.type)).toEqual(["payout_failure", "payout", "charge"]);

    // Viewers cannot act.
    await expect(
      (await viewer.api()).payouts.setPaused({ merchantId: merchant.id, mode: "TEST", paused: true }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      (await viewer.api()).payouts.retry({
        merchantId: merchant.id,
        mode: "TEST",
        payoutId: created.value.id,
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });

    await (await operator.api()).payouts.setPaused({
      merchantId: merchant.id,
      mode: "TEST",
      paused: true,
      reason: "KYC review",
    });
    expect((await (await viewer.api()).payouts.overview({ merchantId: merchant.id })).paused).toBe(true);
    // Paused: a retry is refused (the core's PAYOUTS_PAUSED), nothing written.
    await expect(
      (await operator.api()).payouts.retry({
        merchantId: merchant.id,
        mode: "TEST",
        payoutId: created.value.id,
      }),
    ).rejects.toThrow(/paused/i);
    await (await operator.api()).payouts.setPaused({ merchantId: merchant.id, mode: "TEST", paused: false });
    const retried = await (await operator.api()).payouts.retry({
      merchantId: merchant.id,
      mode: "TEST",
      payoutId: created.value.id,
    });
    const after = await (await viewer.api()).payouts.overview({ merchantId: merchant.id });
    expect(after.payouts[0]).toMatchObject({ id: retried.payoutId, status: "PENDING", method: "RETRY" });
    expect(after.balances[0]?.availableMinor).toBe("5680");

    const audit = await app.sql.query<{ action: string; target_id: string; operator_id: string | null }>(
      `SELECT action, target_id, operator_id FROM operator_audit_log
        WHERE action IN ('payouts.pause', 'payouts.resume', 'payout.retry') AND target_id IN ($1, $2) ORDER BY id`,
      [merchant.id, created.value.id],
    );
    expect(audit.map((row) => row.action)).toEqual(["payouts.pause", "payouts.resume", "payout.retry"]);
    expect(audit.every((row) => row.operator_id !== null)).toBe(true);
    await c.t.expectLedgerBalanced();
  });

  it("sets a payout schedule (operators) and a reserve (admins only), audited; bad input writes nothing", async () => {
    const app = c.t.app;
    const merchant = await seedMerchant(app, `Schedules ${Math.random().toString(36).slice(2, 8)}`);
    await seedPayment(app, merchant, { amountMinor: 10_000n, currency: "EUR" });
    await app.services.payouts.releaseDue();
    const schedule = {
      merchantId: merchant.id,
      mode: "TEST" as const,
      currency: "eur",
      interval: "MONTHLY" as const,
      weeklyAnchor: null,
      monthlyAnchor: 31,
      delayDays: 2,
      minimumMinor: "2500",
    };
    await expect((await viewer.api()).payouts.setSchedule(schedule)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    // The core's validation, as a sentence; nothing written.
    await expect(
      (await operator.api()).payouts.setSchedule({ ...schedule, currency: "ABC" }),
    ).rejects.toThrow(/ISO 4217/);
    const set = await (await operator.api()).payouts.setSchedule(schedule);
    expect(new Date(set.nextRunAt ?? 0).getTime()).toBeGreaterThan(Date.now());
    const reserve = {
      merchantId: merchant.id,
      mode: "TEST" as const,
      currency: "EUR",
      rollingBps: 500,
      rollingDays: 14,
      fixedMinor: "1000",
    };
    await expect((await operator.api()).payouts.setReserve(reserve)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect((await admin.api()).payouts.setReserve({ ...reserve, rollingDays: 0 })).rejects.toThrow(
      /rolling reserve/i,
    );
    await (await admin.api()).payouts.setReserve(reserve);

    const overview = await (await viewer.api()).payouts.overview({ merchantId: merchant.id });
    expect(overview.schedules).toEqual([
      expect.objectContaining({
        currency: "EUR",
        interval: "MONTHLY",
        monthlyAnchor: 31,
        delayDays: 2,
        minimumMinor: "2500",
      }),
    ]);
    expect(overview.reserves).toEqual([
      { currency: "EUR", rollingBps: 500, rollingDays: 14, fixedMinor: "1000" },
    ]);
    expect(overview.balances).toEqual([
      { currency: "EUR", availableMinor: "8680", pendingMinor: "0", reservedMinor: "1000" },
    ]);
    const audit = await app.sql.query<{ action: string; operator_id: string | null }>(
      `SELECT action, operator_id FROM operator_audit_log
        WHERE action IN ('payouts.schedule', 'reserves.set') AND target_id = $1 ORDER BY id`,
      [merchant.id],
    );
    expect(audit.map((row) => row.action)).toEqual(["payouts.schedule", "reserves.set"]);
    expect(audit.every((row) => row.operator_id !== null)).toBe(true);
    await c.t.expectLedgerBalanced();
  });

  it("a fixed reserve above the threshold waits for a second admin; the approval sets it, audited", async () => {
    const app = c.t.app;
    const merchant = await seedMerchant(app, `Reserve ${Math.random().toString(36).slice(2, 8)}`);
    await seedPayment(app, merchant, { amountMinor: 10_000n, currency: "EUR" });
    await app.services.payouts.releaseDue();
    // The runtime's default threshold: 10,000 EUR; this is 10,000.01 EUR.
    const reserve = {
      merchantId: merchant.id,
      mode: "TEST" as const,
      currency: "EUR",
      rollingBps: 0,
      rollingDays: 0,
      fixedMinor: "1000001",
    };
    const requester = admin;
    await expect((await requester.api()).payouts.setReserve(reserve)).rejects.toThrow(/reason/i);
    const requested = await (await requester.api()).payouts.setReserve({
      ...reserve,
      reason: "Chargeback risk after the audit",
    });
    expect(requested.approvalRequestId).toMatch(/^apr_/);
    const id = requested.approvalRequestId as string;
    // Nothing moved yet.
    expect((await (await viewer.api()).payouts.overview({ merchantId: merchant.id })).reserves).toEqual([]);
    // Not the requester, and not an operator who is no admin.
    await expect((await requester.api()).ledger.approve({ id, note: "looks fine" })).rejects.toThrow(
      /second operator/,
    );
    await expect((await operator.api()).ledger.approve({ id, note: "looks fine" })).rejects.toThrow(
      /second admin/,
    );
    const second = await c.signedIn("ADMIN");
    const approved = await (await second.api()).ledger.approve({ id, note: "Agreed with risk" });
    expect(approved.status).toBe("APPROVED");
    const overview = await (await viewer.api()).payouts.overview({ merchantId: merchant.id });
    expect(overview.reserves).toEqual([
      { currency: "EUR", rollingBps: 0, rollingDays: 0, fixedMinor: "1000001" },
    ]);
    expect(overview.balances).toEqual([
      expect.objectContaining({ currency: "EUR", reservedMinor: "1000001" }),
    ]);
    const audit = await app.sql.query<{ action: string }>(
      `SELECT action FROM operator_audit_log WHERE target_id IN ($1, $2) ORDER BY id`,
      [merchant.id, id],
    );
    expect(audit.map((row) => row.action)).toEqual(
      expect.arrayContaining(["approval.requested", "approval.approved", "reserves.set"]),
    );
    await c.t.expectLedgerBalanced();
  });
});
