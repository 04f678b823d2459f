// Goal: signed dispute notifications from each PSP (Stripe-style events, Adyen-style event codes) open and move
// disputes through the core, in any order and any number of times: the disputed amount and the dispute fee leave
// the merchant's balance once, come back (without the fee) on a win, and the ledger invariant holds after every
// scenario. Event types on neither the handled nor the informational list are dead-lettered.
import { randomBytes } from "node:crypto";
import { hmacValidator } from "@adyen/api-library";
import { ADYEN_INFORMATIONAL_CODES, STRIPE_INFORMATIONAL_TYPES } from "@paycore/platform/psps/event-coverage";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeUsdToStripeEurToAdyen } from "../../testing/sandbox-test-app";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../../testing/test-app";
import { replayDeadLetter } from "../replay";

const STRIPE_SECRET = `whsec_${randomBytes(16).toString("hex")}`;
const ADYEN_KEY = randomBytes(32).toString("hex").toUpperCase();
const stripe = new Stripe("sk_test_signing_only");
/** The default dispute fee: 15 major units (USD 15.00, EUR 15.00). */
const DEFAULT_FEE_MINOR = 1_500n;

let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 17 });
  t = await createTestApp({
    pspSandboxUrl: sandbox.url,
    stripeWebhookSecret: STRIPE_SECRET,
    adyenHmacKeyHex: ADYEN_KEY,
  });
  merchant = await t.createMerchant();
  await routeUsdToStripeEurToAdyen(t, merchant.id);
});
afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

async function capturedPayment(currency: "USD" | "EUR", amount = "10000") {
  const card = await t.tokenize(merchant.publishableKey);
  const result = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } errors { code } } }`,
    { input: { idempotencyKey: newKey(), paymentMethodId: card, amount, currency } },
  );
  const payment = result.data?.createPayment.payment;
  if (payment?.status !== "CAPTURED") throw new Error(`not captured: ${result.raw}`);
  const row = await t.app.db.payment.findUniqueOrThrow({
    where: { id: payment.id },
    select: { pspReference: true, pspName: true },
  });
  if (!row.pspReference) throw new Error("no PSP reference");
  return { id: payment.id, pspReference: row.pspReference, pspName: row.pspName };
}

async function merchantBalance(currency: string): Promise<bigint> {
  const rows = await t.app.db.$queryRaw<Array<{ balance: string }>>`
    SELECT COALESCE(SUM(CASE l.direction WHEN 'CREDIT' THEN l.amount_minor ELSE -l.amount_minor END), 0)::text
           AS balance
      FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
     WHERE a.merchant_id = ${merchant.id} AND a.code = 'merchant_balance' AND a.currency = ${currency}`;
  return BigInt(rows[0]?.balance ?? "0");
}

async function disputeOf(paymentId: string) {
  return t.app.db.dispute.findFirstOrThrow({ where: { paymentId } });
}

async function ledgerKinds(paymentId: string): Promise<string[]> {
  const entries = await t.app.db.journalEntry.findMany({
    where: { paymentId, disputeId: { not: null } },
    orderBy: { createdAt: "asc" },
    select: { kind: true },
  });
  return entries.map((entry) => entry.kind);
}

function post(psp: string, body: string, headers: Record<string, string> = {}) {
  return t.app.http.fetch(`http://localhost/webhooks/${psp}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

let eventCounter = 0;
async function sendStripe(type: string, object: Record<string, unknown>, eventId?: string) {
  const payload = JSON.stringify({
    id: eventId ?? `evt_${randomBytes(8).toString("hex")}_${eventCounter++}`,
    object: "event",
    type,
    created: Math.floor(Date.now() / 1000),
    data: { object },
  });
  const response = await post("stripe", payload, {
    "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET }),
  });
  expect(response.status).toBe(200);
  return response;
}

