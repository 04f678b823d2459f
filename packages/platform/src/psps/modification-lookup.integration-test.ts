// Goal: the PSP adapters' lookup of a modification the PSP acknowledged, against
// the sandbox PSP server through the official SDKs, answers what the PSP decided:
// Stripe's refund by its id and its capture or cancellation by the
// PaymentIntent, "pending" while a refund is undecided; Adyen, which has no
// such lookup, "unknown", so that only its notification decides.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ModificationQuery, PspOutcome } from "@paycore/core/psp/psp-port";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdyenPsp } from "./adyen/adyen-psp";
import { StripePsp } from "./stripe/stripe-psp";

/** Approved; its refunds are accepted, then fail (Stripe: pending, then failed). */
const REFUND_FAILS_CARD = "4000009900000103";
const APPROVED_CARD = "4242424242424242";
const FOLLOW_UP_FAILURE_DELAY_MS = 100;

let sandbox: SandboxHandle;
let stripe: StripePsp;
let adyen: AdyenPsp;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    seed: 11,
    timings: { followUpFailureDelayMs: FOLLOW_UP_FAILURE_DELAY_MS, modificationDelayMs: 50 },
  });
  const url = new URL(sandbox.url);
  stripe = new StripePsp({
    secretKey: "sk_test_lookup",
    host: url.hostname,
    port: Number(url.port),
    protocol: "http",
    timeoutMs: 2_000,
  });
  adyen = new AdyenPsp({
    apiKey: "adyen_test_lookup",
    merchantAccount: "PaycoreTest",
    baseUrl: `${sandbox.url}/adyen`,
    timeoutMs: 2_000,
  });
});
afterAll(async () => {
  await sandbox?.stop();
});

async function authorize(number: string, capture: boolean): Promise<string> {
  const outcome = await stripe.authorize({
    idempotencyKey: randomUUID(),
    reference: `pay_${randomUUID()}`,
    amountMinor: 5_000n,
    currency: "USD",
    card: { number, expMonth: 12, expYear: 2035 },
    capture,
  });
  if (outcome.outcome !== "succeeded") throw new Error(`not authorized: ${JSON.stringify(outcome)}`);
  return outcome.pspReference;
}

function query(
  operation: ModificationQuery["operation"],
  paymentPspReference: string,
  modificationReference: string | null,
): ModificationQuery {
  return { operation, idempotencyKey: randomUUID(), paymentPspReference, modificationReference };
}

function referenceOf(outcome: PspOutcome): string {
  if (outcome.outcome !== "succeeded" && outcome.outcome !== "pending")
    throw new Error(`no reference: ${JSON.stringify(outcome)}`);
  return outcome.pspReference;
}

describe("Stripe: lookupModification", () => {
  it("a refund that succeeded is found succeeded, by its own id", async () => {
    const payment = await authorize(APPROVED_CARD, true);
    const refund = await stripe.refund({
      idempotencyKey: randomUUID(),
      pspReference: payment,
      amountMinor: 1_000n,
      currency: "USD",
    });
    const refundId = referenceOf(refund);
    expect(await stripe.lookupModification(query("refund", payment, refundId))).toEqual({
      outcome: "succeeded",
      pspReference: refundId,
    });
  });

  it("a refund the PSP accepted is pending until it decides, then failed", async () => {
    const payment = await authorize(REFUND_FAILS_CARD, true);
    const refund = await stripe.refund({
      idempotencyKey: randomUUID(),
      pspReference: payment,
      amountMinor: 1_000n,
      currency: "USD",
    });
    expect(refund.outcome).toBe("pending");
    const refundId = referenceOf(refund);
    expect(await stripe.lookupModification(query("refund", payment, refundId))).toEqual({
      outcome: "pending",
      pspReference: refundId,
    });
    let looked: PspOutcome = { outcome: "unknown", message: "not looked up" };
    for (let i = 0; i < 50 && looked.outcome !== "failed"; i++) {
      await sleep(FOLLOW_UP_FAILURE_DELAY_MS);
      looked = await stripe.lookupModification(query("refund", payment, refundId));
    }
    expect(looked).toMatchObject({ outcome: "failed", retryable: false });
  });

  it("a refund whose id was never learnt cannot be looked up", async () => {
    expect(await stripe.lookupModification(query("refund", "pi_unknown", null))).toMatchObject({
      outcome: "unknown",
    });
  });

  it.each([
    ["capture", "an authorization still to capture is pending, a captured one succeeded"],
    ["void", "an authorization still open is pending, a cancelled one succeeded"],
  ] as const)("%s: %s", async (operation, _story) => {
    const payment = await authorize(APPROVED_CARD, false);
    expect(await stripe.lookupModification(query(operation, payment, null))).toEqual({
      outcome: "pending",
      pspReference: payment,
    });
    const done =
      operation === "capture"
        ? await stripe.capture({
            idempotencyKey: randomUUID(),
            pspReference: payment,
            amountMinor: 5_000n,
            currency: "USD",
          })
        : await stripe.void({ idempotencyKey: randomUUID(), pspReference: payment, currency: "USD" });
    expect(done.outcome).toBe("succeeded");
    expect(await stripe.lookupModification(query(operation, payment, null))).toEqual({
      outcome: "succeeded",
      pspReference: payment,
    });
  });

  it("a capture looked up on a cancelled authorization failed", async () => {
    const payment = await authorize(APPROVED_CARD, false);
    await stripe.void({ idempotencyKey: randomUUID(), pspReference: payment, currency: "USD" });
    expect(await stripe.lookupModification(query("capture", payment, null))).toMatchObject({
      outcome: "failed",
      code: "status_canceled",
    });
  });
});

describe("Adyen: lookupModification", () => {
  it.each(["capture", "void", "refund"] as const)("%s: cannot be looked up (unknown)", async (operation) => {
    expect(await adyen.lookupModification(query(operation, "8815000000000000", null))).toMatchObject({
      outcome: "unknown",
    });
  });
});
