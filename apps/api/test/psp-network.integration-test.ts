// Goal: payments through the sandbox PSP server over real HTTP, driven by the
// official Stripe and Adyen SDKs: routing rules pick the PSP, failover happens
// only when nothing was charged, asynchronous captures and refunds settle by
// signed webhook, duplicates apply once, and unknown outcomes are resolved.
// After every scenario our ledger balances and the sandbox's charge ledger
// agrees with ours.

import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { routeByCurrency } from "../src/testing/sandbox-test-app";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const STRIPE_SECRET = "whsec_psp_network_test_0123456789";
const ADYEN_KEY = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
const PAYMENT = `id status amount amountCaptured amountCapturable amountRefunded pspName pspReference pendingOperation failureCode
  refunds { id status amount } events { type source }`;
const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT} } errors { code } } }`;
const CAPTURE = `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { ${PAYMENT} } errors { code } } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id status } payment { ${PAYMENT} } errors { code } } }`;

interface Payment {
  id: string;
  status: string;
  amountCaptured: string;
  amountRefunded: string;
  pspName: string;
  pspReference: string | null;
  pendingOperation: string | null;
  failureCode: string | null;
  refunds: Array<{ id: string; status: string; amount: string }>;
  events: Array<{ type: string; source: string }>;
}

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    seed: 7,
    hangMs: 2_500,
    timings: {
      asyncOutcomeDelayMs: 50,
      modificationDelayMs: 50,
      followUpFailureDelayMs: 100,
      lateWebhookDelayMs: 300,
      outOfOrderWindowMs: 100,
    },
    // A notice answered "retry later" (our call still in flight) is resent for about 6 s on a busy machine.
    webhookRetry: { attemptsMax: 8, initialDelayMs: 50, maxDelayMs: 4_000, timeoutMs: 2_000 },
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
  await routeByCurrency(t.app.services.routingRuleCommands, merchant.id, [
    ["USD", ["stripe", "adyen"]],
    ["EUR", ["adyen", "stripe"]],
  ]);
}, 60_000);

afterEach(async () => {
  sandbox.clearFaults();
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

async function pay(card: string, input: Record<string, unknown> = {}) {
  const method = await t.tokenize(merchant.publishableKey, card);
  const result = await t.gql<{ createPayment: { payment: Payment; errors: Array<{ code: string }> } }>(
    merchant.secretKey,
    CREATE,
    {
      input: { idempotencyKey: newKey(), amount: "2500", currency: "USD", paymentMethodId: method, ...input },
    },
  );
  if (!result.data) throw new Error(result.raw);
  return result.data.createPayment;
}

async function read(id: string): Promise<Payment> {
  const result = await t.gql<{ payment: Payment }>(
    merchant.secretKey,
    `{ payment(id: "${id}") { ${PAYMENT} } }`,
  );
  return result.data?.payment as Payment;
}

/** Waits (bounded) until the payment satisfies `done`, as webhooks and the resolver move it. */
async function eventually(id: string, done: (p: Payment) => boolean, timeoutMs = 10_000): Promise<Payment> {
  const deadline = Date.now() + timeoutMs;
  let last = await read(id);
  while (!done(last) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.app.services.commands.resolveUnknownOutcomes({ staleAfterMs: 5_000 });
    last = await read(id);
  }
  return last;
}

/** A loopback port nothing listens on: connections are refused. */
async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
    });
  });
}

function sandboxCharges(reference: string) {
  return sandbox.charges().filter((c) => c.reference === reference);
}

describe("through the Stripe-style PSP", () => {
  it("routes USD to stripe by the merchant's rule and captures at once", async () => {
    const { payment, errors } = await pay("4242424242424242");
    expect(errors).toEqual([]);
    expect(payment).toMatchObject({ status: "CAPTURED", pspName: "stripe", amountCaptured: "2500" });
    expect(payment.pspReference).toMatch(/^pi_/);
    expect(sandboxCharges(payment.id)).toHaveLength(1);
  });

  it("retries a transient 5xx with the same key: one charge", async () => {
    const { payment } = await pay("4000009900000012");
    expect(payment.status).toBe("CAPTURED");
    expect(sandboxCharges(payment.id)).toHaveLength(1);
  });

  it("a timeout after charging is settled by retrying with the same key, or by the resolver: one charge", async () => {
    const { payment } = await pay("4000009900000020");
    // Either our retry (same key) got the PSP's stored answer, or the payment waits PENDING for the resolver.
    expect(["CAPTURED", "PENDING"]).toContain(payment.status);
    const settled = await eventually(payment.id, (p) => p.status !== "PENDING", 20_000);
    expect(settled.status).toBe("CAPTURED");
    expect(sandboxCharges(payment.id)).toHaveLength(1);
  }, 30_000);

  it("a refund acknowledged and then failed frees the reserved amount and posts nothing", async () => {
    const { payment } = await pay("4000009900000103");
    expect(payment).toMatchObject({ status: "CAPTURED", pspName: "stripe" });
    await t.gql(merchant.secretKey, REFUND, {
      input: { idempotencyKey: newKey(), paymentId: payment.id, amount: "700" },
    });
    const after = await eventually(payment.id, (p) => p.refunds[0]?.status === "FAILED");
    expect(after).toMatchObject({ status: "CAPTURED", amountRefunded: "0", refunds: [{ status: "FAILED" }] });
  });

  it("declines are answers: no failover, no retry", async () => {
    const { payment, errors } = await pay("4000000000009995");
    expect(payment).toMatchObject({
      status: "DECLINED",
      failureCode: "insufficient_funds",
      pspName: "stripe",
    });
    expect(errors.map((e) => e.code)).toEqual(["PAYMENT_DECLINED"]);
  });

  it("an outcome that arrives only by webhook settles the payment", async () => {
    const { payment } = await pay("4000009900000046");
    expect(payment.status).toBe("PENDING");
    expect((await eventually(payment.id, (p) => p.status !== "PENDING")).status).toBe("CAPTURED");
  });
});

describe("through the Adyen-style PSP", () => {
  it("routes EUR to adyen, authorizes, and settles an asynchronous capture and refund by notification", async () => {
    const { payment } = await pay("5555555555554444", { currency: "EUR", captureMethod: "MANUAL" });
    expect(payment).toMatchObject({ status: "AUTHORIZED", pspName: "adyen" });
    const capture = await t.gql<{ capturePayment: { payment: Payment } }>(merchant.secretKey, CAPTURE, {
      input: { idempotencyKey: newKey(), paymentId: payment.id, amount: "2000" },
    });
    // Acknowledged, not confirmed: nothing is posted until the notification says so.
    expect(capture.data?.capturePayment.payment).toMatchObject({
      status: "AUTHORIZED",
      pendingOperation: "CAPTURE",
    });
    const captured = await eventually(payment.id, (p) => p.status === "CAPTURED");
    expect(captured).toMatchObject({ status: "CAPTURED", amountCaptured: "2000", pendingOperation: null });
    expect(captured.events.find((e) => e.type === "payment.captured")?.source).toBe("WEBHOOK");

    const refund = await t.gql<{ refundPayment: { refund: { status: string } } }>(
      merchant.secretKey,
      REFUND,
      {
        input: { idempotencyKey: newKey(), paymentId: payment.id, amount: "500" },
      },
    );
    expect(refund.data?.refundPayment.refund.status).toBe("PENDING");
    const refunded = await eventually(payment.id, (p) => p.amountRefunded === "500");
    expect(refunded).toMatchObject({
      status: "PARTIALLY_REFUNDED",
      refunds: [{ status: "SUCCEEDED", amount: "500" }],
    });
    expect(sandboxCharges(payment.id)[0]).toMatchObject({ capturedMinor: 2000n, refundedMinor: 500n });
  });

  it("a refund failure after the PSP confirmed it goes to operators, and nothing is undone by itself", {
    timeout: 90_000,
  }, async () => {
    const { payment } = await pay("4000009900000103", { currency: "EUR" });
    expect(payment).toMatchObject({ status: "CAPTURED", pspName: "adyen" });
    await t.gql(merchant.secretKey, REFUND, {
      input: { idempotencyKey: newKey(), paymentId: payment.id, amount: "700" },
    });
    await eventually(payment.id, (p) => p.refunds[0]?.status === "SUCCEEDED");
    // The PSP's failure contradicts the refund it confirmed: one open reconciliation item (shadow mode), even when
    // the failure is decided while the refund's success is still being recorded; never a dead letter, and nothing
    // is undone by itself.
    const deadline = Date.now() + 45_000;
    let items: { category: string; rule: string }[] = [];
    while (items.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      items = await t.app.sql.query<{ category: string; rule: string }>(
        `SELECT category::text AS category, rule FROM recon_items WHERE payment_id = $1 AND status = 'OPEN'`,
        [payment.id],
      );
    }
    expect(items).toEqual([{ category: "STATUS_MISMATCH", rule: "shadow.psp_failed_we_succeeded" }]);
    const letters = (await t.app.db.deadLetter.findMany({ where: { dismissedAt: null } })).filter((letter) =>
      JSON.stringify(letter.payload).includes(payment.id),
    );
    expect(letters).toEqual([]);
    expect(await read(payment.id)).toMatchObject({ status: "PARTIALLY_REFUNDED", amountRefunded: "700" });
  });

  it("duplicated notifications are applied once", async () => {
    const { payment } = await pay("4000009900000079", { currency: "EUR", captureMethod: "MANUAL" });
    await t.gql(merchant.secretKey, CAPTURE, { input: { idempotencyKey: newKey(), paymentId: payment.id } });
    const captured = await eventually(payment.id, (p) => p.status === "CAPTURED");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await read(payment.id)).events.filter((e) => e.type === "payment.captured")).toHaveLength(1);
    expect(captured.amountCaptured).toBe("2500");
  });
});

describe("failover", () => {
  it("fails over to the next PSP when the first cannot be reached (nothing charged there)", async () => {
    // The Adyen-style PSP at a closed port: connection refused, so certainly nothing was charged.
    const isolated = await createTestApp({
      pspSandboxUrl: sandbox.url,
      adyenUrl: `http://127.0.0.1:${await closedPort()}/adyen`,
      pspTimeoutMs: 1_000,
    });
    try {
      const owner = await isolated.createMerchant();
      const method = await isolated.tokenize(owner.publishableKey, "4242424242424242");
      const result = await isolated.gql<{ createPayment: { payment: Payment } }>(owner.secretKey, CREATE, {
        input: { idempotencyKey: newKey(), amount: "2500", currency: "EUR", paymentMethodId: method },
      });
      const payment = result.data?.createPayment.payment as Payment;
      expect(payment, JSON.stringify(payment)).toMatchObject({ status: "CAPTURED", pspName: "stripe" });
      expect(payment.events.map((e) => e.type)).toContain("payment.failover");
      const attempts = await isolated.app.db.pspAttempt.findMany({
        where: { paymentId: payment.id },
        orderBy: { createdAt: "asc" },
        select: { pspName: true, status: true, errorCode: true },
      });
      expect(attempts).toEqual([
        { pspName: "adyen", status: "FAILED", errorCode: "psp_unavailable" },
        { pspName: "stripe", status: "SUCCEEDED", errorCode: null },
      ]);
      expect(
        sandbox
          .charges()
          .filter((c) => c.reference === payment.id)
          .map((c) => c.psp),
      ).toEqual(["stripe"]);
      await isolated.expectLedgerBalanced();
    } finally {
      await isolated.close();
    }
  });

  it("does not fail over after a timeout: the payment waits for its own PSP", async () => {
    const isolated = await createTestApp({ pspSandboxUrl: sandbox.url, pspTimeoutMs: 500 });
    try {
      const owner = await isolated.createMerchant();
      const method = await isolated.tokenize(owner.publishableKey, "4242424242424242");
      sandbox.setFaults("adyen", { timeoutRate: 1 });
      const result = await isolated.gql<{ createPayment: { payment: Payment } }>(owner.secretKey, CREATE, {
        input: { idempotencyKey: newKey(), amount: "2500", currency: "EUR", paymentMethodId: method },
      });
      const payment = result.data?.createPayment.payment as Payment;
      // Our retry with the same key may already get the PSP's stored answer; either way it stays with this PSP.
      expect(payment, JSON.stringify(payment)).toMatchObject({ pspName: "adyen" });
      expect(["PENDING", "CAPTURED"]).toContain(payment.status);
      sandbox.clearFaults();
      const deadline = Date.now() + 20_000;
      let status = payment.status;
      while (status === "PENDING" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await isolated.app.services.commands.resolveUnknownOutcomes();
        status = (
          await isolated.app.db.payment.findUniqueOrThrow({
            where: { id: payment.id },
            select: { status: true },
          })
        ).status;
      }
      expect(status).toBe("CAPTURED");
      expect(
        sandbox
          .charges()
          .filter((c) => c.reference === payment.id)
          .map((c) => c.psp),
      ).toEqual(["adyen"]);
      await isolated.expectLedgerBalanced();
    } finally {
      await isolated.close();
    }
  }, 40_000);
});