function stripeDispute(id: string, paymentIntent: string, status: string, amount = 4_000) {
  return {
    id,
    object: "dispute",
    amount,
    currency: "usd",
    status,
    reason: "fraudulent",
    payment_intent: paymentIntent,
    evidence_details: { due_by: Math.floor(Date.parse("2026-12-28T00:00:00Z") / 1000) },
    payment_method_details: { card: { network_reason_code: "10.4" } },
  };
}

async function sendAdyen(item: Record<string, unknown>, additionalData: Record<string, string> = {}) {
  const notification = { merchantAccountCode: "PaycoreTest", success: "true", ...item };
  const hmacSignature = new hmacValidator().calculateHmac(notification as never, ADYEN_KEY);
  const response = await post(
    "adyen",
    JSON.stringify({
      live: "false",
      notificationItems: [
        {
          NotificationRequestItem: { ...notification, additionalData: { ...additionalData, hmacSignature } },
        },
      ],
    }),
  );
  expect(response.status).toBe(200);
  expect(await response.text()).toBe("[accepted]");
}

function adyenChargeback(eventCode: string, paymentReference: string, value = 4_000) {
  return {
    eventCode,
    pspReference: paymentReference,
    originalReference: paymentReference,
    merchantReference: "dispute",
    reason: "Fraud",
    amount: { value, currency: "EUR" },
    eventDate: new Date().toISOString(),
  };
}

