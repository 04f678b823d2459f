// Goal: a checkout session is created from an amount or line items with bounded, validated input; the hosted
// page's payment goes through the payment commands and completes the session only on the payment's own
// outcome; a declined card leaves it open for another try; completed and expired sessions refuse payment with
// typed errors; a wrong page token finds nothing; the expiry sweep closes unpaid sessions with an outbox event.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { PaymentCommands } from "../payments/payment-commands";
import { InMemoryCheckoutSessionStore } from "../testing/in-memory-checkout-session-store";
import { paymentKit, TEST_NOW } from "../testing/payment-test-kit";
import {
  CHECKOUT_ATTEMPTS_MAX,
  CheckoutCommands,
  type CreateCheckoutSessionInput,
} from "./checkout-commands";

const CARD = { number: "4242424242424242", expMonth: 12, expYear: 2030, cvc: "123" };
let keys = 0;
const key = () => `key-${++keys}`;

function setup() {
  const kit = paymentKit();
  let now = new Date(TEST_NOW.getTime());
  const clock = () => new Date(now.getTime());
  const store = new InMemoryCheckoutSessionStore(clock);
  const completed: string[] = [];
  const checkout = new CheckoutCommands({
    store,
    idempotency: kit.deps.idempotency,
    payments: new PaymentCommands(kit.deps),
    paymentReader: kit.store,
    now: clock,
    onCompleted: async (session) => {
      completed.push(session.id);
    },
  });
  const actor = {
    merchantId: kit.actor.merchantId,
    mode: "TEST" as const,
    name: "key:test",
    source: "API" as const,
  };
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  return { kit, store, checkout, actor, advance, completed };
}

const BASE: Omit<CreateCheckoutSessionInput, "idempotencyKey"> = {
  currency: "EUR",
  amount: "2500",
  successUrl: "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}",
  cancelUrl: "https://shop.example/cart",
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error("expected a DomainError");
}

