// Goal: the official stripe SDK drives the sandbox's Stripe-style API end to end — every test card, idempotency, the failure scenarios and signed webhooks — and the sandbox's ledger agrees with what the SDK saw.
import { randomUUID } from "node:crypto";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxHandle, startSandbox } from "./sandbox-server";
import { cardPaymentParams, sandboxStripe } from "./testing/stripe-client";
import { startWebhookReceiver, type WebhookReceiver } from "./testing/webhook-receiver";

const WEBHOOK_SECRET = "whsec_sandbox_stripe_test";
const HANG_MS = 1_500;

let sandbox: SandboxHandle;
let receiver: WebhookReceiver;
let stripe: Stripe;
let referenceCount = 0;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startSandbox({
    webhooks: { stripe: { url: `${receiver.url}/stripe`, secret: WEBHOOK_SECRET } },
    hangMs: HANG_MS,
    timings: {
      asyncOutcomeDelayMs: 150,
      followUpFailureDelayMs: 150,
      lateWebhookDelayMs: 800,
      outOfOrderWindowMs: 300,
    },
  });
  stripe = sandboxStripe(sandbox.port);
});

afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
});

function nextReference(): string {
  referenceCount += 1;
  return `pay_stripe_${referenceCount}`;
}

/** Webhooks about one PaymentIntent, each verified with the SDK's constructEvent. */
function eventsFor(paymentIntentId: string): Stripe.Event[] {
  return receiver.received
    .filter((webhook) => webhook.path === "/stripe")
    .map((webhook) =>
      stripe.webhooks.constructEvent(
        webhook.body,
        webhook.headers["stripe-signature"] as string,
        WEBHOOK_SECRET,
      ),
    )
    .filter((event) => {
      const object = event.data.object as { id?: string; payment_intent?: string };
      return object.id === paymentIntentId || object.payment_intent === paymentIntentId;
    });
}

async function waitForEvents(
  paymentIntentId: string,
  count: number,
  timeoutMs = 5_000,
): Promise<Stripe.Event[]> {
  await receiver.waitFor(() => eventsFor(paymentIntentId).length >= count, timeoutMs);
  return eventsFor(paymentIntentId);
}

function chargesFor(reference: string) {
  return sandbox.charges().filter((charge) => charge.reference === reference);
}

describe("test cards", () => {
  it.each(["4242424242424242", "5555555555554444", "4111111111111111"])(
    "%s is approved and captured, with a signed payment_intent.succeeded",
    async (number) => {
      const reference = nextReference();
      const intent = await stripe.paymentIntents.create(
        cardPaymentParams({ amountMinor: 2500, currency: "usd", number, reference }),
        { idempotencyKey: randomUUID() },
      );
      expect(intent).toMatchObject({
        object: "payment_intent",
        status: "succeeded",
        amount: 2500,
        amount_received: 2500,
        amount_capturable: 0,
        currency: "usd",
        capture_method: "automatic",
        metadata: { reference },
        last_payment_error: null,
      });
      expect(intent.latest_charge).toMatch(/^ch_/);
      const [charge] = chargesFor(reference);
      expect(charge).toMatchObject({
        psp: "stripe",
        pspReference: intent.id,
        status: "captured",
        capturedMinor: 2500n,
      });
      const events = await waitForEvents(intent.id, 1);
      expect(events.map((event) => event.type)).toEqual(["payment_intent.succeeded"]);
    },
  );

  it.each([
    ["4000000000000002", "card_declined", "generic_decline", "declined"],
    ["4000000000009995", "card_declined", "insufficient_funds", "declined"],
    ["4000000000000069", "expired_card", "expired_card", "declined"],
    ["4000000000000127", "incorrect_cvc", "incorrect_cvc", "declined"],
    ["4000000000009987", "card_declined", "lost_card", "declined"],
    ["4000000000009979", "card_declined", "stolen_card", "declined"],
    ["4100000000000019", "card_declined", "fraudulent", "declined"],
    ["4000000000000119", "processing_error", "processing_error", "failed"],
  ])(
    "%s fails with a 402 StripeCardError code %s, decline_code %s, nothing charged",
    async (number, code, declineCode, status) => {
      const reference = nextReference();
      const error = await stripe.paymentIntents
        .create(cardPaymentParams({ amountMinor: 1000, currency: "usd", number, reference }), {
          idempotencyKey: randomUUID(),
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      const cardError = error as Stripe.errors.StripeCardError;
      expect(cardError).toMatchObject({
        statusCode: 402,
        rawType: "card_error",
        code,
        decline_code: declineCode,
      });
      expect(cardError.payment_intent).toMatchObject({
        status: "requires_payment_method",
        amount_received: 0,
      });
      expect(chargesFor(reference)).toMatchObject([{ status, authorizedMinor: 0n, capturedMinor: 0n }]);
      const events = await waitForEvents(cardError.payment_intent!.id, 1);
      expect(events.map((event) => event.type)).toEqual(["payment_intent.payment_failed"]);
    },
  );

  it("answers 402 incorrect_number for a number that fails the Luhn check", async () => {
    const error = await stripe.paymentIntents
      .create(
        cardPaymentParams({
          amountMinor: 1000,
          currency: "usd",
          number: "4242424242424241",
          reference: nextReference(),
        }),
      )
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 402, code: "incorrect_number" });
  });
});