describe("Stripe-style dispute events", () => {
  it("created, funds withdrawn, under review, closed won, funds reinstated: one withdrawal, one reinstatement", async () => {
    const payment = await capturedPayment("USD");
    const before = await merchantBalance("USD");
    const id = `du_${randomBytes(6).toString("hex")}`;
    await sendStripe("charge.dispute.created", stripeDispute(id, payment.pspReference, "needs_response"));
    await sendStripe(
      "charge.dispute.funds_withdrawn",
      stripeDispute(id, payment.pspReference, "needs_response"),
    );
    expect(await merchantBalance("USD")).toBe(before - 4_000n - DEFAULT_FEE_MINOR);
    const open = await disputeOf(payment.id);
    expect(open).toMatchObject({
      status: "NEEDS_RESPONSE",
      stage: "chargeback",
      reason: "fraudulent",
      reasonCode: "10.4",
      amountMinor: 4_000n,
      feeMinor: DEFAULT_FEE_MINOR,
      fundsWithdrawn: true,
    });
    expect(open.evidenceDueBy?.toISOString()).toBe("2026-12-28T00:00:00.000Z");
    expect(
      (
        await t.app.db.payment.findUniqueOrThrow({
          where: { id: payment.id },
          select: { amountDisputedMinor: true },
        })
      ).amountDisputedMinor,
    ).toBe(4_000n);
    await t.expectLedgerBalanced();

    await sendStripe("charge.dispute.updated", stripeDispute(id, payment.pspReference, "under_review"));
    await sendStripe("charge.dispute.closed", stripeDispute(id, payment.pspReference, "won"));
    await sendStripe("charge.dispute.funds_reinstated", stripeDispute(id, payment.pspReference, "won"));
    // A late copy of the opening event (another event id) moves nothing back.
    await sendStripe("charge.dispute.created", stripeDispute(id, payment.pspReference, "needs_response"));
    expect(await disputeOf(payment.id)).toMatchObject({ status: "WON", fundsWithdrawn: false });
    expect(await ledgerKinds(payment.id)).toEqual(["dispute.funds_withdrawn", "dispute.funds_reinstated"]);
    // Won: the amount is back, the fee stays earned.
    expect(await merchantBalance("USD")).toBe(before - DEFAULT_FEE_MINOR);
    const outbox = await t.app.db.outboxMessage.findMany({
      where: { aggregateId: open.id },
      orderBy: { id: "asc" },
      select: { topic: true },
    });
    expect(outbox.map((message) => message.topic)).toEqual([
      "dispute.created",
      "dispute.updated",
      "dispute.closed",
    ]);
    const events = await t.app.db.disputeEvent.findMany({
      where: { disputeId: open.id },
      orderBy: { id: "asc" },
    });
    expect(events.map((event) => [event.oldStatus, event.newStatus])).toEqual([
      [null, "NEEDS_RESPONSE"],
      ["NEEDS_RESPONSE", "UNDER_REVIEW"],
      ["UNDER_REVIEW", "WON"],
    ]);
    await t.expectLedgerBalanced();
  });

  it("the same event delivered twice is stored once and withdraws once", async () => {
    const payment = await capturedPayment("USD");
    const id = `du_${randomBytes(6).toString("hex")}`;
    const eventId = `evt_${randomBytes(8).toString("hex")}`;
    await sendStripe(
      "charge.dispute.created",
      stripeDispute(id, payment.pspReference, "needs_response"),
      eventId,
    );
    const again = await sendStripe(
      "charge.dispute.created",
      stripeDispute(id, payment.pspReference, "needs_response"),
      eventId,
    );
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await ledgerKinds(payment.id)).toEqual(["dispute.funds_withdrawn"]);
    await t.expectLedgerBalanced();
  });

  it("out of order: lost arrives before created; the dispute ends lost, withdrawn once", async () => {
    const payment = await capturedPayment("USD");
    const id = `du_${randomBytes(6).toString("hex")}`;
    await sendStripe("charge.dispute.closed", stripeDispute(id, payment.pspReference, "lost"));
    await sendStripe("charge.dispute.created", stripeDispute(id, payment.pspReference, "needs_response"));
    await sendStripe(
      "charge.dispute.funds_withdrawn",
      stripeDispute(id, payment.pspReference, "needs_response"),
    );
    expect(await disputeOf(payment.id)).toMatchObject({ status: "LOST", fundsWithdrawn: true });
    expect(await ledgerKinds(payment.id)).toEqual(["dispute.funds_withdrawn"]);
    await t.expectLedgerBalanced();
  });

  it("an inquiry moves no money, and closes without any", async () => {
    const payment = await capturedPayment("USD");
    const before = await merchantBalance("USD");
    const id = `du_${randomBytes(6).toString("hex")}`;
    await sendStripe(
      "charge.dispute.created",
      stripeDispute(id, payment.pspReference, "warning_needs_response"),
    );
    expect(await disputeOf(payment.id)).toMatchObject({ status: "INQUIRY", stage: "inquiry" });
    await sendStripe("charge.dispute.closed", stripeDispute(id, payment.pspReference, "warning_closed"));
    expect(await disputeOf(payment.id)).toMatchObject({ status: "WON", stage: "inquiry" });
    expect(await ledgerKinds(payment.id)).toEqual([]);
    expect(await merchantBalance("USD")).toBe(before);
    await t.expectLedgerBalanced();
  });

  it("a dispute on a payment we do not know is dead-lettered, not lost", async () => {
    const id = `du_${randomBytes(6).toString("hex")}`;
    await sendStripe("charge.dispute.created", stripeDispute(id, "pi_unknown_dispute", "needs_response"));
    const letter = await t.app.db.deadLetter.findFirstOrThrow({ where: { reference: "pi_unknown_dispute" } });
    expect(letter.reason).toBe("no payment with this PSP reference");
    // Replayed before its cause is fixed: still failing, not marked replayed.
    expect(await replayDeadLetter(t.app.services, letter.id)).toMatchObject({
      applied: 0,
      stillFailing: ["unknown_payment"],
    });
    expect((await t.app.db.deadLetter.findUniqueOrThrow({ where: { id: letter.id } })).replayedAt).toBeNull();
  });

  it("a dispute larger than what was captured is dead-lettered with the reason", async () => {
    const payment = await capturedPayment("USD", "3000");
    const id = `du_${randomBytes(6).toString("hex")}`;
    await sendStripe(
      "charge.dispute.created",
      stripeDispute(id, payment.pspReference, "needs_response", 3_001),
    );
    const letter = await t.app.db.deadLetter.findFirstOrThrow({ where: { reference: payment.pspReference } });
    expect(letter.reason).toMatch(/not within the captured/);
    expect(await t.app.db.dispute.count({ where: { paymentId: payment.id } })).toBe(0);
  });
});

