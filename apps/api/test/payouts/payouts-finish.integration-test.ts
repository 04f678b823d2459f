// Goal: the rest of payouts (issue 18) through the real API, Postgres and the bank rails sandbox over HTTP:
// schedules set through GraphQL (validated, idempotent, audited) and run by the payout-dispatch worker's pass (a
// payout of the available balance above the minimum, nothing below it); bank accounts verified by micro-deposits
// (confirmed, wrong amounts counted, locked after three, refused by the bank; payouts to an unverified account
// refused); reserves (a rolling hold on each release, a fixed reserve, payouts never taking reserved funds, holds
// released by the balance-release worker's pass, balance transactions still summing to the balance); payout and
// bank account events for merchants' webhooks with their object's version; Payout and BankAccount as Nodes.
// The global ledger invariant (with the reserves' own check) runs after each scenario.

import { balanceReleaseJob, payoutDispatchJob } from "@paycore/platform/workers/payouts";
import type { SandboxHandle } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBankRailsTestApp } from "../../src/testing/bank-rails-test-app";
import { newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const WEBHOOK_SECRET = "bank_whsec_finish_0123456789";
const ERRORS = "errors { code message field }";
const OPERATOR = { operatorId: null, name: "test:finance" };
const IBAN = {
  paid: "DE89 3704 0044 0532 0130 00",
  closed: "DE62370400440532013001",
  returned: "DE08370400440532013003",
};
const quietLog = { info: () => undefined };

let sandbox: SandboxHandle;
let t: TestApp;

beforeAll(async () => {
  ({ sandbox, t } = await createBankRailsTestApp({
    sandbox: { seed: 7, hangMs: 3_000 },
    webhookSecret: WEBHOOK_SECRET,
    bankTimeoutMs: 2_000,
  }));
}, 60_000);

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

interface UserErrorView {
  code: string;
  message: string;
  field: string[] | null;
}

async function pay(merchant: TestMerchant, amount: string): Promise<string> {
  const card = await t.tokenize(merchant.publishableKey);
  const result = await t.gql<{ createPayment: { payment: { id: string; status: string } } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } ${ERRORS} } }`,
    { input: { idempotencyKey: newKey(), amount, currency: "EUR", paymentMethodId: card } },
  );
  expect(result.data?.createPayment.payment.status, result.raw).toBe("CAPTURED");
  return result.data?.createPayment.payment.id as string;
}

async function balanceOf(merchant: TestMerchant) {
  const result = await t.gql<{
    balance: Array<{ currency: string; available: string; pending: string; reserved: string }>;
  }>(merchant.secretKey, "{ balance { currency available pending reserved } }");
  const eur = result.data?.balance.find((b) => b.currency === "EUR");
  return eur && { available: eur.available, pending: eur.pending, reserved: eur.reserved };
}

interface AccountView {
  id: string;
  status: string;
  verificationMethod: string;
  microDepositsSentAt: string | null;
  verificationAttemptsRemaining: number;
}
const ACCOUNT_FIELDS = "id status verificationMethod microDepositsSentAt verificationAttemptsRemaining";

async function addAccount(merchant: TestMerchant, iban: string, verificationMethod?: string) {
  const result = await t.gql<{
    addBankAccount: { bankAccount: AccountView | null; errors: UserErrorView[] };
  }>(
    merchant.secretKey,
    `mutation($input: AddBankAccountInput!) { addBankAccount(input: $input) { bankAccount { ${ACCOUNT_FIELDS} } ${ERRORS} } }`,
    {
      input: {
        idempotencyKey: newKey(),
        iban,
        holderName: "Acme GmbH",
        currency: "EUR",
        ...(verificationMethod ? { verificationMethod } : {}),
      },
    },
  );
  expect(result.errors, result.raw).toBeUndefined();
  return result.data?.addBankAccount as { bankAccount: AccountView | null; errors: UserErrorView[] };
}

async function verify(merchant: TestMerchant, bankAccountId: string, amounts: string[], key = newKey()) {
  const result = await t.gql<{
    verifyBankAccount: { bankAccount: AccountView | null; errors: UserErrorView[] };
  }>(
    merchant.secretKey,
    `mutation($input: VerifyBankAccountInput!) { verifyBankAccount(input: $input) { bankAccount { ${ACCOUNT_FIELDS} } ${ERRORS} } }`,
    { input: { idempotencyKey: key, bankAccountId, amounts } },
  );
  expect(result.errors, result.raw).toBeUndefined();
  return result.data?.verifyBankAccount as { bankAccount: AccountView | null; errors: UserErrorView[] };
}

async function createPayout(merchant: TestMerchant, amount: string, bankAccountId?: string) {
  const result = await t.gql<{
    createPayout: { payout: { id: string; status: string; amount: string } | null; errors: UserErrorView[] };
  }>(
    merchant.secretKey,
    `mutation($input: CreatePayoutInput!) { createPayout(input: $input) { payout { id status amount } ${ERRORS} } }`,
    {
      input: {
        idempotencyKey: newKey(),
        amount,
        currency: "EUR",
        ...(bankAccountId ? { bankAccountId } : {}),
      },
    },
  );
  return result.data?.createPayout as {
    payout: { id: string; status: string; amount: string } | null;
    errors: UserErrorView[];
  };
}

interface ScheduleView {
  currency: string;
  interval: string;
  weeklyAnchor: string | null;
  monthlyAnchor: number | null;
  delayDays: number;
  minimum: string;
  nextRunAt: string | null;
}
const SCHEDULE_FIELDS = "currency interval weeklyAnchor monthlyAnchor delayDays minimum nextRunAt";

async function setSchedule(merchant: TestMerchant, input: Record<string, unknown>, key = newKey()) {
  const result = await t.gql<{
    setPayoutSchedule: { schedule: ScheduleView | null; errors: UserErrorView[] };
  }>(
    merchant.secretKey,
    `mutation($input: SetPayoutScheduleInput!) { setPayoutSchedule(input: $input) { schedule { ${SCHEDULE_FIELDS} } ${ERRORS} } }`,
    { input: { idempotencyKey: key, currency: "EUR", ...input } },
  );
  expect(result.errors, result.raw).toBeUndefined();
  return result.data?.setPayoutSchedule as { schedule: ScheduleView | null; errors: UserErrorView[] };
}

/** A merchant with `amount` EUR captured and released (available), and a verified account. */
async function fundedMerchant(amount: string, iban = IBAN.paid) {
  const merchant = await t.createMerchant();
  await pay(merchant, amount);
  await t.app.services.payouts.releaseDue();
  const account = await addAccount(merchant, iban);
  expect(account.bankAccount?.status).toBe("VERIFIED");
  return { merchant, accountId: account.bankAccount?.id as string };
}

function microDepositsOf(bankAccountId: string): [string, string] {
  const sent = sandbox.bank.microDeposits().find((m) => m.reference === bankAccountId);
  if (!sent) throw new Error(`no micro-deposits for ${bankAccountId}`);
  return sent.amountsMinor;
}

/** Two amounts that are not the sent pair (in any order). */
function wrongAmounts(sent: [string, string]): string[] {
  const a = Number(sent[0]);
  return [String(a === 99 ? 98 : a + 1), sent[1]];
}

describe("payout schedules through the API", () => {
  it("validates, stores, replays and audits a schedule; a bad one writes nothing", async () => {
    const merchant = await t.createMerchant();
    const tooLate = await setSchedule(merchant, { interval: "DAILY", delayDays: 31 });
    expect(tooLate.errors).toEqual([
      expect.objectContaining({ code: "INVALID_INPUT", field: ["delayDays"] }),
    ]);
    const misplaced = await setSchedule(merchant, { interval: "DAILY", weeklyAnchor: "FRIDAY" });
    expect(misplaced.errors).toEqual([
      expect.objectContaining({ code: "INVALID_INPUT", field: ["weeklyAnchor"] }),
    ]);
    // A negative minimum is refused by the MinorUnits scalar before anything runs.
    const badMinimum = await t.gql(
      merchant.secretKey,
      "mutation($input: SetPayoutScheduleInput!) { setPayoutSchedule(input: $input) { errors { code } } }",
      { input: { idempotencyKey: newKey(), currency: "EUR", interval: "DAILY", minimum: "-5" } },
    );
    expect(badMinimum.errors?.[0]?.extensions?.code).toBe("AMOUNT_INVALID");
    const noSuchMonthDay = await setSchedule(merchant, { interval: "MONTHLY", monthlyAnchor: 32 });
    expect(noSuchMonthDay.errors).toEqual([
      expect.objectContaining({ code: "INVALID_INPUT", field: ["monthlyAnchor"] }),
    ]);
    const rows = await t.app.sql.query("SELECT 1 FROM payout_schedules WHERE merchant_id = $1", [
      merchant.id,
    ]);
    expect(rows).toEqual([]);

    const key = newKey();
    const input = { interval: "WEEKLY", weeklyAnchor: "FRIDAY", delayDays: 1, minimum: "5000" };
    const set = await setSchedule(merchant, input, key);
    expect(set.errors).toEqual([]);
    expect(set.schedule).toMatchObject({
      currency: "EUR",
      interval: "WEEKLY",
      weeklyAnchor: "FRIDAY",
      monthlyAnchor: null,
      delayDays: 1,
      minimum: "5000",
    });
    // Friday's midnight plus one day: a Saturday, in the future.
    const next = new Date(set.schedule?.nextRunAt as string);
    expect(next.getUTCDay()).toBe(6);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const replay = await setSchedule(merchant, input, key);
    expect(replay.schedule).toEqual(set.schedule);
    const reused = await setSchedule(merchant, { ...input, minimum: "6000" }, key);
    expect(reused.errors[0]?.code).toBe("IDEMPOTENCY_KEY_REUSED");

    const listed = await t.gql<{ payoutSchedules: ScheduleView[] }>(
      merchant.secretKey,
      `{ payoutSchedules { ${SCHEDULE_FIELDS} } }`,
    );
    expect(listed.data?.payoutSchedules).toEqual([set.schedule]);
    const audit = await t.app.sql.query<{ action: string; after: { actor: string; minimum: string } }>(
      "SELECT action, after FROM operator_audit_log WHERE action = 'payouts.schedule' AND target_id = $1",
      [merchant.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.after).toMatchObject({ minimum: "5000", actor: expect.stringMatching(/^key:/) });
  });

  it("the dispatch worker pays out the available balance above the minimum and skips below it", async () => {
    const { merchant } = await fundedMerchant("10000");
    const job = payoutDispatchJob({ commands: t.app.services.payouts, log: quietLog });
    const due = () =>
      t.app.sql.execute(
        "UPDATE payout_schedules SET next_run_at = now() - interval '1 second' WHERE merchant_id = $1",
        [merchant.id],
      );
    const payoutsOf = () =>
      t.app.sql.query<{ amount_minor: string; method: string }>(
        "SELECT amount_minor::text, method FROM payouts WHERE merchant_id = $1",
        [merchant.id],
      );

    // 9680 available, minimum 10000: the run is skipped and moves on to the next day.
    expect((await setSchedule(merchant, { interval: "DAILY", minimum: "10000" })).errors).toEqual([]);
    await due();
    await job.pass();
    expect(await payoutsOf()).toEqual([]);
    const [after] = await t.app.sql.query<{ next: Date }>(
      "SELECT next_run_at AS next FROM payout_schedules WHERE merchant_id = $1",
      [merchant.id],
    );
    expect(after?.next.getTime()).toBeGreaterThan(Date.now());
    await t.expectLedgerBalanced();

    // Minimum 5000: the whole 9680 goes out as a scheduled payout, and is sent to the bank in the same pass.
    expect((await setSchedule(merchant, { interval: "DAILY", minimum: "5000" })).errors).toEqual([]);
    await due();
    await job.pass();
    expect(await payoutsOf()).toEqual([{ amount_minor: "9680", method: "SCHEDULED" }]);
    expect(await balanceOf(merchant)).toMatchObject({ available: "0" });
    await t.expectLedgerBalanced();
    // Nothing left: the next due run skips.
    await due();
    await job.pass();
    expect(await payoutsOf()).toHaveLength(1);
    await t.expectLedgerBalanced();
  });
});

describe("turning a payout schedule off", () => {
  it("interval MANUAL keeps no run time, is audited, and the dispatch worker never pays it out", async () => {
    const { merchant } = await fundedMerchant("10000");
    const job = payoutDispatchJob({ commands: t.app.services.payouts, log: quietLog });
    expect((await setSchedule(merchant, { interval: "DAILY", minimum: "0" })).errors).toEqual([]);
    const off = await setSchedule(merchant, { interval: "MANUAL" });
    expect(off.errors).toEqual([]);
    expect(off.schedule).toMatchObject({ interval: "MANUAL", nextRunAt: null });
    // Even a row forced due is not run: it has no run time (the database keeps MANUAL and NULL together).
    await expect(
      t.app.sql.execute(
        "UPDATE payout_schedules SET next_run_at = now() - interval '1 second' WHERE merchant_id = $1",
        [merchant.id],
      ),
    ).rejects.toThrow(/payout_schedules_manual_never_runs/);
    await job.pass();
    const payouts = await t.app.sql.query("SELECT 1 FROM payouts WHERE merchant_id = $1", [merchant.id]);
    expect(payouts).toEqual([]);
    expect(await balanceOf(merchant)).toMatchObject({ available: "9680" });
    const audit = await t.app.sql.query<{ after: { interval: string } }>(
      "SELECT after FROM operator_audit_log WHERE action = 'payouts.schedule' AND target_id = $1 ORDER BY id",
      [merchant.id],
    );
    expect(audit.map((row) => row.after.interval)).toEqual(["DAILY", "MANUAL"]);
    // Turned on again: it runs.
    expect((await setSchedule(merchant, { interval: "DAILY" })).errors).toEqual([]);
    await t.app.sql.execute(
      "UPDATE payout_schedules SET next_run_at = now() - interval '1 second' WHERE merchant_id = $1",
      [merchant.id],
    );
    await job.pass();
    expect(await t.app.sql.query("SELECT 1 FROM payouts WHERE merchant_id = $1", [merchant.id])).toHaveLength(
      1,
    );
    await t.expectLedgerBalanced();
  });
});

describe("bank account verification by micro-deposits", () => {
  it("sends two micro-deposits, refuses payouts until confirmed, counts a wrong attempt once, then verifies", async () => {
    const merchant = await t.createMerchant();
    await pay(merchant, "10000");
    await t.app.services.payouts.releaseDue();
    const added = await addAccount(merchant, IBAN.paid, "MICRO_DEPOSITS");
    expect(added.errors).toEqual([]);
    const account = added.bankAccount as AccountView;
    expect(account).toMatchObject({
      status: "PENDING_VERIFICATION",
      verificationMethod: "MICRO_DEPOSITS",
      verificationAttemptsRemaining: 3,
    });
    expect(account.microDepositsSentAt).not.toBeNull();
    const sent = microDepositsOf(account.id);
    // The platform paid for them: one balanced entry, verification_expense to payout_bank, none of the merchant's
    // balance.
    const [expense] = await t.app.sql.query<{ total: string }>(
      `SELECT SUM(l.amount_minor)::text AS total FROM journal_entries e
         JOIN ledger_lines l ON l.journal_entry_id = e.id JOIN ledger_accounts a ON a.id = l.account_id
        WHERE e.bank_account_id = $1 AND a.code = 'verification_expense' AND l.direction = 'DEBIT'`,
      [account.id],
    );
    expect(BigInt(expense?.total ?? "0")).toBe(BigInt(sent[0]) + BigInt(sent[1]));
    expect(await balanceOf(merchant)).toEqual({ available: "9680", pending: "0", reserved: "0" });
    // The amounts are not stored in clear.
    const [row] = await t.app.sql.query<{ row: string }>(
      "SELECT row_to_json(b)::text AS row FROM bank_accounts b WHERE id = $1",
      [account.id],
    );
    expect(row?.row).not.toContain(`${sent[0]},${sent[1]}`);
    await t.expectLedgerBalanced();

    // Unverified: a payout to it is refused, nothing written.
    const refused = await createPayout(merchant, "1000", account.id);
    expect(refused.errors.map((e) => e.code)).toEqual(["BANK_ACCOUNT_NOT_VERIFIED"]);
    expect(await t.app.sql.query("SELECT 1 FROM payouts WHERE merchant_id = $1", [merchant.id])).toEqual([]);

    // Bad input: typed, nothing counted.
    const short = await verify(merchant, account.id, ["12"]);
    expect(short.errors.map((e) => e.code)).toEqual(["INVALID_INPUT"]);
    // A wrong pair: counted once, even when the same request is retried with its key.
    const key = newKey();
    const wrong = await verify(merchant, account.id, wrongAmounts(sent), key);
    expect(wrong.errors.map((e) => e.code)).toEqual(["MICRO_DEPOSITS_MISMATCH"]);
    expect(wrong.errors[0]?.message).toContain("2 attempts left");
    const again = await verify(merchant, account.id, wrongAmounts(sent), key);
    expect(again.errors.map((e) => e.code)).toEqual(["MICRO_DEPOSITS_MISMATCH"]);
    const [attempts] = await t.app.sql.query<{ n: number }>(
      "SELECT verification_attempts AS n FROM bank_accounts WHERE id = $1",
      [account.id],
    );
    expect(attempts?.n).toBe(1);

    // The right pair, in the other order.
    const verified = await verify(merchant, account.id, [sent[1], sent[0]]);
    expect(verified.errors).toEqual([]);
    expect(verified.bankAccount).toMatchObject({ status: "VERIFIED", verificationAttemptsRemaining: 0 });
    const done = await verify(merchant, account.id, [sent[0], sent[1]]);
    expect(done.errors.map((e) => e.code)).toEqual(["BANK_ACCOUNT_STATE_INVALID"]);
    const payout = await createPayout(merchant, "1000", account.id);
    expect(payout.errors).toEqual([]);
    await t.expectLedgerBalanced();

    // The audit trail and the merchant's event.
    const events = await t.app.sql.query<{ type: string }>(
      "SELECT type FROM bank_account_events WHERE bank_account_id = $1 ORDER BY id",
      [account.id],
    );
    expect(events.map((e) => e.type)).toEqual([
      "bank_account.created",
      "bank_account.micro_deposits_sent",
      "bank_account.verification_attempt_failed",
      "bank_account.verified",
    ]);
    const webhookEvents = await t.app.sql.query<{
      type: string;
      payload: { data: { object: Record<string, unknown> } };
    }>("SELECT type, payload FROM webhook_events WHERE object_id = $1 ORDER BY created_at", [account.id]);
    expect(webhookEvents.map((e) => e.type)).toEqual(["bank_account.verified"]);
    expect(webhookEvents[0]?.payload.data.object).toMatchObject({
      id: account.id,
      object: "bank_account",
      status: "VERIFIED",
      last4: "3000",
      version: 4,
    });
  });

  it("locks the account after three wrong confirmations, for good", async () => {
    const merchant = await t.createMerchant();
    const account = (await addAccount(merchant, IBAN.paid, "MICRO_DEPOSITS")).bankAccount as AccountView;
    const sent = microDepositsOf(account.id);
    expect((await verify(merchant, account.id, wrongAmounts(sent))).errors[0]?.code).toBe(
      "MICRO_DEPOSITS_MISMATCH",
    );
    const second = await verify(merchant, account.id, wrongAmounts(sent));
    expect(second.errors[0]?.message).toContain("1 attempt left");
    const third = await verify(merchant, account.id, wrongAmounts(sent));
    expect(third.errors.map((e) => e.code)).toEqual(["BANK_ACCOUNT_VERIFICATION_LOCKED"]);
    // Even the right amounts no longer verify it.
    const late = await verify(merchant, account.id, [...sent]);
    expect(late.errors.map((e) => e.code)).toEqual(["BANK_ACCOUNT_VERIFICATION_LOCKED"]);
    const listed = await t.gql<{ bankAccounts: AccountView[] }>(
      merchant.secretKey,
      `{ bankAccounts { ${ACCOUNT_FIELDS} } }`,
    );
    expect(listed.data?.bankAccounts[0]).toMatchObject({ status: "VERIFICATION_FAILED" });
    const webhookEvents = await t.app.sql.query<{ type: string }>(
      "SELECT type FROM webhook_events WHERE object_id = $1",
      [account.id],
    );
    expect(webhookEvents.map((e) => e.type)).toEqual(["bank_account.verification_failed"]);
    // The database refuses to unlock it behind the core's back.
    await expect(
      t.app.sql.execute("UPDATE bank_accounts SET status = 'VERIFIED', version = version + 1 WHERE id = $1", [
        account.id,
      ]),
    ).rejects.toThrow(/illegal bank account transition/);
    await t.expectLedgerBalanced();
  });

  it("asks the bank again with the same key when the deposits' call got no answer, and sends them once", async () => {
    const merchant = await t.createMerchant();
    sandbox.bank.hangNextMicroDeposits(1);
    const account = (await addAccount(merchant, IBAN.paid, "MICRO_DEPOSITS")).bankAccount as AccountView;
    expect(account).toMatchObject({ status: "PENDING_VERIFICATION", microDepositsSentAt: null });
    const sent = microDepositsOf(account.id);
    // Not confirmed as sent: the merchant cannot confirm yet, and nothing is posted.
    expect((await verify(merchant, account.id, [...sent])).errors.map((e) => e.code)).toEqual([
      "BANK_ACCOUNT_STATE_INVALID",
    ]);
    await t.expectLedgerBalanced();
    // A minute later the dispatch worker's pass asks again with the account's id: the bank answers the credits
    // it already sent (the same amounts, once).
    await t.app.sql.execute(
      "UPDATE bank_accounts SET created_at = now() - interval '2 minutes', version = version + 1 WHERE id = $1",
      [account.id],
    );
    await payoutDispatchJob({ commands: t.app.services.payouts, log: quietLog }).pass();
    expect(sandbox.bank.microDeposits().filter((m) => m.reference === account.id)).toHaveLength(1);
    const verified = await verify(merchant, account.id, [...sent]);
    expect(verified.errors).toEqual([]);
    expect(verified.bankAccount?.status).toBe("VERIFIED");
    const [posted] = await t.app.sql.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM journal_entries WHERE bank_account_id = $1",
      [account.id],
    );
    expect(posted?.n).toBe("1");
    await t.expectLedgerBalanced();
  });

  it("fails verification at once when the bank refuses the deposits (account closed)", async () => {
    const merchant = await t.createMerchant();
    const added = await addAccount(merchant, IBAN.closed, "MICRO_DEPOSITS");
    expect(added.bankAccount).toMatchObject({ status: "VERIFICATION_FAILED", microDepositsSentAt: null });
    expect(sandbox.bank.microDeposits().some((m) => m.reference === added.bankAccount?.id)).toBe(false);
    const [posted] = await t.app.sql.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM journal_entries WHERE bank_account_id = $1",
      [added.bankAccount?.id],
    );
    expect(posted?.n).toBe("0");
    await t.expectLedgerBalanced();
  });
});

describe("reserves", () => {
  it("holds a rolling share on release and a fixed amount; payouts never take reserved funds", async () => {
    const merchant = await t.createMerchant();
    const account = await addAccount(merchant, IBAN.paid);
    expect(account.bankAccount?.status).toBe("VERIFIED");
    const commands = t.app.services.payouts;
    // 10% for 7 days.
    await commands.setReserve(OPERATOR, merchant.id as never, "TEST", {
      currency: "EUR",
      rollingBps: 1_000,
      rollingDays: 7,
      fixed: "0",
    });
    await pay(merchant, "10000");
    const release = balanceReleaseJob({ commands, log: quietLog });
    await release.pass();
    expect(await balanceOf(merchant)).toEqual({ available: "8712", pending: "0", reserved: "968" });
    await t.expectLedgerBalanced();

    // The reserved part cannot be paid out.
    const tooMuch = await createPayout(merchant, "9000");
    expect(tooMuch.errors.map((e) => e.code)).toEqual(["PAYOUT_INSUFFICIENT_BALANCE"]);
    expect((await createPayout(merchant, "8712")).errors).toEqual([]);
    expect(await balanceOf(merchant)).toEqual({ available: "0", pending: "0", reserved: "968" });
    await t.expectLedgerBalanced();

    // A fixed reserve of 500 on top: held at once, the available balance goes negative and blocks payouts.
    await commands.setReserve(OPERATOR, merchant.id as never, "TEST", {
      currency: "EUR",
      rollingBps: 1_000,
      rollingDays: 7,
      fixed: "500",
    });
    expect(await balanceOf(merchant)).toEqual({ available: "-500", pending: "0", reserved: "1468" });
    expect((await createPayout(merchant, "1")).errors.map((e) => e.code)).toEqual([
      "PAYOUT_BALANCE_NEGATIVE",
    ]);
    await t.expectLedgerBalanced();

    // The rolling hold's days pass: the balance-release worker's pass gives it back.
    await release.pass();
    expect((await balanceOf(merchant))?.reserved).toBe("1468");
    await t.app.sql.execute(
      "UPDATE reserve_holds SET release_on = now() - interval '1 second' WHERE merchant_id = $1",
      [merchant.id],
    );
    await release.pass();
    expect(await balanceOf(merchant)).toEqual({ available: "468", pending: "0", reserved: "500" });
    await t.expectLedgerBalanced();
    // The fixed reserve lifted: released at once.
    await commands.setReserve(OPERATOR, merchant.id as never, "TEST", {
      currency: "EUR",
      rollingBps: 0,
      rollingDays: 0,
      fixed: "0",
    });
    expect(await balanceOf(merchant)).toEqual({ available: "968", pending: "0", reserved: "0" });
    await t.expectLedgerBalanced();

    // Balance transactions list each reserve move (net 0, amount its change of available) and still sum to the
    // balance.
    const txns = await t.gql<{
      balanceTransactions: { nodes: Array<{ type: string; amount: string; net: string }> };
    }>(merchant.secretKey, "{ balanceTransactions(first: 20) { nodes { type amount net } } }");
    const nodes = txns.data?.balanceTransactions.nodes ?? [];
    expect(nodes.map((n) => [n.type, n.amount, n.net])).toEqual([
      ["RESERVE_RELEASE", "500", "0"],
      ["RESERVE_RELEASE", "968", "0"],
      ["RESERVE_HOLD", "-500", "0"],
      ["PAYOUT", "-8712", "-8712"],
      ["RESERVE_HOLD", "-968", "0"],
      ["CHARGE", "10000", "9680"],
    ]);
    expect(nodes.reduce((sum, n) => sum + BigInt(n.net), 0n)).toBe(968n);
    const reserves = await t.gql<{
      reserves: Array<{ currency: string; rollingBps: number; fixed: string }>;
    }>(merchant.secretKey, "{ reserves { currency rollingBps rollingDays fixed } }");
    expect(reserves.data?.reserves).toEqual([{ currency: "EUR", rollingBps: 0, rollingDays: 0, fixed: "0" }]);
    const audit = await t.app.sql.query<{ action: string }>(
      "SELECT action FROM operator_audit_log WHERE action = 'reserves.set' AND target_id = $1",
      [merchant.id],
    );
    expect(audit).toHaveLength(3);
  });

  it("refuses a bad policy with a typed code and writes nothing", async () => {
    const merchant = await t.createMerchant();
    await expect(
      t.app.services.payouts.setReserve(OPERATOR, merchant.id as never, "TEST", {
        currency: "EUR",
        rollingBps: 6_000,
        rollingDays: 7,
        fixed: "0",
      }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(
      await t.app.sql.query("SELECT 1 FROM reserve_policies WHERE merchant_id = $1", [merchant.id]),
    ).toEqual([]);
  });
});

describe("payout events for merchants' webhooks", () => {
  async function eventsOf(objectId: string) {
    return t.app.sql.query<{
      type: string;
      payload: { data: { object: { status: string; version: number } } };
    }>("SELECT type, payload FROM webhook_events WHERE object_id = $1 ORDER BY created_at, outbox_id", [
      objectId,
    ]);
  }

  it("emits created, in_transit and paid with the payout's snapshot and rising version", async () => {
    const { merchant } = await fundedMerchant("10000");
    const id = (await createPayout(merchant, "5000")).payout?.id as string;
    await t.app.services.payouts.sendDuePayouts();
    await sandbox.bank.deliverNotifications();
    const events = await eventsOf(id);
    expect(events.map((e) => [e.type, e.payload.data.object.status, e.payload.data.object.version])).toEqual([
      ["payout.created", "PENDING", 1],
      ["payout.in_transit", "IN_TRANSIT", 2],
      ["payout.paid", "PAID", 3],
    ]);
    expect(events[0]?.payload.data.object).toMatchObject({
      object: "payout",
      amount: "5000",
      currency: "EUR",
    });
    // The merchant's events feed has them too.
    const feed = await t.gql<{ events: { edges: Array<{ node: { type: string } }> } }>(
      merchant.secretKey,
      "query($id: ID!) { events(first: 10, filter: { objectId: $id }) { edges { node { type } } } }",
      { id },
    );
    expect(feed.data?.events.edges.map((e) => e.node.type).sort()).toEqual([
      "payout.created",
      "payout.in_transit",
      "payout.paid",
    ]);
  });

  it("numbers versions by status change only: a bank call asked again adds none, and a paid notice that overtakes our call's answer makes two events, each showing its own step", async () => {
    const { merchant } = await fundedMerchant("10000");
    const view = (events: Awaited<ReturnType<typeof eventsOf>>) =>
      events.map((e) => [e.type, e.payload.data.object.status, e.payload.data.object.version]);
    const versionAndCalls = async (id: string) =>
      (
        await t.app.sql.query<{ version: number; calls: number }>(
          "SELECT version, bank_call_count AS calls FROM payouts WHERE id = $1",
          [id],
        )
      )[0];

    // Earlier tests' payouts still due are sent first, so the one hang below meets this test's payout.
    await t.app.services.payouts.sendDuePayouts();
    // Our call gets no answer, is asked again (same key), then paid: two bank calls, versions 1, 2, 3.
    const retried = (await createPayout(merchant, "2000")).payout?.id as string;
    sandbox.bank.hangNextPayouts(1);
    expect(await t.app.services.payouts.sendDuePayouts()).toMatchObject({ unknown: 1 });
    expect(await versionAndCalls(retried)).toEqual({ version: 1, calls: 1 });
    expect(await t.app.services.payouts.sendDuePayouts()).toMatchObject({ sent: 1 });
    await sandbox.bank.deliverNotifications();
    expect(view(await eventsOf(retried))).toEqual([
      ["payout.created", "PENDING", 1],
      ["payout.in_transit", "IN_TRANSIT", 2],
      ["payout.paid", "PAID", 3],
    ]);
    expect(await versionAndCalls(retried)).toEqual({ version: 3, calls: 2 });

    // Our call's answer is lost and the bank's paid notice comes first: PENDING -> IN_TRANSIT -> PAID in one
    // transaction, one update, event and snapshot per step (the database refuses PENDING -> PAID in one update).
    const overtaken = (await createPayout(merchant, "1000")).payout?.id as string;
    sandbox.bank.hangNextPayouts(1);
    expect(await t.app.services.payouts.sendDuePayouts()).toMatchObject({ unknown: 1 });
    await sandbox.bank.deliverNotifications();
    const events = await eventsOf(overtaken);
    expect(view(events)).toEqual([
      ["payout.created", "PENDING", 1],
      ["payout.in_transit", "IN_TRANSIT", 2],
      ["payout.paid", "PAID", 3],
    ]);
    expect(await versionAndCalls(overtaken)).toEqual({ version: 3, calls: 1 });
    // Asking the bank again later finds nothing to do: no new version, no new event.
    await t.app.services.payouts.sendDuePayouts();
    expect(await eventsOf(overtaken)).toHaveLength(3);
    expect((await versionAndCalls(overtaken))?.version).toBe(3);
    const balance = await balanceOf(merchant);
    expect(balance?.available).toBe("6680");
    await t.expectLedgerBalanced();
  });

  it("emits canceled, failed and returned", async () => {
    const { merchant } = await fundedMerchant("10000", IBAN.returned);
    const canceled = (await createPayout(merchant, "1000")).payout?.id as string;
    await t.app.services.payouts.cancelPayout(
      { merchantId: merchant.id as never, mode: "TEST", name: "test", source: "SYSTEM" },
      canceled,
    );
    expect((await eventsOf(canceled)).map((e) => e.type)).toEqual(["payout.created", "payout.canceled"]);
    const returned = (await createPayout(merchant, "2000")).payout?.id as string;
    await t.app.services.payouts.sendDuePayouts();
    await sandbox.bank.deliverNotifications();
    await sandbox.bank.deliverNotifications();
    expect((await eventsOf(returned)).map((e) => e.type)).toEqual([
      "payout.created",
      "payout.in_transit",
      "payout.paid",
      "payout.returned",
    ]);
    const closed = await fundedMerchant("10000", IBAN.closed);
    const failed = (await createPayout(closed.merchant, "3000")).payout?.id as string;
    await t.app.services.payouts.sendDuePayouts();
    await sandbox.bank.deliverNotifications();
    const failedEvents = await eventsOf(failed);
    expect(failedEvents.map((e) => e.type)).toEqual(["payout.created", "payout.in_transit", "payout.failed"]);
    expect(failedEvents.at(-1)?.payload.data.object).toMatchObject({
      status: "FAILED",
      failureCode: "account_closed",
    });
    await t.expectLedgerBalanced();
  });
});

describe("Payout and BankAccount as Nodes", () => {
  it("node(id) answers the owner's payout and bank account, and null to anyone else", async () => {
    const { merchant, accountId } = await fundedMerchant("10000");
    const payoutId = (await createPayout(merchant, "1000")).payout?.id as string;
    const other = await t.createMerchant();
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
      ... on Payout { amount payoutStatus: status } ... on BankAccount { last4 accountStatus: status } } }`;
    const own = await t.gql<{ nodes: Array<Record<string, unknown> | null> }>(merchant.secretKey, query, {
      ids: [payoutId, accountId],
    });
    expect(own.data?.nodes).toEqual([
      { __typename: "Payout", id: payoutId, amount: "1000", payoutStatus: "PENDING" },
      { __typename: "BankAccount", id: accountId, last4: "3000", accountStatus: "VERIFIED" },
    ]);
    for (const key of [other.secretKey, merchant.liveSecretKey]) {
      const foreign = await t.gql<{ nodes: unknown[] }>(key, query, { ids: [payoutId, accountId] });
      expect(foreign.errors, foreign.raw).toBeUndefined();
      expect(foreign.data?.nodes).toEqual([null, null]);
    }
  });
});
