// Goal: balances split into pending and available (a capture waits for its PSP's settlement delay, the release
// worker moves it), balance transactions list every movement once and sum to the balance, and payouts reach the
// bank rails sandbox over HTTP with each outcome (paid, failed after acceptance, refused at once, returned after
// paid, timeout then resolved by asking again with the same key), each followed by the global ledger invariant.
// Also: concurrent payouts cannot overdraw, a negative balance blocks payouts, the bank's webhook refuses bad
// signatures and unknown payouts and posts nothing for a repeat, and bank account numbers are stored encrypted.
import { createHmac } from "node:crypto";
import { TEST_FIXTURE_ACTOR } from "@paycore/platform/testing/test-runtime";
import type { SandboxHandle } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBankRailsTestApp } from "../../src/testing/bank-rails-test-app";
import { newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const WEBHOOK_SECRET = "bank_whsec_0123456789abcdef";
const ERRORS = "errors { code message field }";
const IBAN = {
  paid: "DE89 3704 0044 0532 0130 00",
  closed: "DE62370400440532013001",
  invalid: "DE35370400440532013002",
  returned: "DE08370400440532013003",
  unverifiable: "DE78370400440532013004",
};

let sandbox: SandboxHandle;
let t: TestApp;

beforeAll(async () => {
  // The in-process sandbox PSP releases captured funds at once in these tests.
  ({ sandbox, t } = await createBankRailsTestApp({
    sandbox: { seed: 5, hangMs: 3_000 },
    webhookSecret: WEBHOOK_SECRET,
    bankTimeoutMs: 500,
  }));
}, 60_000);

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

async function pay(merchant: TestMerchant, amount: string, currency = "EUR"): Promise<string> {
  const card = await t.tokenize(merchant.publishableKey);
  const result = await t.gql<{ createPayment: { payment: { id: string; status: string } } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } ${ERRORS} } }`,
    { input: { idempotencyKey: newKey(), amount, currency, paymentMethodId: card } },
  );
  expect(result.data?.createPayment.payment.status).toBe("CAPTURED");
  return result.data?.createPayment.payment.id as string;
}

async function refund(merchant: TestMerchant, paymentId: string, amount: string): Promise<void> {
  const result = await t.gql<{ refundPayment: { errors: unknown[] } }>(
    merchant.secretKey,
    `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { ${ERRORS} } }`,
    { input: { idempotencyKey: newKey(), paymentId, amount } },
  );
  expect(result.data?.refundPayment.errors).toEqual([]);
}

interface Balance {
  currency: string;
  available: string;
  pending: string;
  reserved: string;
}

async function balanceOf(merchant: TestMerchant, currency = "EUR"): Promise<Balance | undefined> {
  const result = await t.gql<{ balance: Balance[] }>(
    merchant.secretKey,
    "{ balance { currency available pending reserved } }",
  );
  return result.data?.balance.find((b) => b.currency === currency);
}

async function addAccount(merchant: TestMerchant, input: Record<string, unknown>) {
  const result = await t.gql<{
    addBankAccount: {
      bankAccount: { id: string; status: string; last4: string; bankName: string } | null;
      errors: Array<{ code: string }>;
    };
  }>(
    merchant.secretKey,
    `mutation($input: AddBankAccountInput!) { addBankAccount(input: $input) {
       bankAccount { id status last4 bankName rail } ${ERRORS} } }`,
    { input: { idempotencyKey: newKey(), holderName: "Acme GmbH", currency: "EUR", ...input } },
  );
  return result.data?.addBankAccount;
}

interface PayoutView {
  id: string;
  status: string;
  amount: string;
  failureCode: string | null;
}

async function createPayout(merchant: TestMerchant, amount: string, extra: Record<string, unknown> = {}) {
  const result = await t.gql<{
    createPayout: { payout: PayoutView | null; errors: Array<{ code: string }> };
  }>(
    merchant.secretKey,
    `mutation($input: CreatePayoutInput!) { createPayout(input: $input) {
       payout { id status amount failureCode } ${ERRORS} } }`,
    { input: { idempotencyKey: newKey(), amount, currency: "EUR", ...extra } },
  );
  return result.data?.createPayout as { payout: PayoutView | null; errors: Array<{ code: string }> };
}

async function payoutOf(merchant: TestMerchant, id: string): Promise<PayoutView> {
  const result = await t.gql<{ payout: PayoutView }>(
    merchant.secretKey,
    "query($id: ID!) { payout(id: $id) { id status amount failureCode } }",
    { id },
  );
  return result.data?.payout as PayoutView;
}

/** A merchant with `amount` EUR captured and released (available), and a verified account for `iban`. */
async function fundedMerchant(amount: string, iban = IBAN.paid) {
  const merchant = await t.createMerchant();
  const paymentId = await pay(merchant, amount);
  await t.app.services.payouts.releaseDue();
  const account = await addAccount(merchant, { iban });
  expect(account?.bankAccount?.status).toBe("VERIFIED");
  return { merchant, paymentId, accountId: account?.bankAccount?.id as string };
}

async function signedPost(body: string, secret = WEBHOOK_SECRET): Promise<Response> {
  const timestamp = Math.floor(Date.now() / 1000);
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return fetch(`${t.url}/webhooks/bank`, {
    method: "POST",
    headers: { "content-type": "application/json", "bank-signature": `t=${timestamp},v1=${mac}` },
    body,
  });
}

describe("balances", () => {
  it("keeps a capture pending until its release, and balance transactions sum to the balance", async () => {
    const merchant = await t.createMerchant();
    await t.app.sql.execute(
      `UPDATE psp_settlement_delays SET delay_seconds = 86400 WHERE psp_name = 'sandbox'`,
    );
    const paymentId = await pay(merchant, "10000");
    expect(await balanceOf(merchant)).toEqual({
      currency: "EUR",
      available: "0",
      pending: "9680",
      reserved: "0",
    });
    // Not due yet: nothing moves.
    await t.app.services.payouts.releaseDue();
    expect((await balanceOf(merchant))?.pending).toBe("9680");
    await t.app.sql.execute(`UPDATE psp_settlement_delays SET delay_seconds = 0 WHERE psp_name = 'sandbox'`);
    await t.app.sql.execute(`UPDATE pending_releases SET available_on = now() WHERE merchant_id = $1`, [
      merchant.id,
    ]);
    await refund(merchant, paymentId, "2500");
    expect(await balanceOf(merchant)).toMatchObject({ available: "-2500", pending: "9680" });
    expect(await t.app.services.payouts.releaseDue()).toBeGreaterThanOrEqual(1);
    // Released once: a second pass finds nothing of this merchant's.
    await t.app.services.payouts.releaseDue();
    expect(await balanceOf(merchant)).toMatchObject({ available: "7180", pending: "0" });
    await t.expectLedgerBalanced();

    const txns = await t.gql<{
      balanceTransactions: {
        nodes: Array<{
          type: string;
          amount: string;
          fee: string;
          net: string;
          source: string;
          availableOn: string;
        }>;
        pageInfo: { hasNextPage: boolean };
      };
    }>(
      merchant.secretKey,
      "{ balanceTransactions(first: 10) { nodes { type amount fee net source availableOn } pageInfo { hasNextPage } } }",
    );
    const nodes = txns.data?.balanceTransactions.nodes ?? [];
    expect(nodes.map((n) => [n.type, n.amount, n.fee, n.net])).toEqual([
      ["REFUND", "-2500", "0", "-2500"],
      ["CHARGE", "10000", "320", "9680"],
    ]);
    expect(nodes[1]?.source).toBe(paymentId);
    const sum = nodes.reduce((total, n) => total + BigInt(n.net), 0n);
    expect(sum).toBe(7180n);
    // Paging: one per page, forward then backward, bounded.
    const first = await t.gql<{
      balanceTransactions: { edges: Array<{ cursor: string; node: { type: string } }> };
    }>(merchant.secretKey, "{ balanceTransactions(first: 1) { edges { cursor node { type } } } }");
    const cursor = first.data?.balanceTransactions.edges[0]?.cursor;
    const next = await t.gql<{ balanceTransactions: { nodes: Array<{ type: string }> } }>(
      merchant.secretKey,
      "query($after: String) { balanceTransactions(first: 1, after: $after) { nodes { type } } }",
      { after: cursor },
    );
    expect(next.data?.balanceTransactions.nodes.map((n) => n.type)).toEqual(["CHARGE"]);
    const tooMany = await t.gql(merchant.secretKey, "{ balanceTransactions(first: 101) { nodes { type } } }");
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("INVALID_INPUT");
    const refunds = await t.gql<{ balanceTransactions: { nodes: Array<{ type: string }> } }>(
      merchant.secretKey,
      "{ balanceTransactions(first: 10, filter: { type: REFUND }) { nodes { type } } }",
    );
    expect(refunds.data?.balanceTransactions.nodes).toEqual([{ type: "REFUND" }]);
  });
});

describe("bank accounts", () => {
  it("refuses invalid numbers with a typed code and stores the number encrypted", async () => {
    const merchant = await t.createMerchant();
    expect((await addAccount(merchant, { iban: "DE89370400440532013001" }))?.errors).toEqual([
      expect.objectContaining({ code: "BANK_ACCOUNT_INVALID" }),
    ]);
    expect(
      (
        await addAccount(merchant, {
          routingNumber: "021000022",
          accountNumber: "000123456789",
          currency: "USD",
        })
      )?.errors,
    ).toEqual([expect.objectContaining({ code: "BANK_ACCOUNT_INVALID" })]);
    expect(await t.countRows("bank_accounts")).toBeGreaterThanOrEqual(0);
    const ach = await addAccount(merchant, {
      routingNumber: "021000021",
      accountNumber: "000123456789",
      currency: "USD",
    });
    expect(ach?.bankAccount).toMatchObject({ status: "VERIFIED", last4: "6789", bankName: "JPMorgan Chase" });
    const failed = await addAccount(merchant, { iban: IBAN.unverifiable });
    expect(failed?.bankAccount?.status).toBe("VERIFICATION_FAILED");
    // Nothing stored in clear: no column of the table holds the number.
    const rows = await t.app.sql.query<{ row: string }>(
      "SELECT row_to_json(b)::text AS row FROM bank_accounts b WHERE merchant_id = $1",
      [merchant.id],
    );
    for (const { row } of rows) {
      expect(row).not.toContain("000123456789");
      expect(row).not.toContain("0532013004");
    }
  });
});

describe("payouts through the bank rails sandbox", () => {
  it("pays: PENDING -> IN_TRANSIT -> PAID, and a repeated notification posts nothing", async () => {
    const { merchant } = await fundedMerchant("10000");
    const created = await createPayout(merchant, "5000");
    expect(created.errors).toEqual([]);
    const id = created.payout?.id as string;
    expect(created.payout?.status).toBe("PENDING");
    expect((await balanceOf(merchant))?.available).toBe("4680");
    await t.expectLedgerBalanced();
    expect(await t.app.services.payouts.sendDuePayouts()).toMatchObject({ sent: 1 });
    expect((await payoutOf(merchant, id)).status).toBe("IN_TRANSIT");
    await sandbox.bank.deliverNotifications();
    expect((await payoutOf(merchant, id)).status).toBe("PAID");
    await t.expectLedgerBalanced();
    const entries = await t.countRows("journal_entries");
    const event = sandbox.bank.notifications().find((n) => n.payoutId === id);
    expect(await sandbox.bank.redeliver(event?.eventId as string)).toBe(200);
    expect(await t.countRows("journal_entries")).toBe(entries);
    await t.expectLedgerBalanced();
    // The payout's events, in order, each with its outbox message.
    const events = await t.app.sql.query<{ type: string }>(
      "SELECT type FROM payout_events WHERE payout_id = $1 ORDER BY id",
      [id],
    );
    expect(events.map((e) => e.type)).toEqual(["payout.created", "payout.in_transit", "payout.paid"]);
    const topics = await t.app.sql.query<{ topic: string }>(
      "SELECT topic FROM outbox_messages WHERE aggregate_id = $1 ORDER BY id",
      [id],
    );
    expect(topics.map((m) => m.topic)).toEqual(["payout.created", "payout.in_transit", "payout.paid"]);
  });

  it("fails after acceptance (account closed) and gives the amount back exactly", async () => {
    const { merchant } = await fundedMerchant("10000", IBAN.closed);
    const id = (await createPayout(merchant, "9680")).payout?.id as string;
    expect((await balanceOf(merchant))?.available).toBe("0");
    await t.app.services.payouts.sendDuePayouts();
    await sandbox.bank.deliverNotifications();
    expect(await payoutOf(merchant, id)).toMatchObject({ status: "FAILED", failureCode: "account_closed" });
    expect((await balanceOf(merchant))?.available).toBe("9680");
    await t.expectLedgerBalanced();
  });

  it("fails at once when the bank refuses the account", async () => {
    const { merchant } = await fundedMerchant("10000", IBAN.invalid);
    const id = (await createPayout(merchant, "1000")).payout?.id as string;
    expect(await t.app.services.payouts.sendDuePayouts()).toMatchObject({ failed: 1 });
    expect(await payoutOf(merchant, id)).toMatchObject({ status: "FAILED", failureCode: "account_invalid" });
    expect((await balanceOf(merchant))?.available).toBe("9680");
    await t.expectLedgerBalanced();
  });

  it("is returned after it was paid, and the balance gets it back", async () => {
    const { merchant } = await fundedMerchant("10000", IBAN.returned);
    const id = (await createPayout(merchant, "3000")).payout?.id as string;
    await t.app.services.payouts.sendDuePayouts();
    await sandbox.bank.deliverNotifications();
    expect((await payoutOf(merchant, id)).status).toBe("PAID");
    expect((await balanceOf(merchant))?.available).toBe("6680");
    await t.expectLedgerBalanced();
    await sandbox.bank.deliverNotifications();
    expect(await payoutOf(merchant, id)).toMatchObject({ status: "RETURNED", failureCode: "account_frozen" });
    expect((await balanceOf(merchant))?.available).toBe("9680");
    await t.expectLedgerBalanced();
  });

  it("asks again with the same key after a timeout, and the bank pays once", async () => {
    const { merchant } = await fundedMerchant("10000");
    const id = (await createPayout(merchant, "2000")).payout?.id as string;
    sandbox.bank.hangNextPayouts(1);
    expect(await t.app.services.payouts.sendDuePayouts()).toMatchObject({ unknown: 1 });
    expect((await payoutOf(merchant, id)).status).toBe("PENDING");
    await t.expectLedgerBalanced();
    // Asked again (same Idempotency-Key): the bank answers the transfer it already made.
    expect(await t.app.services.payouts.sendDuePayouts()).toMatchObject({ sent: 1 });
    expect((await payoutOf(merchant, id)).status).toBe("IN_TRANSIT");
    expect(sandbox.bank.transfers().filter((transfer) => transfer.payoutId === id)).toHaveLength(1);
    await sandbox.bank.deliverNotifications();
    expect((await payoutOf(merchant, id)).status).toBe("PAID");
    await t.expectLedgerBalanced();
  });

  it("cannot be overdrawn by concurrent payouts", async () => {
    const { merchant } = await fundedMerchant("10000");
    const results = await Promise.all(Array.from({ length: 5 }, () => createPayout(merchant, "6000")));
    const created = results.filter((r) => r.payout !== null);
    expect(created).toHaveLength(1);
    expect(results.filter((r) => r.errors[0]?.code === "PAYOUT_INSUFFICIENT_BALANCE")).toHaveLength(4);
    expect((await balanceOf(merchant))?.available).toBe("3680");
    await t.expectLedgerBalanced();
  });

  it("refuses bad input and states with typed codes, writing nothing", async () => {
    const { merchant, paymentId } = await fundedMerchant("10000");
    const before = await t.countRows("payouts");
    expect((await createPayout(merchant, "9681")).errors[0]?.code).toBe("PAYOUT_INSUFFICIENT_BALANCE");
    expect((await createPayout(merchant, "100", { currency: "USD" })).errors[0]?.code).toBe(
      "BANK_ACCOUNT_NOT_VERIFIED",
    );
    expect((await createPayout(merchant, "0")).errors[0]?.code).toBe("AMOUNT_INVALID");
    expect((await createPayout(merchant, "100", { bankAccountId: "ba_nothere" })).errors[0]?.code).toBe(
      "BANK_ACCOUNT_NOT_FOUND",
    );
    // A refund larger than the available balance makes it negative: payouts wait.
    await t.app.sql.execute(
      `UPDATE psp_settlement_delays SET delay_seconds = 86400 WHERE psp_name = 'sandbox'`,
    );
    const other = await pay(merchant, "20000");
    await t.app.sql.execute(`UPDATE psp_settlement_delays SET delay_seconds = 0 WHERE psp_name = 'sandbox'`);
    await refund(merchant, other, "15000");
    expect((await balanceOf(merchant))?.available).toBe("-5320");
    expect((await createPayout(merchant, "1")).errors[0]?.code).toBe("PAYOUT_BALANCE_NEGATIVE");
    expect(await t.countRows("payouts")).toBe(before);
    expect(paymentId).toBeTruthy();
    await t.expectLedgerBalanced();
  });

  it("cancels a payout not yet sent, and refuses to cancel one at the bank", async () => {
    const { merchant } = await fundedMerchant("10000");
    const cancel = (payoutId: string) =>
      t.gql<{ cancelPayout: { payout: PayoutView | null; errors: Array<{ code: string }> } }>(
        merchant.secretKey,
        `mutation($input: CancelPayoutInput!) { cancelPayout(input: $input) { payout { id status amount failureCode } ${ERRORS} } }`,
        { input: { idempotencyKey: newKey(), payoutId } },
      );
    const first = (await createPayout(merchant, "4000")).payout?.id as string;
    expect((await cancel(first)).data?.cancelPayout.payout?.status).toBe("CANCELED");
    expect((await balanceOf(merchant))?.available).toBe("9680");
    await t.expectLedgerBalanced();
    const second = (await createPayout(merchant, "4000")).payout?.id as string;
    await t.app.services.payouts.sendDuePayouts();
    expect((await cancel(second)).data?.cancelPayout.errors[0]?.code).toBe("PAYOUT_STATE_INVALID");
    expect((await cancel("po_01JZZZZZZZZZZZZZZZZZZZZZZZ")).data?.cancelPayout.errors[0]?.code).toBe(
      "PAYOUT_NOT_FOUND",
    );
    await sandbox.bank.deliverNotifications();
    await t.expectLedgerBalanced();
  });

  it("replays a createPayout retried with its key", async () => {
    const { merchant } = await fundedMerchant("10000");
    const key = newKey();
    const run = () =>
      t.gql<{ createPayout: { payout: PayoutView } }>(
        merchant.secretKey,
        `mutation($input: CreatePayoutInput!) { createPayout(input: $input) { payout { id status amount failureCode } } }`,
        { input: { idempotencyKey: key, amount: "1000", currency: "EUR" } },
      );
    const first = await run();
    const second = await run();
    expect(second.data?.createPayout.payout.id).toBe(first.data?.createPayout.payout.id);
    expect((await balanceOf(merchant))?.available).toBe("8680");
  });

  it("pauses, runs a schedule that settles its balance transactions, and retries a failed payout, audited", async () => {
    const { merchant } = await fundedMerchant("10000", IBAN.closed);
    const payouts = t.app.services.payouts;
    await payouts.setPaused(TEST_FIXTURE_ACTOR, merchant.id as never, "TEST", true, "KYC review");
    expect((await createPayout(merchant, "100")).errors[0]?.code).toBe("PAYOUTS_PAUSED");
    await payouts.setPaused(TEST_FIXTURE_ACTOR, merchant.id as never, "TEST", false, null);
    const audits = await t.app.sql.query<{ action: string }>(
      "SELECT action FROM operator_audit_log WHERE target_id = $1 ORDER BY id",
      [merchant.id],
    );
    expect(audits.map((a) => a.action)).toEqual(expect.arrayContaining(["payouts.pause", "payouts.resume"]));

    await payouts.setSchedule(
      { merchantId: merchant.id as never, mode: "TEST", name: "test", source: "OPERATOR" },
      { currency: "EUR", interval: "DAILY", delayDays: 0, minimum: 100n },
      TEST_FIXTURE_ACTOR,
    );
    await t.app.sql.execute(
      `UPDATE payout_schedules SET next_run_at = now() - interval '1 minute' WHERE merchant_id = $1`,
      [merchant.id],
    );
    expect(await payouts.runDueSchedules()).toMatchObject({ created: 1 });
    const [scheduled] = await t.app.sql.query<{ id: string; amount_minor: bigint }>(
      "SELECT id, amount_minor FROM payouts WHERE merchant_id = $1 AND method = 'SCHEDULED'",
      [merchant.id],
    );
    expect(scheduled?.amount_minor).toBe(9680n);
    const settled = await t.gql<{ balanceTransactions: { nodes: Array<{ type: string; net: string }> } }>(
      merchant.secretKey,
      "query($id: ID!) { balanceTransactions(first: 100, filter: { payoutId: $id }) { nodes { type net } } }",
      { id: scheduled?.id },
    );
    const nodes = settled.data?.balanceTransactions.nodes ?? [];
    expect(nodes.map((n) => n.type)).toEqual(["CHARGE"]);
    expect(nodes.reduce((sum, n) => sum + BigInt(n.net), 0n)).toBe(9680n);

    await payouts.sendDuePayouts();
    await sandbox.bank.deliverNotifications();
    expect((await payoutOf(merchant, scheduled?.id as string)).status).toBe("FAILED");
    const retry = await payouts.retryFailedPayout(
      TEST_FIXTURE_ACTOR,
      merchant.id as never,
      "TEST",
      scheduled?.id as string,
    );
    expect(retry).toMatchObject({
      method: "RETRY",
      retryOf: scheduled?.id,
      status: "PENDING",
      amountMinor: 9680n,
    });
    await expect(
      payouts.retryFailedPayout(TEST_FIXTURE_ACTOR, merchant.id as never, "TEST", scheduled?.id as string),
    ).rejects.toThrow();
    const retried = await t.app.sql.query<{ action: string }>(
      "SELECT action FROM operator_audit_log WHERE target_id = $1",
      [scheduled?.id],
    );
    expect(retried.map((a) => a.action)).toEqual(["payout.retry"]);
    await t.expectLedgerBalanced();
  });
});

describe("the bank's webhook", () => {
  it("refuses a bad signature and an unknown payout, and writes nothing", async () => {
    const entries = await t.countRows("journal_entries");
    const body = JSON.stringify({
      id: "bevt_0a1b2c",
      type: "payout.paid",
      data: { payout_id: "po_01JZZZZZZZZZZZZZZZZZZZZZZZ" },
    });
    expect((await signedPost(body, "wrong_secret_0123456789")).status).toBe(401);
    const unsigned = await fetch(`${t.url}/webhooks/bank`, { method: "POST", body });
    expect(unsigned.status).toBe(401);
    expect((await signedPost(body)).status).toBe(404);
    expect((await signedPost("{not json")).status).toBe(400);
    expect(await t.countRows("journal_entries")).toBe(entries);
    expect(await t.countRows("bank_notifications")).toBeGreaterThanOrEqual(0);
  });
});