describe("Adyen-style dispute notifications", () => {
  it("runs the whole path: notification, chargeback, reversed, second chargeback, pre-arbitration lost", async () => {
    const payment = await capturedPayment("EUR");
    expect(payment.pspName).toBe("adyen");
    const before = await merchantBalance("EUR");
    await sendAdyen(adyenChargeback("NOTIFICATION_OF_CHARGEBACK", payment.pspReference), {
      chargebackReasonCode: "10.4",
      defensePeriodEndsAt: "2026-12-30T00:00:00Z",
    });
    expect(await disputeOf(payment.id)).toMatchObject({ status: "NEEDS_RESPONSE", stage: "inquiry" });
    expect(await merchantBalance("EUR")).toBe(before);
    await sendAdyen(adyenChargeback("CHARGEBACK", payment.pspReference));
    expect(await merchantBalance("EUR")).toBe(before - 4_000n - DEFAULT_FEE_MINOR);
    await sendAdyen(adyenChargeback("CHARGEBACK_REVERSED", payment.pspReference));
    expect(await disputeOf(payment.id)).toMatchObject({ status: "WON", stage: "chargeback" });
    expect(await merchantBalance("EUR")).toBe(before - DEFAULT_FEE_MINOR);
    await sendAdyen(adyenChargeback("SECOND_CHARGEBACK", payment.pspReference));
    expect(await disputeOf(payment.id)).toMatchObject({ status: "LOST", stage: "second_chargeback" });
    await sendAdyen(adyenChargeback("PREARBITRATION_LOST", payment.pspReference));
    const dispute = await disputeOf(payment.id);
    expect(dispute).toMatchObject({ status: "LOST", stage: "pre_arbitration", reasonCode: "10.4" });
    expect(dispute.evidenceDueBy?.toISOString()).toBe("2026-12-30T00:00:00.000Z");
    expect(await ledgerKinds(payment.id)).toEqual([
      "dispute.funds_withdrawn",
      "dispute.funds_reinstated",
      "dispute.funds_withdrawn",
    ]);
    expect(await merchantBalance("EUR")).toBe(before - 4_000n - DEFAULT_FEE_MINOR);
    await t.expectLedgerBalanced();
  });

  it("a reversal that overtakes its chargeback wins; the late chargeback withdraws nothing", async () => {
    const payment = await capturedPayment("EUR");
    const before = await merchantBalance("EUR");
    await sendAdyen(adyenChargeback("CHARGEBACK_REVERSED", payment.pspReference));
    await sendAdyen(adyenChargeback("CHARGEBACK", payment.pspReference));
    await sendAdyen(adyenChargeback("NOTIFICATION_OF_CHARGEBACK", payment.pspReference));
    expect(await disputeOf(payment.id)).toMatchObject({ status: "WON", fundsWithdrawn: false });
    expect(await ledgerKinds(payment.id)).toEqual([]);
    expect(await merchantBalance("EUR")).toBe(before);
    await t.expectLedgerBalanced();
  });

  it("information supplied puts the dispute under review at its own stage; pre-arbitration won returns the money", async () => {
    const payment = await capturedPayment("EUR");
    await sendAdyen(adyenChargeback("CHARGEBACK", payment.pspReference));
    await sendAdyen(adyenChargeback("INFORMATION_SUPPLIED", payment.pspReference));
    expect(await disputeOf(payment.id)).toMatchObject({ status: "UNDER_REVIEW", stage: "chargeback" });
    await sendAdyen(adyenChargeback("SECOND_CHARGEBACK", payment.pspReference));
    await sendAdyen(adyenChargeback("PREARBITRATION_WON", payment.pspReference));
    expect(await disputeOf(payment.id)).toMatchObject({ status: "WON", stage: "pre_arbitration" });
    expect(await ledgerKinds(payment.id)).toEqual(["dispute.funds_withdrawn", "dispute.funds_reinstated"]);
    await t.expectLedgerBalanced();
  });
});