describe("capture, cancel and refund", () => {
  it("authorizes, captures part, refunds part, and retrieves the same state", async () => {
    const reference = nextReference();
    const intent = await stripe.paymentIntents.create(
      cardPaymentParams({
        amountMinor: 10_000,
        currency: "usd",
        number: "4242424242424242",
        reference,
        capture: "manual",
      }),
    );
    expect(intent).toMatchObject({
      status: "requires_capture",
      amount_capturable: 10_000,
      amount_received: 0,
    });
    const captured = await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 6_000 });
    expect(captured).toMatchObject({ status: "succeeded", amount_received: 6_000, amount_capturable: 0 });
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 2_500 });
    expect(refund).toMatchObject({
      object: "refund",
      status: "succeeded",
      amount: 2_500,
      payment_intent: intent.id,
    });
    expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({ id: refund.id, status: "succeeded" });
    expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
      status: "succeeded",
      amount_received: 6_000,
    });

    const overRefund = await stripe.refunds
      .create({ payment_intent: intent.id, amount: 3_501 })
      .catch((caught: unknown) => caught);
    expect(overRefund).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(overRefund).toMatchObject({ code: "amount_too_large" });

    expect(chargesFor(reference)).toMatchObject([
      {
        status: "partially_refunded",
        authorizedMinor: 10_000n,
        capturedMinor: 6_000n,
        voidedMinor: 4_000n,
        refundedMinor: 2_500n,
      },
    ]);
    const events = await waitForEvents(intent.id, 3);
    expect(events.map((event) => event.type)).toEqual([
      "payment_intent.amount_capturable_updated",
      "payment_intent.succeeded",
      "charge.refunded",
    ]);
    expect(events[2]!.data.object).toMatchObject({
      object: "charge",
      amount_refunded: 2_500,
      amount_captured: 6_000,
    });
  });

  it("cancels an authorization, after which capture is refused", async () => {
    const reference = nextReference();
    const intent = await stripe.paymentIntents.create(
      cardPaymentParams({
        amountMinor: 800,
        currency: "eur",
        number: "5555555555554444",
        reference,
        capture: "manual",
      }),
    );
    const canceled = await stripe.paymentIntents.cancel(intent.id, {
      cancellation_reason: "requested_by_customer",
    });
    expect(canceled).toMatchObject({ status: "canceled", cancellation_reason: "requested_by_customer" });
    const capture = await stripe.paymentIntents.capture(intent.id).catch((caught: unknown) => caught);
    expect(capture).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
    expect(chargesFor(reference)).toMatchObject([{ status: "voided", voidedMinor: 800n, capturedMinor: 0n }]);
    expect((await waitForEvents(intent.id, 2)).map((event) => event.type)).toEqual([
      "payment_intent.amount_capturable_updated",
      "payment_intent.canceled",
    ]);
  });

  it("answers 404 resource_missing for an unknown PaymentIntent", async () => {
    const error = await stripe.paymentIntents.retrieve("pi_doesnotexist").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it.each([
    ["0100", "parameter_invalid_integer"],
    ["1.5", "parameter_invalid_integer"],
    ["1000000000000000", "amount_too_large"],
  ])("answers 400 for amount=%s (%s): the core's one rule for amounts as text", async (amount, code) => {
    const response = await fetch(`http://127.0.0.1:${sandbox.port}/v1/payment_intents`, {
      method: "POST",
      headers: {
        authorization: "Bearer sk_test_sandbox",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ amount, currency: "usd" }).toString(),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it("rejects a key that is not sk_test_… with 401", async () => {
    const error = await sandboxStripe(sandbox.port, { apiKey: "rk_live_nope" })
      .paymentIntents.retrieve("pi_x")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe("idempotency", () => {
  it("replays the stored response for the same key and parameters, without a second charge", async () => {
    const reference = nextReference();
    const params = cardPaymentParams({
      amountMinor: 1200,
      currency: "usd",
      number: "4242424242424242",
      reference,
    });
    const idempotencyKey = randomUUID();
    const first = await stripe.paymentIntents.create(params, { idempotencyKey });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(chargesFor(reference)).toMatchObject([
      { idempotencyKeys: [idempotencyKey], capturedMinor: 1200n },
    ]);
  });

  it("refuses the same key with other parameters (400 StripeIdempotencyError)", async () => {
    const reference = nextReference();
    const idempotencyKey = randomUUID();
    await stripe.paymentIntents.create(
      cardPaymentParams({ amountMinor: 1200, currency: "usd", number: "4242424242424242", reference }),
      { idempotencyKey },
    );
    const error = await stripe.paymentIntents
      .create(
        cardPaymentParams({ amountMinor: 1300, currency: "usd", number: "4242424242424242", reference }),
        {
          idempotencyKey,
        },
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, rawType: "idempotency_error" });
    expect(chargesFor(reference)).toHaveLength(1);
  });

  it("answers 409 to a request made while the first with its key still runs (a StripeAPIError, not StripeIdempotencyError)", async () => {
    const reference = nextReference();
    const params = cardPaymentParams({
      amountMinor: 700,
      currency: "usd",
      number: "4242424242424242",
      reference,
    });
    const idempotencyKey = randomUUID();
    sandbox.setFaults("stripe", { latencyMs: 400 });
    try {
      const results = await Promise.allSettled([
        stripe.paymentIntents.create(params, { idempotencyKey }),
        new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
          stripe.paymentIntents.create(params, { idempotencyKey }),
        ),
      ]);
      expect(results[0]).toMatchObject({ status: "fulfilled", value: { status: "succeeded" } });
      expect(results[1]).toMatchObject({ status: "rejected" });
      const conflict = (results[1] as PromiseRejectedResult).reason as Stripe.errors.StripeError;
      expect(conflict).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(conflict).toMatchObject({ statusCode: 409, rawType: "idempotency_error" });
    } finally {
      sandbox.clearFaults();
    }
    expect(chargesFor(reference)).toHaveLength(1);
  });
});

describe("failure scenarios", () => {
  it("transient_5xx: 503 and nothing charged, then the retry with the same key succeeds once", async () => {
    const reference = nextReference();
    const params = cardPaymentParams({
      amountMinor: 900,
      currency: "usd",
      number: "4000009900000012",
      reference,
    });
    const idempotencyKey = randomUUID();
    const error = await stripe.paymentIntents
      .create(params, { idempotencyKey })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error).toMatchObject({ statusCode: 503 });
    expect(chargesFor(reference)).toHaveLength(0);
    const retried = await stripe.paymentIntents.create(params, { idempotencyKey });
    expect(retried.status).toBe("succeeded");
    expect(chargesFor(reference)).toMatchObject([{ capturedMinor: 900n, idempotencyKeys: [idempotencyKey] }]);
  });

  it("timeout_after_charge: the client times out, the retry with the same key returns the same charge", async () => {
    const reference = nextReference();
    const params = cardPaymentParams({
      amountMinor: 4_200,
      currency: "usd",
      number: "4000009900000020",
      reference,
    });
    const idempotencyKey = randomUUID();
    const impatient = sandboxStripe(sandbox.port, { timeoutMs: 300 });
    const error = await impatient.paymentIntents
      .create(params, { idempotencyKey })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((error as Error).message).toMatch(/timeout/);
    expect(chargesFor(reference)).toMatchObject([{ status: "captured", capturedMinor: 4_200n }]);
    const retried = await impatient.paymentIntents.create(params, { idempotencyKey });
    expect(retried.id).toBe(chargesFor(reference)[0]!.pspReference);
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(chargesFor(reference)).toHaveLength(1);
  });

  it("timeout_before_charge: the client times out with nothing charged, the retry charges once", async () => {
    const reference = nextReference();
    const params = cardPaymentParams({
      amountMinor: 4_300,
      currency: "usd",
      number: "4000009900000038",
      reference,
    });
    const idempotencyKey = randomUUID();
    const impatient = sandboxStripe(sandbox.port, { timeoutMs: 300 });
    const error = await impatient.paymentIntents
      .create(params, { idempotencyKey })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(chargesFor(reference)).toHaveLength(0);
    const retried = await impatient.paymentIntents.create(params, { idempotencyKey });
    expect(retried.status).toBe("succeeded");
    expect(chargesFor(reference)).toHaveLength(1);
  });

  it.each([
    ["4000009900000046", "payment_intent.succeeded", "succeeded", "captured"],
    ["4000009900000053", "payment_intent.payment_failed", "requires_payment_method", "declined"],
  ])(
    "%s: processing now, the outcome only by webhook (%s)",
    async (number, eventType, finalStatus, ledgerStatus) => {
      const reference = nextReference();
      const intent = await stripe.paymentIntents.create(
        cardPaymentParams({ amountMinor: 1_100, currency: "usd", number, reference }),
      );
      expect(intent).toMatchObject({ status: "processing", amount_received: 0 });
      expect(chargesFor(reference)).toMatchObject([{ status: "pending" }]);
      const [event] = await waitForEvents(intent.id, 1);
      expect(event).toMatchObject({
        type: eventType,
        data: { object: { id: intent.id, status: finalStatus } },
      });
      expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe(finalStatus);
      expect(chargesFor(reference)).toMatchObject([{ status: ledgerStatus }]);
    },
  );

  it("capture_fails: the capture is refused as expired and the PaymentIntent is canceled", async () => {
    const reference = nextReference();
    const intent = await stripe.paymentIntents.create(
      cardPaymentParams({
        amountMinor: 1_500,
        currency: "usd",
        number: "4000009900000095",
        reference,
        capture: "manual",
      }),
    );
    const error = await stripe.paymentIntents.capture(intent.id).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ code: "charge_expired_for_capture" });
    expect(chargesFor(reference)).toMatchObject([
      { status: "voided", capturedMinor: 0n, voidedMinor: 1_500n },
    ]);
    expect((await waitForEvents(intent.id, 2)).map((event) => event.type)).toContain(
      "payment_intent.canceled",
    );
  });

  it("refund_fails: the refund is pending, then refund.updated reports it failed", async () => {
    const reference = nextReference();
    const intent = await stripe.paymentIntents.create(
      cardPaymentParams({ amountMinor: 1_600, currency: "usd", number: "4000009900000103", reference }),
    );
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 600 });
    expect(refund.status).toBe("pending");
    const events = await waitForEvents(intent.id, 2);
    expect(events[1]).toMatchObject({
      type: "refund.updated",
      data: { object: { id: refund.id, status: "failed" } },
    });
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe("failed");
    expect(chargesFor(reference)).toMatchObject([
      { status: "captured", refundedMinor: 0n, refunds: [{ status: "failed" }] },
    ]);
  });
});

