// Goal: a dead letter whose cause is gone is replayed through the platform's replay (shared by the CLI and the
// console) and closes with the operator's audit row in the close's transaction; and a PSP message that
// contradicts the outcome recorded for a payment is one reconciliation item for an operator (not a dead letter as
// well), never applied (the payment and the ledger stay as they were).
import { randomBytes } from "node:crypto";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postSignedAdyenNotification } from "../testing/adyen-notification";
import { routeUsdToStripeEurToAdyen } from "../testing/sandbox-test-app";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../testing/test-app";
import { replayDeadLetter } from "./replay";

const STRIPE_SECRET = `whsec_${randomBytes(16).toString("hex")}`;
const ADYEN_KEY = randomBytes(32).toString("hex").toUpperCase();
const OPERATOR = { operatorId: null, name: "test:operator" };

let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 23 });
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

async function capturedPayment(currency: "USD" | "EUR") {
  const card = await t.tokenize(merchant.publishableKey);
  const result = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } errors { code } } }`,
    { input: { idempotencyKey: newKey(), paymentMethodId: card, amount: "4200", currency } },
  );
  const payment = result.data?.createPayment.payment;
  if (payment?.status !== "CAPTURED") throw new Error(`not captured: ${result.raw}`);
  const row = await t.app.db.payment.findUniqueOrThrow({
    where: { id: payment.id },
    select: { pspReference: true, version: true },
  });
  if (!row.pspReference) throw new Error("no PSP reference");
  return { id: payment.id, pspReference: row.pspReference, version: row.version };
}

describe("dead-letter replay", () => {
  it("a letter about a payment we know now is replayed (already applied) and closes, audited", async () => {
    const payment = await capturedPayment("USD");
    const id = await t.app.services.webhooks.deadLetter(
      "webhook:stripe",
      payment.pspReference,
      "no payment with this PSP reference",
      {
        id: `evt_${randomBytes(6).toString("hex")}`,
        object: "event",
        type: "payment_intent.succeeded",
        data: {
          object: {
            object: "payment_intent",
            id: payment.pspReference,
            status: "succeeded",
            metadata: { reference: payment.id },
          },
        },
      },
    );
    const result = await replayDeadLetter(t.app.services, id, OPERATOR);
    expect(result).toMatchObject({ closed: true, applied: 0, skipped: 2, stillFailing: [] });
    const letter = await t.app.db.deadLetter.findUniqueOrThrow({ where: { id } });
    expect(letter.replayedAt).not.toBeNull();
    expect(letter.replayedBy).toBe("test:operator");
    const audit = await t.app.db.operatorAuditLog.findMany({ where: { targetId: id.toString() } });
    expect(audit).toEqual([
      expect.objectContaining({ action: "dead_letter.replay", targetType: "dead_letter" }),
    ]);
    await expect(replayDeadLetter(t.app.services, id, OPERATOR)).rejects.toMatchObject({
      code: "DEAD_LETTER_CLOSED",
    });
    await t.expectLedgerBalanced();
  });
});

describe("contradicting PSP messages", () => {
  it("an Adyen AUTHORISATION failure for a payment recorded as captured is one item, not applied", async () => {
    const payment = await capturedPayment("EUR");
    const notification = {
      merchantAccountCode: "PaycoreTest",
      eventCode: "AUTHORISATION",
      pspReference: payment.pspReference,
      merchantReference: payment.id,
      success: "false",
      reason: "Refused",
      amount: { currency: "EUR", value: 4200 },
      eventDate: new Date().toISOString(),
    };
    const response = await postSignedAdyenNotification(t, ADYEN_KEY, notification);
    expect(response.status).toBe(200);
    expect(await t.app.db.deadLetter.count({ where: { reference: payment.pspReference } })).toBe(0);
    const items = await t.app.sql.query<{ rule: string; category: string; raw_type: string }>(
      "SELECT rule, category, raw_type FROM recon_items WHERE payment_id = $1 AND status = 'OPEN'",
      [payment.id],
    );
    expect(items).toEqual([
      {
        rule: "shadow.psp_failed_we_succeeded",
        category: "STATUS_MISMATCH",
        raw_type: "authorization failed (Refused)",
      },
    ]);
    const after = await t.app.db.payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(after).toMatchObject({ status: "CAPTURED", version: payment.version });
    await t.expectLedgerBalanced();
  });
});