describe("a dispute about an attempt that failed over", () => {
  it("is recorded on that attempt as an open reconciliation item (the needs-attention queue), once, not dead-lettered", async () => {
    // GBP: the Adyen-style PSP first, then the Stripe-style one. processing_error: nothing charged by our records,
    // retryable, so the payment fails over (and fails at the second PSP as well).
    await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
      merchantId: merchant.id,
      priority: 3,
      match: { currencies: ["GBP"] },
      pspNames: ["adyen", "stripe"],
    });
    const card = await t.tokenize(merchant.publishableKey, "4000000000000119");
    const created = await t.gql<{ createPayment: { payment: { id: string } | null } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }`,
      { input: { idempotencyKey: newKey(), paymentMethodId: card, amount: "2500", currency: "GBP" } },
    );
    const paymentId = created.data?.createPayment.payment?.id;
    if (!paymentId) throw new Error(`not created: ${created.raw}`);
    const adyenAttempt = await t.app.db.pspAttempt.findFirstOrThrow({
      where: { paymentId, pspName: "adyen", operation: "AUTHORIZE" },
      select: { id: true, status: true },
    });
    expect(adyenAttempt.status).toBe("FAILED");
    const openItems = () =>
      t.app.db.reconItem.findMany({
        where: { paymentId, rule: "shadow.dispute_on_failed_over_attempt", status: "OPEN" },
      });
    const before = await t.app.services.workbenchQueries.attentionCounts();

    // Adyen says it charged after all: the chargeback names its own reference and echoes our payment id.
    const chargeback = (eventCode: string) => ({
      eventCode,
      pspReference: "PSPFAILEDOVER01",
      originalReference: "PSPFAILEDOVER01",
      merchantReference: paymentId,
      reason: "Fraud",
      amount: { value: 2_500, currency: "GBP" },
      eventDate: new Date().toISOString(),
    });
    await sendAdyen(chargeback("NOTIFICATION_OF_CHARGEBACK"));
    await sendAdyen(chargeback("CHARGEBACK"));
    const items = await openItems();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      category: "STATUS_MISMATCH",
      psp: "adyen",
      expectedKind: "AUTHORIZE",
      expectedId: adyenAttempt.id,
      expectedAmountMinor: 2_500n,
      merchantId: merchant.id,
    });
    const audit = await t.app.db.operatorAuditLog.findFirstOrThrow({
      where: { action: "reconciliation.shadow_contradiction", targetId: items[0]!.id },
    });
    expect(audit.after).toMatchObject({ attemptId: adyenAttempt.id, paymentId });
    // Not a dead letter, and no dispute on a payment we show failed (an operator decides what happened).
    expect(await t.app.db.deadLetter.count({ where: { reference: "PSPFAILEDOVER01" } })).toBe(0);
    expect(await t.app.db.dispute.count({ where: { paymentId } })).toBe(0);
    expect((await t.app.services.workbenchQueries.attentionCounts()).openDeadLetters).toBe(
      before.openDeadLetters,
    );
    await t.expectLedgerBalanced();
  });
});

describe("a Stripe dispute about an attempt that failed over", () => {
  it("finds the attempt by the PaymentIntent the refusal named: an open reconciliation item on it, not a dead letter", async () => {
    // A merchant of its own (its routing apart from the other tests): GBP to the Stripe-style PSP first, then the
    // Adyen-style one. The sandbox answers this card's charge with processing_error (nothing charged by our
    // records, retryable), so the payment fails over; Stripe's refusal names the PaymentIntent it created.
    const own = await t.createMerchant();
    await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
      merchantId: own.id,
      priority: 1,
      match: { currencies: ["GBP"] },
      pspNames: ["stripe", "adyen"],
    });
    const card = await t.tokenize(own.publishableKey, "4000000000000119");
    const created = await t.gql<{ createPayment: { payment: { id: string } | null } }>(
      own.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }`,
      { input: { idempotencyKey: newKey(), paymentMethodId: card, amount: "2500", currency: "GBP" } },
    );
    const paymentId = created.data?.createPayment.payment?.id;
    if (!paymentId) throw new Error(`not created: ${created.raw}`);
    const stripeAttempt = await t.app.db.pspAttempt.findFirstOrThrow({
      where: { paymentId, pspName: "stripe", operation: "AUTHORIZE" },
      select: { id: true, status: true, pspReference: true, errorCode: true },
    });
    expect(stripeAttempt).toMatchObject({ status: "FAILED", errorCode: "processing_error" });
    expect(stripeAttempt.pspReference).toMatch(/^pi_/);
    const intent = stripeAttempt.pspReference as string;
    const payment = await t.app.db.payment.findUniqueOrThrow({
      where: { id: paymentId },
      select: { pspName: true, pspReference: true },
    });
    expect(payment.pspName).toBe("adyen");
    expect(payment.pspReference).not.toBe(intent);
    const before = await t.app.services.workbenchQueries.attentionCounts();

    // Stripe says it charged after all: the dispute names only that PaymentIntent (no payment id of ours).
    const disputeId = `du_${randomBytes(6).toString("hex")}`;
    const dispute = { ...stripeDispute(disputeId, intent, "needs_response", 2_500), currency: "gbp" };
    await sendStripe("charge.dispute.created", dispute);
    await sendStripe("charge.dispute.funds_withdrawn", dispute);
    await sendStripe("charge.dispute.updated", { ...dispute, status: "under_review" });

    const items = await t.app.db.reconItem.findMany({
      where: { paymentId, rule: "shadow.dispute_on_failed_over_attempt", status: "OPEN" },
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      category: "STATUS_MISMATCH",
      psp: "stripe",
      expectedKind: "AUTHORIZE",
      expectedId: stripeAttempt.id,
      expectedAmountMinor: 2_500n,
      merchantId: own.id,
    });
    const audit = await t.app.db.operatorAuditLog.findFirstOrThrow({
      where: { action: "reconciliation.shadow_contradiction", targetId: items[0]!.id },
    });
    expect(audit.after).toMatchObject({ attemptId: stripeAttempt.id, paymentId });
    // Not a dead letter, and no dispute (nor money moved) on a payment we show failed: an operator decides.
    expect(await t.app.db.deadLetter.count({ where: { reference: intent } })).toBe(0);
    expect(await t.app.db.dispute.count({ where: { paymentId } })).toBe(0);
    expect(await t.app.db.journalEntry.count({ where: { paymentId, disputeId: { not: null } } })).toBe(0);
    expect((await t.app.services.workbenchQueries.attentionCounts()).openDeadLetters).toBe(
      before.openDeadLetters,
    );
    await t.expectLedgerBalanced();
  });

  it("a Stripe dispute naming a PaymentIntent no attempt of ours carries is still a dead letter", async () => {
    const intent = `pi_${randomBytes(8).toString("hex")}`;
    await sendStripe(
      "charge.dispute.created",
      stripeDispute(`du_${randomBytes(6).toString("hex")}`, intent, "needs_response"),
    );
    const letter = await t.app.db.deadLetter.findFirstOrThrow({ where: { reference: intent } });
    expect(letter.reason).toBe("no payment with this PSP reference");
  });
});