describe("webhook delivery scenarios", () => {
  it("late_webhook: delivered after lateWebhookDelayMs", async () => {
    const startedAtMs = Date.now();
    const intent = await stripe.paymentIntents.create(
      cardPaymentParams({
        amountMinor: 500,
        currency: "usd",
        number: "4000009900000061",
        reference: nextReference(),
      }),
    );
    await waitForEvents(intent.id, 1);
    const webhook = receiver.received.find((candidate) => candidate.body.includes(intent.id))!;
    expect(webhook.receivedAtMs - startedAtMs).toBeGreaterThanOrEqual(800);
  });

  it("duplicate_webhook: the same event is delivered two or three times", async () => {
    const intent = await stripe.paymentIntents.create(
      cardPaymentParams({
        amountMinor: 500,
        currency: "usd",
        number: "4000009900000079",
        reference: nextReference(),
      }),
    );
    const events = await waitForEvents(intent.id, 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const copies = eventsFor(intent.id);
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(copies.length).toBeLessThanOrEqual(3);
    expect(new Set(copies.map((event) => event.id)).size).toBe(1);
    expect(events[0]!.type).toBe("payment_intent.succeeded");
  });

  it("out_of_order_webhooks: the capture's event overtakes the authorization's", async () => {
    const intent = await stripe.paymentIntents.create(
      cardPaymentParams({
        amountMinor: 500,
        currency: "usd",
        number: "4000009900000087",
        reference: nextReference(),
        capture: "manual",
      }),
    );
    await stripe.paymentIntents.capture(intent.id);
    const events = await waitForEvents(intent.id, 2);
    expect(events.map((event) => event.type)).toEqual([
      "payment_intent.succeeded",
      "payment_intent.amount_capturable_updated",
    ]);
  });
});
