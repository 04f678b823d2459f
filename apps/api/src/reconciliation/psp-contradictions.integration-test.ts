// Goal: every PSP message that contradicts what we recorded for an attempt becomes exactly one operator item (an
// open STATUS_MISMATCH reconciliation item naming the payment and the attempt, with its audit row), never a silent
// flip and never a second queue: no dead letter, no second item when the PSP says it again, the payment as it
// was, the ledger balanced. Cases: a message contradicting an operator's resolution of an escalated authorization
// (either way) or capture (rule shadow.contradicts_operator_resolution, the operator's outcome beside the PSP's
// message), a late authorization success for a payment we recorded FAILED (rule shadow.psp_succeeded_we_failed),
// and a refund failure decided while the refund's success is still being written (rule
// shadow.psp_failed_we_succeeded, ordered deterministically by a held payment row). Real Postgres, the sandbox PSP
// server, Adyen-style notifications signed with HMAC through the API's webhook route.
import { randomBytes } from "node:crypto";
import { ReconciliationRepository } from "@paycore/db/repositories/reconciliation.repository";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postSignedAdyenNotification } from "../testing/adyen-notification";
import { holdPaymentRow } from "../testing/row-lock";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../testing/test-app";

const ADYEN_KEY = randomBytes(32).toString("hex").toUpperCase();
const OPERATOR = { operatorId: null, name: "ops@example.com" };
const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } errors { code } } }`;

let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 31 });
  t = await createTestApp({ pspSandboxUrl: sandbox.url, adyenHmacKeyHex: ADYEN_KEY });
  merchant = await t.createMerchant();
  // One PSP only: nothing fails over, so each payment's attempts are the ones a test sets up.
  await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["EUR"] },
    pspNames: ["adyen"],
  });
}, 60_000);
afterEach(async () => {
  await t.expectLedgerBalanced();
});
afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

/** A payment made with one of the sandbox's documented test cards. */
async function pay(card: string) {
  const method = await t.tokenize(merchant.publishableKey, card);
  const result = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
    merchant.secretKey,
    CREATE,
    { input: { idempotencyKey: newKey(), paymentMethodId: method, amount: "4200", currency: "EUR" } },
  );
  const payment = result.data?.createPayment.payment;
  if (!payment) throw new Error(result.raw);
  return payment;
}

async function authorisation(paymentId: string, pspReference: string, success: boolean) {
  await adyenNotification({
    eventCode: "AUTHORISATION",
    pspReference,
    merchantReference: paymentId,
    success: success ? "true" : "false",
    ...(success ? {} : { reason: "Refused" }),
  });
}

/** One Adyen-style notification item, signed with the HMAC key, through the webhook route: answered 200. */
async function adyenNotification(fields: Record<string, string>, valueMinor = 4200) {
  const notification = {
    merchantAccountCode: "PaycoreTest",
    ...fields,
    amount: { currency: "EUR", value: valueMinor },
    eventDate: new Date().toISOString(),
  };
  const response = await postSignedAdyenNotification(t, ADYEN_KEY, notification);
  expect(response.status).toBe(200);
}

async function snapshot(paymentId: string) {
  return t.app.db.payment.findUniqueOrThrow({
    where: { id: paymentId },
    select: { status: true, version: true, amountCapturedMinor: true },
  });
}

async function itemsOf(paymentId: string) {
  return t.app.sql.query<{
    id: string;
    category: string;
    status: string;
    rule: string;
    expected_kind: string;
    expected_id: string;
    raw_type: string | null;
    psp_reference: string | null;
  }>(
    `SELECT id, category, status::text AS status, rule, expected_kind, expected_id, raw_type, psp_reference
       FROM recon_items WHERE payment_id = $1`,
    [paymentId],
  );
}

async function itemAudit(itemId: string) {
  return t.app.sql.query<{ action: string; after: Record<string, unknown> }>(
    "SELECT action, after FROM operator_audit_log WHERE target_type = 'recon_item' AND target_id = $1",
    [itemId],
  );
}

async function deadLetters(paymentId: string, pspReference: string) {
  return t.app.db.deadLetter.count({
    where: { OR: [{ reference: pspReference }, { reference: paymentId }] },
  });
}

/** An authorization whose outcome only the PSP's notification would tell: PENDING, its attempt settleable. */
async function escalatedAuthorization() {
  const payment = await pay("4000009900000046");
  expect(payment.status).toBe("PENDING");
  const attempt = await t.app.db.pspAttempt.findFirstOrThrow({
    where: { paymentId: payment.id, operation: "AUTHORIZE" },
    select: { id: true, status: true },
  });
  return { payment, attemptId: attempt.id };
}

describe("a PSP message contradicting an operator's resolution", () => {
  it("the PSP says it authorized what an operator recorded as failed: one item with both outcomes", async () => {
    const { payment, attemptId } = await escalatedAuthorization();
    const resolved = await t.app.services.commands.resolveEscalatedAttempt(OPERATOR, {
      paymentId: payment.id,
      attemptId,
      outcome: "FAILED",
      note: "Adyen support, ticket 77",
    });
    expect(resolved.payment.status).toBe("FAILED");
    const before = await snapshot(payment.id);
    const lateReference = `LATE${randomBytes(6).toString("hex").toUpperCase()}`;

    await authorisation(payment.id, lateReference, true);
    const items = await itemsOf(payment.id);
    expect(items).toEqual([
      expect.objectContaining({
        category: "STATUS_MISMATCH",
        status: "OPEN",
        rule: "shadow.contradicts_operator_resolution",
        expected_kind: "AUTHORIZE",
        expected_id: attemptId,
        raw_type: "authorization succeeded",
        psp_reference: lateReference,
      }),
    ]);
    const audit = await itemAudit(items[0]?.id as string);
    expect(audit).toHaveLength(1);
    expect(audit[0]?.action).toBe("reconciliation.shadow_contradiction");
    expect(audit[0]?.after).toMatchObject({
      recorded: {
        status: "FAILED",
        byOperator: "ops@example.com",
        operatorOutcome: "FAILED",
        operatorNote: "Adyen support, ticket 77",
      },
      psp: { description: "authorization succeeded", pspReference: lateReference },
    });
    expect(String(audit[0]?.after.reason)).toContain("ops@example.com recorded the authorize as failed");
    // In the console's queue (its reads) and in the overview's needs-attention count of open items.
    const reads = new ReconciliationRepository(t.app.sql);
    const queue = await reads.items(
      {
        statuses: ["OPEN"],
        categories: ["STATUS_MISMATCH"],
        psp: "adyen",
        createdBefore: null,
        currency: null,
        amountMinMinor: null,
        amountMaxMinor: null,
      },
      null,
    );
    expect(queue.map((item) => item.id)).toContain(items[0]?.id);
    expect(await reads.openCount()).toBeGreaterThanOrEqual(1);

    // Redelivered: no second item, no dead letter, the payment as it was.
    await authorisation(payment.id, lateReference, true);
    expect(await itemsOf(payment.id)).toHaveLength(1);
    expect(await deadLetters(payment.id, lateReference)).toBe(0);
    expect(await snapshot(payment.id)).toEqual(before);
  });

  it("the PSP says it refused what an operator recorded as authorized: one item, the payment kept", async () => {
    const { payment, attemptId } = await escalatedAuthorization();
    const reference = `OPS${randomBytes(6).toString("hex").toUpperCase()}`;
    const resolved = await t.app.services.commands.resolveEscalatedAttempt(OPERATOR, {
      paymentId: payment.id,
      attemptId,
      outcome: "SUCCEEDED",
      pspReference: reference,
      note: "Adyen dashboard shows it authorised",
    });
    expect(["AUTHORIZED", "CAPTURED"]).toContain(resolved.payment.status);
    const before = await snapshot(payment.id);

    await authorisation(payment.id, reference, false);
    const items = await itemsOf(payment.id);
    expect(items).toEqual([
      expect.objectContaining({
        rule: "shadow.contradicts_operator_resolution",
        expected_id: attemptId,
        raw_type: "authorization failed (Refused)",
      }),
    ]);
    expect(await deadLetters(payment.id, reference)).toBe(0);
    // The same message again (a new delivery the PSP dedupes by event, observed again): still one item.
    const notification = {
      kind: "authorization",
      pspName: "adyen",
      pspReference: reference,
      reference: payment.id,
      success: false,
      code: "Refused",
    } as const;
    const again = await t.app.services.commands.applyPspNotification(notification);
    expect(again).toMatchObject({ applied: false, reason: "contradicts_confirmed" });
    expect(await t.app.services.shadowReconciliation.observe(notification, again)).toMatchObject({
      openedNow: false,
    });
    expect(await itemsOf(payment.id)).toHaveLength(1);
    expect(await snapshot(payment.id)).toEqual(before);
  });
});

describe("a PSP message contradicting an operator's resolution of a modification", () => {
  it("the PSP says it captured what an operator recorded as a failed capture: one item, the payment authorized", async () => {
    const method = await t.tokenize(merchant.publishableKey, "4242424242424242");
    const created = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
      merchant.secretKey,
      CREATE,
      {
        input: {
          idempotencyKey: newKey(),
          paymentMethodId: method,
          amount: "4200",
          currency: "EUR",
          captureMethod: "MANUAL",
        },
      },
    );
    const payment = created.data?.createPayment.payment;
    expect(payment?.status, created.raw).toBe("AUTHORIZED");
    const paymentId = payment?.id as string;
    // Adyen acknowledges a capture and settles it by notification (none is sent here): the attempt stays open.
    await t.gql(
      merchant.secretKey,
      `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { errors { code } } }`,
      { input: { idempotencyKey: newKey(), paymentId } },
    );
    const attempt = await t.app.db.pspAttempt.findFirstOrThrow({
      where: { paymentId, operation: "CAPTURE" },
      select: { id: true, status: true, pspReference: true },
    });
    expect(attempt.status).toBe("ACKNOWLEDGED");
    const resolved = await t.app.services.commands.resolveEscalatedAttempt(OPERATOR, {
      paymentId,
      attemptId: attempt.id,
      outcome: "FAILED",
      note: "Adyen support says the capture was refused",
    });
    expect(resolved.payment.status).toBe("AUTHORIZED");
    const before = await snapshot(paymentId);
    const row = await t.app.db.payment.findUniqueOrThrow({
      where: { id: paymentId },
      select: { pspReference: true },
    });

    const capture = {
      eventCode: "CAPTURE",
      pspReference: attempt.pspReference ?? `CAP${randomBytes(6).toString("hex").toUpperCase()}`,
      originalReference: row.pspReference as string,
      merchantReference: attempt.id,
      success: "true",
    };
    await adyenNotification(capture);
    const items = await itemsOf(paymentId);
    expect(items).toEqual([
      expect.objectContaining({
        category: "STATUS_MISMATCH",
        status: "OPEN",
        rule: "shadow.contradicts_operator_resolution",
        expected_kind: "CAPTURE",
        expected_id: attempt.id,
        raw_type: "capture succeeded",
      }),
    ]);
    const audit = await itemAudit(items[0]?.id as string);
    expect(audit[0]?.after).toMatchObject({
      recorded: { status: "FAILED", byOperator: "ops@example.com", operatorOutcome: "FAILED" },
    });
    await adyenNotification(capture);
    expect(await itemsOf(paymentId)).toHaveLength(1);
    expect(await deadLetters(paymentId, row.pspReference as string)).toBe(0);
    expect(await snapshot(paymentId)).toEqual(before);
  });
});

describe("a late authorization of a payment we recorded FAILED", () => {
  it("a success after a processing error failed the payment is one item, not 'already applied'", async () => {
    // The documented processing-error card: nothing charged, the payment FAILED (one PSP: no failover).
    const payment = await pay("4000000000000119");
    expect(payment.status).toBe("FAILED");
    const before = await snapshot(payment.id);
    const attempt = await t.app.db.pspAttempt.findFirstOrThrow({
      where: { paymentId: payment.id, operation: "AUTHORIZE" },
      select: { id: true, status: true },
    });
    expect(attempt.status).toBe("FAILED");
    const lateReference = `LATE${randomBytes(6).toString("hex").toUpperCase()}`;

    await authorisation(payment.id, lateReference, true);
    const items = await itemsOf(payment.id);
    expect(items).toEqual([
      expect.objectContaining({
        category: "STATUS_MISMATCH",
        status: "OPEN",
        rule: "shadow.psp_succeeded_we_failed",
        expected_kind: "AUTHORIZE",
        expected_id: attempt.id,
        raw_type: "authorization succeeded",
        psp_reference: lateReference,
      }),
    ]);
    const audit = await itemAudit(items[0]?.id as string);
    expect(audit[0]?.after).toMatchObject({ recorded: { status: "FAILED" } });
    await authorisation(payment.id, lateReference, true);
    expect(await itemsOf(payment.id)).toHaveLength(1);
    expect(await deadLetters(payment.id, lateReference)).toBe(0);
    expect(await snapshot(payment.id)).toEqual(before);
  });
});

describe("a refund failure racing the recording of the refund's success", () => {
  it("the failure applied while the success is being written is one item, never a dead letter", async () => {
    // The PSP confirms a refund, then says it failed (Adyen's REFUND then REFUND_FAILED), the two notices a
    // moment apart. The failure is decided while the success is still being written: it read the refund's attempt
    // open. It must not then be applied on top of the success (the payments guard refuses a refund released twice),
    // nor be dead-lettered for it: decided again on what was committed, it is the contradiction it is.
    const payment = await pay("4242424242424242");
    expect(payment.status).toBe("CAPTURED");
    const refund = await t.gql<{ refundPayment: { refund: { status: string } | null } }>(
      merchant.secretKey,
      `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { status } errors { code } } }`,
      { input: { idempotencyKey: newKey(), paymentId: payment.id, amount: "700" } },
    );
    expect(refund.data?.refundPayment.refund?.status, refund.raw).toBe("PENDING");
    const attempt = await t.app.db.pspAttempt.findFirstOrThrow({
      where: { paymentId: payment.id, operation: "REFUND" },
      select: { id: true, status: true, pspReference: true },
    });
    expect(attempt.status).toBe("ACKNOWLEDGED");
    const { pspReference } = await t.app.db.payment.findUniqueOrThrow({
      where: { id: payment.id },
      select: { pspReference: true },
    });
    const notice = (eventCode: string) => ({
      eventCode,
      pspReference: attempt.pspReference ?? `RF${randomBytes(6).toString("hex").toUpperCase()}`,
      originalReference: pspReference as string,
      merchantReference: attempt.id,
      success: "true",
      ...(eventCode === "REFUND_FAILED" ? { reason: "Refund failed: the card account is closed" } : {}),
    });

    // A second connection holds the payment's row: the success's write waits behind it, then the failure's, in
    // that order; released, the success commits first and the failure's write finds the payment changed.
    const row = await holdPaymentRow(t, payment.id);
    const succeeded = adyenNotification(notice("REFUND"), 700);
    await row.waiters(1);
    const failed = adyenNotification(notice("REFUND_FAILED"), 700);
    await row.waiters(2);
    await row.release();
    await Promise.all([succeeded, failed]);

    expect(await itemsOf(payment.id)).toEqual([
      expect.objectContaining({
        category: "STATUS_MISMATCH",
        status: "OPEN",
        rule: "shadow.psp_failed_we_succeeded",
        expected_kind: "REFUND",
        expected_id: attempt.id,
      }),
    ]);
    // Whatever its reference (an apply that throws is dead-lettered with none), no dead letter holds the notices.
    const letters = await t.app.db.deadLetter.findMany({ select: { payload: true } });
    expect(letters.filter((letter) => JSON.stringify(letter.payload).includes(attempt.id))).toEqual([]);
    expect(
      await t.app.db.payment.findUniqueOrThrow({
        where: { id: payment.id },
        select: { status: true, amountRefundedMinor: true, amountRefundPendingMinor: true },
      }),
    ).toEqual({ status: "PARTIALLY_REFUNDED", amountRefundedMinor: 700n, amountRefundPendingMinor: 0n });
    expect(
      await t.app.db.pspAttempt.findUniqueOrThrow({ where: { id: attempt.id }, select: { status: true } }),
    ).toEqual({ status: "SUCCEEDED" });
  });
});