describe("every event type is handled, listed as informational or dead-lettered", () => {
  it("Stripe: an informational type is stored and processed, an unknown one dead-lettered", async () => {
    await sendStripe("charge.succeeded", { id: "ch_info", object: "charge" }, "evt_info_charge_succeeded");
    await sendStripe("customer.created", { id: "cus_x", object: "customer" }, "evt_unsupported_customer");
    const stored = await t.app.db.pspWebhookEvent.findMany({
      where: { eventId: { in: ["evt_info_charge_succeeded", "evt_unsupported_customer"] } },
      select: { eventType: true, processedAt: true },
    });
    expect(stored.every((event) => event.processedAt !== null)).toBe(true);
    const letters = await t.app.db.deadLetter.findMany({ where: { reason: "unsupported event type" } });
    const types = letters.map((letter) => (letter.payload as { type?: string }).type);
    expect(types).toContain("customer.created");
    expect(types).not.toContain("charge.succeeded");
  });

  it("Adyen: an informational code is stored, an unknown one dead-lettered", async () => {
    await sendAdyen({ ...adyenChargeback("ISSUER_COMMENTS", "REPORT_1"), originalReference: undefined });
    await sendAdyen({
      ...adyenChargeback("AUTHORISATION_ADJUSTMENT", "ADJ_1"),
      originalReference: undefined,
    });
    const letters = await t.app.db.deadLetter.findMany({
      where: { reason: "unsupported event type", reference: { in: ["REPORT_1", "ADJ_1"] } },
    });
    expect(letters.map((letter) => letter.reference)).toEqual(["ADJ_1"]);
  });
});

