// Goal: shadow mode. A PSP notification that contradicts our state after it is applied (here: Stripe says a refund
// failed that we recorded as succeeded) becomes an open reconciliation item at once, with its audit row, instead
// of waiting for the next settlement report; a repeated contradiction does not open a second item while the first
// is open; a notification that agrees opens nothing. Real Postgres, the sandbox PSP server, signed webhooks
// through the API's route; the ledger invariant after each test.
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../testing/test-app";

const STRIPE_SECRET = "whsec_shadow_test_0123456789abcdef";
const stripe = new Stripe("sk_test_signing_only");
const PAYMENT = "id status pspReference";
const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT} } errors { code } } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id status } errors { code } } }`;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 18 });
  t = await createTestApp({ pspSandboxUrl: sandbox.url, stripeWebhookSecret: STRIPE_SECRET });
  merchant = await t.createMerchant();
  await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["USD"] },
    pspNames: ["stripe"],
  });
}, 60_000);

afterEach(async () => {
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

function refundEvent(eventId: string, refund: { id: string; paymentIntent: string; status: string }) {
  const payload = JSON.stringify({
    id: eventId,
    object: "event",
    type: "refund.updated",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: refund.id,
        object: "refund",
        status: refund.status,
        payment_intent: refund.paymentIntent,
        amount: 500,
        failure_reason: refund.status === "failed" ? "lost_or_stolen_card" : null,
      },
    },
  });
  return t.app.http.fetch("http://localhost/webhooks/stripe", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET }),
    },
    body: payload,
  });
}

describe("shadow mode", () => {
  it("opens an item at once when the PSP contradicts a refund we recorded, once while it is open", async () => {
    const method = await t.tokenize(merchant.publishableKey, "4242424242424242");
    const created = await t.gql<{
      createPayment: { payment: { id: string; status: string; pspReference: string } };
    }>(merchant.secretKey, CREATE, {
      input: { idempotencyKey: newKey(), amount: "2000", currency: "USD", paymentMethodId: method },
    });
    const payment = created.data?.createPayment.payment;
    expect(payment?.status).toBe("CAPTURED");
    const refunded = await t.gql<{ refundPayment: { refund: { id: string; status: string } } }>(
      merchant.secretKey,
      REFUND,
      { input: { idempotencyKey: newKey(), paymentId: payment?.id, amount: "500" } },
    );
    expect(refunded.data?.refundPayment.refund.status).toBe("SUCCEEDED");
    const [refund] = await t.app.sql.query<{ psp_reference: string }>(
      "SELECT psp_reference FROM refunds WHERE id = $1",
      [refunded.data?.refundPayment.refund.id],
    );
    const reference = { id: refund?.psp_reference as string, paymentIntent: payment?.pspReference as string };

    // The PSP agrees: nothing opens.
    expect((await refundEvent("evt_shadow_agrees", { ...reference, status: "succeeded" })).status).toBe(200);
    expect(await t.countRows("recon_items")).toBe(0);

    // The PSP says the refund failed; we recorded it succeeded.
    expect((await refundEvent("evt_shadow_contradicts", { ...reference, status: "failed" })).status).toBe(
      200,
    );
    const items = await t.app.sql.query<{
      category: string;
      status: string;
      rule: string;
      psp: string;
      payment_id: string;
      expected_kind: string;
      expected_amount_minor: bigint;
      import_id: string | null;
    }>(
      "SELECT category, status::text AS status, rule, psp, payment_id, expected_kind, expected_amount_minor, import_id FROM recon_items",
    );
    expect(items).toEqual([
      {
        category: "STATUS_MISMATCH",
        status: "OPEN",
        rule: "shadow.psp_failed_we_succeeded",
        psp: "stripe",
        payment_id: payment?.id,
        expected_kind: "REFUND",
        expected_amount_minor: 500n,
        import_id: null,
      },
    ]);
    const audit = await t.app.sql.query<{ action: string }>(
      "SELECT action FROM operator_audit_log WHERE target_type = 'recon_item'",
    );
    expect(audit.map((row) => row.action)).toEqual(["reconciliation.shadow_contradiction"]);

    // Said again (another event): still one open item. The item is the one operator item: no dead letter too.
    expect((await refundEvent("evt_shadow_again", { ...reference, status: "failed" })).status).toBe(200);
    expect(await t.countRows("recon_items")).toBe(1);
    expect(await t.countRows("dead_letters")).toBe(0);
  });
});
