// Goal: PSP webhooks are verified on the raw body before anything is stored:
// events signed by the official SDKs are accepted once, and tampered, stale,
// future-dated (including behind a second timestamp) or unsigned ones are
// refused with nothing written.
import { hmacValidator } from "@adyen/api-library";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../testing/test-app";
import { replayDeadLetter } from "./replay";

const STRIPE_SECRET = "whsec_test_signatures_0123456789abcdef";
const ADYEN_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
const stripe = new Stripe("sk_test_signing_only");

let t: TestApp;
beforeAll(async () => {
  // The sandbox URL is never called by these tests: events name no payment we know, so nothing is fetched.
  t = await createTestApp({
    pspSandboxUrl: "http://127.0.0.1:9",
    stripeWebhookSecret: STRIPE_SECRET,
    adyenHmacKeyHex: ADYEN_KEY,
  });
});
afterAll(async () => {
  await t.close();
});

function post(psp: string, body: string, headers: Record<string, string> = {}) {
  return t.app.http.fetch(`http://localhost/webhooks/${psp}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

function stripeEvent(id: string) {
  return JSON.stringify({
    id,
    object: "event",
    type: "refund.updated",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: "re_unknown",
        object: "refund",
        status: "succeeded",
        payment_intent: "pi_unknown",
        amount: 100,
      },
    },
  });
}

describe("Stripe-Signature", () => {
  it("accepts an event signed by the SDK once, and stores a redelivery only once", async () => {
    const payload = stripeEvent("evt_signed_1");
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const first = await post("stripe", payload, { "stripe-signature": header });
    expect(first.status).toBe(200);
    const again = await post("stripe", payload, { "stripe-signature": header });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await t.app.db.pspWebhookEvent.count({ where: { eventId: "evt_signed_1" } })).toBe(1);
    // It names a payment we do not know: kept for operators, not lost.
    const letter = await t.app.db.deadLetter.findFirstOrThrow({ where: { reference: "pi_unknown" } });
    expect(letter.reason).toMatch(/no payment/);
    // Replaying before the cause is fixed changes nothing and says why.
    expect(await replayDeadLetter(t.app.services, letter.id)).toMatchObject({
      applied: 0,
      stillFailing: ["unknown_payment"],
    });
    expect((await t.app.db.deadLetter.findUniqueOrThrow({ where: { id: letter.id } })).replayedAt).toBeNull();
  });

  it.each([
    [
      "a tampered body",
      (payload: string, header: string) => ({ body: payload.replace("succeeded", "failed"), header }),
    ],
    [
      "a wrong secret",
      (payload: string) => ({
        body: payload,
        header: stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_other" }),
      }),
    ],
    [
      "a stale timestamp",
      (payload: string) => ({
        body: payload,
        header: stripe.webhooks.generateTestHeaderString({
          payload,
          secret: STRIPE_SECRET,
          timestamp: Math.floor(Date.now() / 1000) - 3600,
        }),
      }),
    ],
    [
      "a future timestamp",
      (payload: string) => ({
        body: payload,
        header: stripe.webhooks.generateTestHeaderString({
          payload,
          secret: STRIPE_SECRET,
          timestamp: Math.floor(Date.now() / 1000) + 3600,
        }),
      }),
    ],
    [
      "two timestamps: a validly signed old one and a future one it was signed with",
      (payload: string) => {
        // The SDK verifies with the last `t=` and never refuses a future one; the old check read the first.
        const future = Math.floor(Date.now() / 1000) + 3600;
        const signed = stripe.webhooks.generateTestHeaderString({
          payload,
          secret: STRIPE_SECRET,
          timestamp: future,
        });
        return { body: payload, header: `t=${Math.floor(Date.now() / 1000)},${signed}` };
      },
    ],
    [
      "two timestamps, both current",
      (payload: string, header: string) => ({ body: payload, header: `${header.split(",")[0]},${header}` }),
    ],
    [
      "a timestamp just past the tolerance in the future",
      (payload: string) => ({
        body: payload,
        header: stripe.webhooks.generateTestHeaderString({
          payload,
          secret: STRIPE_SECRET,
          timestamp: Math.floor(Date.now() / 1000) + 310,
        }),
      }),
    ],
    [
      "a malformed timestamp",
      (payload: string, header: string) => ({ body: payload, header: header.replace(/^t=/, "t=1e9") }),
    ],
    ["no signature", (payload: string) => ({ body: payload, header: "" })],
  ])("refuses %s and writes nothing", async (_name, make) => {
    const payload = stripeEvent(`evt_bad_${Math.random().toString(36).slice(2)}`);
    const good = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const { body, header } = make(payload, good);
    const before = await t.app.db.pspWebhookEvent.count();
    const response = await post("stripe", body, header ? { "stripe-signature": header } : {});
    expect(response.status).toBe(400);
    expect(await t.app.db.pspWebhookEvent.count()).toBe(before);
  });
});

describe("signed but unreadable", () => {
  // Signed with the right secret, so only the PSP (or its key's holder) could send them; each used to be a 500 or a
  // 503 that the PSP redelivers for days. Now 400, and nothing stored or dead-lettered.
  const event = (fields: Record<string, unknown>) =>
    JSON.stringify({ object: "event", created: Math.floor(Date.now() / 1000), ...fields });
  const intent = { object: { id: "pi_unknown", object: "payment_intent" } };
  it.each([
    ["null", "null"],
    ["an array", "[]"],
    ["a number", "1"],
    ["an empty object", "{}"],
    ["a numeric id", event({ id: 1, type: "payment_intent.succeeded", data: intent })],
    ["no type", event({ id: "evt_unreadable_1", data: intent })],
    ["data null", event({ id: "evt_unreadable_2", type: "payment_intent.succeeded", data: null })],
    [
      "data.object null",
      event({ id: "evt_unreadable_3", type: "payment_intent.succeeded", data: { object: null } }),
    ],
    ["a NUL in the id", event({ id: "evt_\u0000", type: "payment_intent.succeeded", data: intent })],
    [
      "a NUL in the object",
      event({
        id: "evt_unreadable_4",
        type: "payment_intent.succeeded",
        data: { object: { id: "pi_\u0000" } },
      }),
    ],
    [
      "an id of 300 characters",
      event({ id: `evt_${"x".repeat(296)}`, type: "payment_intent.succeeded", data: intent }),
    ],
  ])("refuses a Stripe event with %s: 400, nothing stored", async (_name, payload) => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const [events, letters] = [await t.app.db.pspWebhookEvent.count(), await t.app.db.deadLetter.count()];
    const response = await post("stripe", payload, { "stripe-signature": header });
    expect(response.status, await response.text()).toBe(400);
    expect(await t.app.db.pspWebhookEvent.count()).toBe(events);
    expect(await t.app.db.deadLetter.count()).toBe(letters);
  });

  it.each([
    ["a dispute with a numeric id", "charge.dispute.created", { object: "dispute", id: 5, amount: "x" }],
    [
      "a charge whose refunds are not a list",
      "charge.refunded",
      { object: "charge", refunds: { data: "x" } },
    ],
    ["a charge with a null refund", "charge.refunded", { object: "charge", refunds: { data: [null] } }],
    [
      "a refund with a numeric id",
      "refund.updated",
      { object: "refund", id: 5, status: "succeeded", payment_intent: "pi_unknown" },
    ],
  ])(
    "stores %s once and answers 200 (it used to be a 500 or 503 on every redelivery)",
    async (_name, type, object) => {
      const id = `evt_odd_${Math.random().toString(36).slice(2)}`;
      const payload = event({ id, type, data: { object } });
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
      const response = await post("stripe", payload, { "stripe-signature": header });
      expect(response.status, await response.text()).toBe(200);
      const stored = await t.app.db.pspWebhookEvent.findFirstOrThrow({ where: { eventId: id } });
      expect(stored.processedAt).not.toBeNull();
    },
  );

  it("refuses a signed Adyen item with a NUL in its reference: 400, nothing stored", async () => {
    const item = {
      eventCode: "REFUND",
      success: "true",
      pspReference: "ADY_\u0000",
      originalReference: "ADY_UNKNOWN",
      merchantAccountCode: "PaycoreTest",
      merchantReference: "att_x",
      amount: { value: 100, currency: "EUR" },
    };
    const hmacSignature = new hmacValidator().calculateHmac(item as never, ADYEN_KEY);
    const body = JSON.stringify({
      live: "false",
      notificationItems: [{ NotificationRequestItem: { ...item, additionalData: { hmacSignature } } }],
    });
    const events = await t.app.db.pspWebhookEvent.count();
    const response = await post("adyen", body);
    expect(response.status, await response.text()).toBe(400);
    expect(await t.app.db.pspWebhookEvent.count()).toBe(events);
  });
});

describe("Adyen HMAC", () => {
  const item = {
    eventCode: "REFUND",
    success: "true",
    pspReference: "ADY_MOD_1",
    originalReference: "ADY_UNKNOWN",
    merchantAccountCode: "PaycoreTest",
    merchantReference: "att_x",
    amount: { value: 100, currency: "EUR" },
    eventDate: new Date().toISOString(),
  };
  const signed = (key: string, overrides: Record<string, unknown> = {}) => {
    const notification = { ...item, ...overrides };
    const hmacSignature = new hmacValidator().calculateHmac(notification as never, key);
    return JSON.stringify({
      live: "false",
      notificationItems: [
        { NotificationRequestItem: { ...notification, additionalData: { hmacSignature } } },
      ],
    });
  };

  it("accepts a notification signed with the shared key and answers [accepted]", async () => {
    const response = await post("adyen", signed(ADYEN_KEY));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("[accepted]");
    expect(
      await t.app.db.pspWebhookEvent.count({ where: { pspName: "adyen", eventId: "REFUND:ADY_MOD_1:true" } }),
    ).toBe(1);
  });

  it("refuses a notification signed with another key, or changed after signing, and writes nothing", async () => {
    const before = await t.app.db.pspWebhookEvent.count();
    const otherKey = await post("adyen", signed("00".repeat(32), { pspReference: "ADY_MOD_2" }));
    expect(otherKey.status).toBe(401);
    const tampered = signed(ADYEN_KEY, { pspReference: "ADY_MOD_3" }).replace('"value":100', '"value":999');
    expect((await post("adyen", tampered)).status).toBe(401);
    expect(await t.app.db.pspWebhookEvent.count()).toBe(before);
  });

  it("refuses unknown PSPs and methods other than POST", async () => {
    expect((await post("paypal", "{}")).status).toBe(404);
    expect((await t.app.http.fetch("http://localhost/webhooks/stripe", { method: "GET" })).status).toBe(405);
  });
});