describe("checkout sessions", () => {
  it("creates a session from line items with their exact total, idempotently", async () => {
    const { checkout, actor } = setup();
    const input = {
      ...BASE,
      idempotencyKey: key(),
      amount: null,
      currency: "JPY",
      lineItems: [
        { description: "Tea", quantity: 3, unitAmount: "1200" },
        { description: "Cup", quantity: 1, unitAmount: "0" },
      ],
    };
    const first = await checkout.create(actor, input);
    expect(first.value).toMatchObject({ status: "OPEN", amountMinor: 3600n, currency: "JPY", attempts: 0 });
    expect(first.value.expiresAt.getTime() - TEST_NOW.getTime()).toBe(3600_000);
    const again = await checkout.create(actor, input);
    expect(again.replayed).toBe(true);
    expect(again.value.id).toBe(first.value.id);
  });

  it.each([
    [{ amount: null }, "INVALID_INPUT"],
    [{ lineItems: [{ description: "x", quantity: 1, unitAmount: "1" }] }, "INVALID_INPUT"],
    [{ amount: "0" }, "AMOUNT_INVALID"],
    [{ currency: "XXQ" }, "CURRENCY_INVALID"],
    [{ successUrl: "javascript:alert(1)" }, "INVALID_INPUT"],
    [{ successUrl: "https://user:pw@shop.example/" }, "INVALID_INPUT"],
    [{ cancelUrl: `https://shop.example/${"a".repeat(2100)}` }, "INVALID_INPUT"],
    [{ expiresInSeconds: 60 }, "INVALID_INPUT"],
    [{ expiresInSeconds: 90_000 }, "INVALID_INPUT"],
    [{ paymentMethodTypes: ["CASH"] }, "INVALID_INPUT"],
    [{ customerEmail: "not an email" }, "INVALID_INPUT"],
  ] as const)("refuses %j with %s and writes nothing", async (change, code) => {
    const { checkout, actor, store } = setup();
    expect(await codeOf(checkout.create(actor, { ...BASE, idempotencyKey: key(), ...change }))).toBe(code);
    expect(store.sessions.size).toBe(0);
  });

  it("requires https success and cancel URLs in live mode", async () => {
    const { checkout, actor } = setup();
    const live = { ...actor, mode: "LIVE" as const };
    const input = { ...BASE, idempotencyKey: key(), successUrl: "http://shop.example/thanks" };
    expect(await codeOf(checkout.create(live, input))).toBe("INVALID_INPUT");
    await expect(checkout.create(actor, { ...input, idempotencyKey: key() })).resolves.toBeDefined();
  });

  it("completes on the payment's server-side outcome and then refuses a second payment", async () => {
    const { checkout, actor, kit, store, completed } = setup();
    kit.psp.answer("authorize", { outcome: "succeeded", pspReference: "r1" });
    const { value: session } = await checkout.create(actor, {
      ...BASE,
      idempotencyKey: key(),
      customerEmail: "a@shop.example",
    });
    expect(await codeOf(checkout.pay(session.id, "wrong-token", CARD))).toBe("CHECKOUT_SESSION_NOT_FOUND");
    const paid = await checkout.pay(session.id, session.accessToken, CARD);
    expect(paid.outcome).toBe("COMPLETE");
    expect(paid.payment).toMatchObject({ status: "CAPTURED", amountMinor: 2500n });
    expect(paid.session).toMatchObject({
      status: "COMPLETE",
      paymentId: paid.payment?.id,
      attemptInFlight: false,
    });
    expect(store.outbox.map((m) => m.topic)).toEqual(["checkout.session.completed"]);
    expect(completed).toEqual([session.id]);
    expect(await codeOf(checkout.pay(session.id, session.accessToken, CARD))).toBe(
      "CHECKOUT_SESSION_COMPLETED",
    );
    expect(kit.psp.count("authorize")).toBe(1);
  });

  it("leaves a declined session open for another card, up to the attempt limit", async () => {
    const { checkout, actor, kit } = setup();
    kit.psp.answer("authorize", { outcome: "declined", code: "card_declined", message: "no" });
    const { value: session } = await checkout.create(actor, { ...BASE, idempotencyKey: key() });
    const declined = await checkout.pay(session.id, session.accessToken, CARD);
    expect(declined).toMatchObject({ outcome: "DECLINED", session: { status: "OPEN", attempts: 1 } });
    for (let i = 1; i < CHECKOUT_ATTEMPTS_MAX; i++) await checkout.pay(session.id, session.accessToken, CARD);
    expect(await codeOf(checkout.pay(session.id, session.accessToken, CARD))).toBe(
      "CHECKOUT_ATTEMPTS_EXCEEDED",
    );
    expect(kit.psp.count("authorize")).toBe(CHECKOUT_ATTEMPTS_MAX);
  });

  it("refuses a bad card without charging and frees the session for a retry", async () => {
    const { checkout, actor, kit } = setup();
    kit.psp.answer("authorize", { outcome: "succeeded", pspReference: "r1" });
    const { value: session } = await checkout.create(actor, { ...BASE, idempotencyKey: key() });
    expect(
      await codeOf(checkout.pay(session.id, session.accessToken, { ...CARD, number: "4242424242424241" })),
    ).not.toBe("CHECKOUT_SESSION_BUSY");
    expect((await checkout.pay(session.id, session.accessToken, CARD)).outcome).toBe("COMPLETE");
  });

  it("keeps an unknown outcome in flight: no second payment starts", async () => {
    const { checkout, actor, kit } = setup();
    kit.psp.answer("authorize", "throw");
    const { value: session } = await checkout.create(actor, { ...BASE, idempotencyKey: key() });
    const first = await checkout.pay(session.id, session.accessToken, CARD);
    expect(first).toMatchObject({ outcome: "PROCESSING", session: { attemptInFlight: true } });
    expect(await codeOf(checkout.pay(session.id, session.accessToken, CARD))).toBe("CHECKOUT_SESSION_BUSY");
  });

  it("settles a session whose unknown outcome was decided later, instead of expiring it", async () => {
    const { checkout, actor, kit, advance, store, completed } = setup();
    kit.psp.answer("authorize", "throw");
    const { value: session } = await checkout.create(actor, {
      ...BASE,
      idempotencyKey: key(),
      expiresInSeconds: 1800,
    });
    const first = await checkout.pay(session.id, session.accessToken, CARD);
    const paymentId = first.payment?.id as string;
    advance(1800_000);
    // Still undecided: the session is neither expired nor released.
    expect(await checkout.expireDue()).toEqual({ expired: 0 });
    expect(store.sessions.get(session.id)).toMatchObject({ status: "OPEN", attemptInFlight: true });
    // The resolver decided it meanwhile (the in-memory store's record stands for the resolver's write).
    const payments = (kit.store as unknown as { payments: Map<string, { status: string }> }).payments;
    payments.set(paymentId, { ...(payments.get(paymentId) as { status: string }), status: "AUTHORIZED" });
    expect(await checkout.expireDue()).toEqual({ expired: 0 });
    expect(store.sessions.get(session.id)).toMatchObject({ status: "COMPLETE", paymentId });
    expect(completed).toEqual([session.id]);
  });

  it("expires unpaid sessions after their time, and an expired session refuses payment", async () => {
    const { checkout, actor, advance, store } = setup();
    const { value: session } = await checkout.create(actor, {
      ...BASE,
      idempotencyKey: key(),
      expiresInSeconds: 1800,
    });
    expect(await checkout.expireDue()).toEqual({ expired: 0 });
    advance(1800_000);
    expect(await checkout.expireDue()).toEqual({ expired: 1 });
    expect(store.sessions.get(session.id)?.status).toBe("EXPIRED");
    expect(store.outbox.map((m) => m.topic)).toEqual(["checkout.session.expired"]);
    expect(await codeOf(checkout.pay(session.id, session.accessToken, CARD))).toBe(
      "CHECKOUT_SESSION_EXPIRED",
    );
  });

  it("reads only the merchant's own sessions", async () => {
    const { checkout, actor } = setup();
    const { value: session } = await checkout.create(actor, { ...BASE, idempotencyKey: key() });
    await expect(checkout.get(actor, session.id)).resolves.toMatchObject({ id: session.id });
    const other = { ...actor, merchantId: `mer_01J0000000000000000000000X` as typeof actor.merchantId };
    expect(await codeOf(checkout.get(other, session.id))).toBe("CHECKOUT_SESSION_NOT_FOUND");
    expect(await codeOf(checkout.get({ ...actor, mode: "LIVE" }, session.id))).toBe(
      "CHECKOUT_SESSION_NOT_FOUND",
    );
  });
});