describe("each informational type is stored and processed, never dead-lettered", () => {
  it.each([...STRIPE_INFORMATIONAL_TYPES])("Stripe %s", async (type) => {
    const eventId = `evt_info_${randomBytes(6).toString("hex")}`;
    const objectId = `obj_${randomBytes(6).toString("hex")}`;
    await sendStripe(type, { id: objectId, object: type.split(".")[0] }, eventId);
    const stored = await t.app.db.pspWebhookEvent.findFirstOrThrow({
      where: { eventId },
      select: { eventType: true, processedAt: true },
    });
    expect(stored.eventType).toBe(type);
    expect(stored.processedAt).not.toBeNull();
    const letters = await t.app.db.deadLetter.findMany({ where: { source: "webhook:stripe" } });
    expect(letters.filter((letter) => (letter.payload as { id?: string }).id === eventId)).toEqual([]);
  });

  it.each([...ADYEN_INFORMATIONAL_CODES])("Adyen %s", async (code) => {
    const reference = `INFO_${randomBytes(6).toString("hex").toUpperCase()}`;
    await sendAdyen({ ...adyenChargeback(code, reference), originalReference: undefined });
    expect(await t.app.db.deadLetter.count({ where: { reference } })).toBe(0);
    const stored = await t.app.db.pspWebhookEvent.findMany({
      where: { pspName: "adyen", eventType: code },
      select: { payload: true, processedAt: true },
    });
    const mine = stored.filter((event) => JSON.stringify(event.payload).includes(reference));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.processedAt).not.toBeNull();
  });
});

describe("refunds of a disputed payment", () => {
  const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) {
    refund { id amount status } payment { amountRefundable amountDisputed } errors { code field } } }`;
  const refund = (paymentId: string, amount: string) =>
    t.gql<{
      refundPayment: {
        refund: { amount: string } | null;
        payment: { amountRefundable: string; amountDisputed: string } | null;
        errors: Array<{ code: string }>;
      };
    }>(merchant.secretKey, REFUND, { input: { idempotencyKey: newKey(), paymentId, amount } });

  it("refunds only the undisputed amount while a dispute is open, and all of it again once won", async () => {
    const payment = await capturedPayment("USD");
    const id = `du_${randomBytes(6).toString("hex")}`;
    await sendStripe("charge.dispute.created", stripeDispute(id, payment.pspReference, "needs_response"));
    const tooMuch = await refund(payment.id, "6001");
    expect(tooMuch.data?.refundPayment.errors).toEqual([{ code: "AMOUNT_DISPUTED", field: ["amount"] }]);
    const allowed = await refund(payment.id, "6000");
    expect(allowed.data?.refundPayment.errors).toEqual([]);
    expect(allowed.data?.refundPayment.payment).toEqual({ amountRefundable: "0", amountDisputed: "4000" });
    await sendStripe("charge.dispute.closed", stripeDispute(id, payment.pspReference, "won"));
    const view = await t.gql<{ payment: { amountRefundable: string; amountDisputed: string } }>(
      merchant.secretKey,
      `query($id: ID!) { payment(id: $id) { amountRefundable amountDisputed } }`,
      { id: payment.id },
    );
    expect(view.data?.payment).toEqual({ amountRefundable: "4000", amountDisputed: "0" });
    await t.expectLedgerBalanced();
  });
});
