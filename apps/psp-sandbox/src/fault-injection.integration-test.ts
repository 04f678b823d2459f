// Goal: run-time fault modes set over HTTP (latency, injected 5xx, hang after charging, down) hit only the chosen PSP, look to the official SDKs like a real outage, and stop when cleared.
import { randomUUID } from "node:crypto";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SandboxHandle, startSandbox } from "./sandbox-server";
import { adyenCardPayment, sandboxAdyenCheckout } from "./testing/adyen-client";
import { adyenApiLibrary } from "./testing/adyen-loopback-http-client";
import { cardPaymentParams, sandboxStripe } from "./testing/stripe-client";

let sandbox: SandboxHandle;
let stripe: Stripe;
let checkout: ReturnType<typeof sandboxAdyenCheckout>;
let referenceCount = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ hangMs: 1_000, seed: 42 });
  stripe = sandboxStripe(sandbox.port);
  checkout = sandboxAdyenCheckout(sandbox.url);
});

afterEach(async () => {
  const cleared = await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
  expect(cleared.status).toBe(200);
});

afterAll(async () => {
  await sandbox.stop();
});

function nextReference(): string {
  referenceCount += 1;
  return `pay_fault_${referenceCount}`;
}

async function postFaults(body: unknown): Promise<Response> {
  return fetch(`${sandbox.url}/__sandbox/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function stripePayment(reference: string) {
  return cardPaymentParams({ amountMinor: 1_000, currency: "usd", number: "4242424242424242", reference });
}

function adyenPayment(reference: string) {
  return adyenCardPayment({ amountMinor: 1_000, currency: "EUR", number: "4242424242424242", reference });
}

function chargesFor(reference: string) {
  return sandbox.charges().filter((charge) => charge.reference === reference);
}

describe("fault modes", () => {
  it.each(["stripe", "adyen"] as const)("latencyMs slows %s down, and only it", async (psp) => {
    expect((await postFaults({ psp, latencyMs: 600 })).status).toBe(200);
    const timed = async (call: () => Promise<unknown>) => {
      const startedAtMs = performance.now();
      await call();
      return performance.now() - startedAtMs;
    };
    const stripeMs = await timed(() => stripe.paymentIntents.create(stripePayment(nextReference())));
    const adyenMs = await timed(() => checkout.PaymentsApi.payments(adyenPayment(nextReference())));
    const [slowMs, fastMs] = psp === "stripe" ? [stripeMs, adyenMs] : [adyenMs, stripeMs];
    expect(slowMs).toBeGreaterThanOrEqual(590);
    expect(fastMs).toBeLessThan(450);
  });

  it("errorRate=1 answers 500/503 before doing anything, on both PSPs, until cleared", async () => {
    await postFaults({ psp: "stripe", errorRate: 1 });
    await postFaults({ psp: "adyen", errorRate: 1 });
    const stripeReference = nextReference();
    const adyenReference = nextReference();
    const stripeError = await stripe.paymentIntents
      .create(stripePayment(stripeReference), { idempotencyKey: randomUUID() })
      .catch((caught: unknown) => caught);
    expect(stripeError).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect([500, 503]).toContain((stripeError as Stripe.errors.StripeError).statusCode);
    const adyenError = await checkout.PaymentsApi.payments(adyenPayment(adyenReference)).catch(
      (caught: unknown) => caught,
    );
    expect(adyenError).toBeInstanceOf(adyenApiLibrary.HttpClientException);
    expect([500, 503]).toContain((adyenError as { statusCode: number }).statusCode);
    expect(chargesFor(stripeReference)).toHaveLength(0);
    expect(chargesFor(adyenReference)).toHaveLength(0);

    await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    expect((await stripe.paymentIntents.create(stripePayment(stripeReference))).status).toBe("succeeded");
    expect((await checkout.PaymentsApi.payments(adyenPayment(adyenReference))).resultCode).toBe("Authorised");
  });

  it("errorRate=0.5 fails about half the requests, reproducibly for a seed", async () => {
    sandbox.setFaults("stripe", { errorRate: 0.5 });
    const outcomes: string[] = [];
    for (let index = 0; index < 20; index += 1) {
      outcomes.push(
        await stripe.paymentIntents
          .retrieve("pi_missing")
          .then(() => "ok")
          .catch((error: Stripe.errors.StripeError) => String(error.statusCode)),
      );
    }
    const failures = outcomes.filter((outcome) => outcome === "500" || outcome === "503").length;
    expect(failures).toBeGreaterThan(3);
    expect(failures).toBeLessThan(17);
  });

  it("down closes every connection: the SDKs see connection errors, nothing is charged, other PSP unaffected", async () => {
    await postFaults({ psp: "stripe", down: true });
    const reference = nextReference();
    let attempts = 0;
    const countAttempt = () => {
      attempts += 1;
    };
    stripe.on("request", countAttempt);
    const stripeError = await stripe.paymentIntents
      .create(stripePayment(reference), { idempotencyKey: randomUUID() })
      .catch((caught: unknown) => caught);
    stripe.off("request", countAttempt);
    expect(stripeError).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    // stripe-node retries a closed connection (ECONNRESET/EPIPE) once even with maxNetworkRetries: 0.
    expect(attempts).toBe(2);
    expect(chargesFor(reference)).toHaveLength(0);
    expect((await checkout.PaymentsApi.payments(adyenPayment(nextReference()))).resultCode).toBe(
      "Authorised",
    );

    await postFaults({ psp: "adyen", down: true });
    const adyenError = await checkout.PaymentsApi.payments(adyenPayment(reference)).catch(
      (caught: unknown) => caught,
    );
    expect(adyenError).toMatchObject({ name: "ApiException" });
    expect(chargesFor(reference)).toHaveLength(0);

    await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    expect((await stripe.paymentIntents.create(stripePayment(reference))).status).toBe("succeeded");
  });

  it("timeoutRate=1 charges, then holds the answer: the client times out, a retry with the key replays", async () => {
    sandbox.setFaults("stripe", { timeoutRate: 1 });
    const reference = nextReference();
    const idempotencyKey = randomUUID();
    const impatient = sandboxStripe(sandbox.port, { timeoutMs: 300 });
    const error = await impatient.paymentIntents
      .create(stripePayment(reference), { idempotencyKey })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(chargesFor(reference)).toHaveLength(1);
    sandbox.clearFaults();
    const replayed = await impatient.paymentIntents.create(stripePayment(reference), { idempotencyKey });
    expect(replayed.id).toBe(chargesFor(reference)[0]!.pspReference);
    expect(chargesFor(reference)).toHaveLength(1);
  });

  it.each([
    [{ psp: "paypal" }, /psp/],
    [{ psp: "stripe", errorRate: 2 }, /errorRate/],
    [{ psp: "adyen", latencyMs: -1 }, /latencyMs/],
    [{ psp: "adyen", down: "yes" }, /down/],
  ])("refuses invalid faults %o with 400", async (body, message) => {
    const response = await postFaults(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });
});

describe("control endpoints", () => {
  it("GET /__sandbox/charges lists the ledger with amounts as digit strings; POST /__sandbox/reset empties it", async () => {
    const reference = nextReference();
    await stripe.paymentIntents.create(stripePayment(reference));
    const listed = (await (
      await fetch(`${sandbox.url}/__sandbox/charges?reference=${reference}`)
    ).json()) as Record<string, unknown>[];
    expect(listed).toMatchObject([{ psp: "stripe", reference, amountMinor: "1000", capturedMinor: "1000" }]);
    expect((await fetch(`${sandbox.url}/__sandbox/reset`, { method: "POST" })).status).toBe(200);
    expect(sandbox.charges()).toEqual([]);
  });
});
