// Goal: webhooks are retried with backoff until the receiver accepts them (Stripe: any 2xx; Adyen: "[accepted]"), re-signed on each attempt, and given up after a bounded number of attempts.
import { hmacValidator, type Types } from "@adyen/api-library";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SandboxHandle, startSandbox } from "./sandbox-server";
import { adyenCardPayment, sandboxAdyenCheckout } from "./testing/adyen-client";
import { cardPaymentParams, sandboxStripe } from "./testing/stripe-client";
import { startWebhookReceiver, type WebhookReceiver } from "./testing/webhook-receiver";

const STRIPE_SECRET = "whsec_delivery_test";
const HMAC_KEY_HEX = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";

let sandbox: SandboxHandle;
let receiver: WebhookReceiver;
let referenceCount = 0;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startSandbox({
    webhookRetry: { attemptsMax: 4, initialDelayMs: 50, maxDelayMs: 200, timeoutMs: 1_000 },
  });
  // Configured at run time, as a test harness or `npm start` would.
  const configured = await fetch(`${sandbox.url}/__sandbox/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      stripe: { url: `${receiver.url}/stripe`, secret: STRIPE_SECRET },
      adyen: { url: `${receiver.url}/adyen`, hmacKeyHex: HMAC_KEY_HEX },
    }),
  });
  expect(configured.status).toBe(200);
});

afterEach(() => {
  receiver.respondWith(() => ({ status: 200, body: "[accepted]" }));
});

afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
});

function nextReference(): string {
  referenceCount += 1;
  return `pay_delivery_${referenceCount}`;
}

function deliveriesOf(paymentPspReference: string) {
  return sandbox
    .webhookDeliveries()
    .filter((delivery) => delivery.paymentPspReference === paymentPspReference);
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("webhook delivery", () => {
  it("retries a Stripe webhook after 500s, signing each attempt so every copy verifies", async () => {
    let stripeAttempts = 0;
    receiver.respondWith((webhook) => {
      if (webhook.path !== "/stripe") return { status: 200, body: "[accepted]" };
      stripeAttempts += 1;
      return stripeAttempts <= 2 ? { status: 500, body: "busy" } : { status: 200, body: "" };
    });
    const stripe = sandboxStripe(sandbox.port);
    const intent = await stripe.paymentIntents.create(
      cardPaymentParams({
        amountMinor: 300,
        currency: "usd",
        number: "4242424242424242",
        reference: nextReference(),
      }),
    );
    await until(() => deliveriesOf(intent.id)[0]?.status === "delivered");
    expect(deliveriesOf(intent.id)).toMatchObject([
      { attempts: 3, lastStatusCode: 200, eventType: "payment_intent.succeeded" },
    ]);
    const copies = receiver.received.filter((webhook) => webhook.body.includes(intent.id));
    expect(copies).toHaveLength(3);
    const events = copies.map((webhook) =>
      Stripe.webhooks.constructEvent(
        webhook.body,
        webhook.headers["stripe-signature"] as string,
        STRIPE_SECRET,
      ),
    );
    expect(new Set(events.map((event) => event.id)).size).toBe(1);
  });

  it("retries an Adyen notification until the receiver answers [accepted]", async () => {
    let adyenAttempts = 0;
    receiver.respondWith(() => {
      adyenAttempts += 1;
      return adyenAttempts === 1 ? { status: 200, body: "ok" } : { status: 200, body: "[accepted]" };
    });
    const checkout = sandboxAdyenCheckout(sandbox.url);
    const payment = await checkout.PaymentsApi.payments(
      adyenCardPayment({
        amountMinor: 300,
        currency: "EUR",
        number: "4242424242424242",
        reference: nextReference(),
        manualCapture: true,
      }),
    );
    const pspReference = payment.pspReference!;
    await until(() => deliveriesOf(pspReference)[0]?.status === "delivered");
    expect(deliveriesOf(pspReference)).toMatchObject([{ attempts: 2, eventType: "AUTHORISATION" }]);
    const copies = receiver.received.filter((webhook) => webhook.body.includes(pspReference));
    for (const copy of copies) {
      const item = JSON.parse(copy.body).notificationItems[0]
        .NotificationRequestItem as Types.notification.NotificationRequestItem;
      expect(new hmacValidator().validateHMAC(item, HMAC_KEY_HEX)).toBe(true);
    }
  });

  it("gives up after attemptsMax when the receiver keeps failing", async () => {
    receiver.respondWith(() => ({ status: 503, body: "down" }));
    const stripe = sandboxStripe(sandbox.port);
    const intent = await stripe.paymentIntents.create(
      cardPaymentParams({
        amountMinor: 300,
        currency: "usd",
        number: "4242424242424242",
        reference: nextReference(),
      }),
    );
    await until(() => deliveriesOf(intent.id)[0]?.status === "failed");
    expect(deliveriesOf(intent.id)).toMatchObject([{ attempts: 4, lastStatusCode: 503 }]);
    expect(receiver.received.filter((webhook) => webhook.body.includes(intent.id))).toHaveLength(4);
  });

  it("retries on connection errors, and the deliveries are listed at /__sandbox/webhooks/deliveries", async () => {
    const unreachable = await startWebhookReceiver();
    const unreachableUrl = unreachable.url;
    await unreachable.close();
    sandbox.configureWebhooks({ stripe: { url: `${unreachableUrl}/stripe`, secret: STRIPE_SECRET } });
    try {
      const stripe = sandboxStripe(sandbox.port);
      const intent = await stripe.paymentIntents.create(
        cardPaymentParams({
          amountMinor: 300,
          currency: "usd",
          number: "4242424242424242",
          reference: nextReference(),
        }),
      );
      await until(() => deliveriesOf(intent.id)[0]?.status === "failed");
      const listed = (await (await fetch(`${sandbox.url}/__sandbox/webhooks/deliveries`)).json()) as {
        paymentPspReference: string;
        attempts: number;
        lastError: string;
      }[];
      const delivery = listed.find((candidate) => candidate.paymentPspReference === intent.id)!;
      expect(delivery.attempts).toBe(4);
      expect(delivery.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    } finally {
      sandbox.configureWebhooks({ stripe: { url: `${receiver.url}/stripe`, secret: STRIPE_SECRET } });
    }
  });
});
