// Goal: the scenario with the asynchronous (Adyen-style) sandbox PSP over real HTTP. A capture comes back
// pending; the payment shows it (amountCapturePending, no available action) and a refund sent in that window gets
// the retryable PAYMENT_OPERATION_IN_PROGRESS, which the same request (same key) turns into a refund once the
// capture settles; the refund in flight then shows in amountRefundPending until its notification arrives.
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../src/testing/test-app";

const ADYEN_KEY = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";
const STRIPE_SECRET = "whsec_pending_work_test_abcdef";
const PAYMENT = `id status amountCaptured amountCapturePending amountRefunded amountRefundPending amountRefundable
  pendingOperation availableActions`;
const REFUND = `mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { refund { id status } payment { ${PAYMENT} } errors { code retryable } } }`;

interface Payment {
  id: string;
  status: string;
  amountCaptured: string;
  amountCapturePending: string;
  amountRefunded: string;
  amountRefundPending: string;
  amountRefundable: string;
  pendingOperation: string | null;
  availableActions: string[];
}

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    seed: 11,
    // Captures and refunds are confirmed 1.5 s after they are acknowledged: the window the issue describes.
    timings: { asyncOutcomeDelayMs: 50, modificationDelayMs: 1_500 },
    webhookRetry: { attemptsMax: 8, initialDelayMs: 50, maxDelayMs: 500, timeoutMs: 2_000 },
  });
  t = await createTestApp({
    pspSandboxUrl: sandbox.url,
    pspTimeoutMs: 1_000,
    stripeWebhookSecret: STRIPE_SECRET,
    adyenHmacKeyHex: ADYEN_KEY,
    listen: true,
  });
  sandbox.configureWebhooks({
    stripe: { url: `${t.url}/webhooks/stripe`, secret: STRIPE_SECRET },
    adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
  });
  merchant = await t.createMerchant();
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

async function read(id: string): Promise<Payment> {
  const result = await t.gql<{ payment: Payment }>(
    merchant.secretKey,
    `{ payment(id: "${id}") { ${PAYMENT} } }`,
  );
  return result.data?.payment as Payment;
}

/** Polls (bounded) until the payment satisfies `done`, as the PSP's notifications move it. */
async function eventually(id: string, done: (p: Payment) => boolean): Promise<Payment> {
  let last = await read(id);
  for (let poll = 0; poll < 150 && !done(last); poll++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read(id);
  }
  return last;
}

it("shows a pending capture and refund, and answers a conflicting refund with a retryable error", async () => {
  const method = await t.tokenize(merchant.publishableKey, "5555555555554444");
  const created = await t.gql<{ createPayment: { payment: Payment } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT} } } }`,
    {
      input: {
        idempotencyKey: newKey(),
        amount: "3000",
        currency: "EUR",
        paymentMethodId: method,
        captureMethod: "MANUAL",
      },
    },
  );
  const authorized = created.data?.createPayment.payment as Payment;
  expect(authorized).toMatchObject({
    status: "AUTHORIZED",
    amountCapturePending: "0",
    availableActions: ["CAPTURE", "CANCEL"],
  });

  const capture = await t.gql<{ capturePayment: { payment: Payment } }>(
    merchant.secretKey,
    `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { ${PAYMENT} } } }`,
    { input: { idempotencyKey: newKey(), paymentId: authorized.id, amount: "2000" } },
  );
  expect(capture.data?.capturePayment.payment).toEqual({
    ...authorized,
    pendingOperation: "CAPTURE",
    amountCapturePending: "2000",
    availableActions: [],
  });

  // The refund the issue sends in that window: retryable, and nothing is stored under its key.
  const refundKey = newKey();
  const refundInput = { input: { idempotencyKey: refundKey, paymentId: authorized.id, amount: "500" } };
  const early = await t.gql<{ refundPayment: { refund: unknown; errors: unknown[] } }>(
    merchant.secretKey,
    REFUND,
    refundInput,
  );
  expect(early.data?.refundPayment).toMatchObject({
    refund: null,
    errors: [{ code: "PAYMENT_OPERATION_IN_PROGRESS", retryable: true }],
  });

  const captured = await eventually(authorized.id, (p) => p.status === "CAPTURED");
  expect(captured).toMatchObject({
    status: "CAPTURED",
    amountCaptured: "2000",
    amountCapturePending: "0",
    pendingOperation: null,
    availableActions: ["REFUND"],
  });

  // The same request, same key, now succeeds; the refund in flight shows until its notification.
  const retried = await t.gql<{
    refundPayment: { refund: { status: string }; payment: Payment; errors: unknown[] };
  }>(merchant.secretKey, REFUND, refundInput);
  expect(retried.data?.refundPayment).toMatchObject({
    refund: { status: "PENDING" },
    payment: { amountRefundPending: "500", amountRefundable: "1500", availableActions: ["REFUND"] },
    errors: [],
  });

  const refunded = await eventually(authorized.id, (p) => p.amountRefunded === "500");
  expect(refunded).toMatchObject({
    status: "PARTIALLY_REFUNDED",
    amountRefunded: "500",
    amountRefundPending: "0",
    amountRefundable: "1500",
    availableActions: ["REFUND"],
  });
}, 60_000);
