// Goal: the official @adyen/api-library drives the sandbox's Adyen-style API end to end — every test card, asynchronous modifications confirmed by HMAC-signed notifications, idempotency and the failure scenarios — and the sandbox's ledger agrees.
import { randomUUID } from "node:crypto";
import { hmacValidator, type Types } from "@adyen/api-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdyenNotificationItem } from "./adyen-api";
import { type SandboxHandle, startSandbox } from "./sandbox-server";
import { ADYEN_MERCHANT_ACCOUNT, adyenCardPayment, sandboxAdyenCheckout } from "./testing/adyen-client";
import { adyenApiLibrary } from "./testing/adyen-loopback-http-client";
import { startWebhookReceiver, type WebhookReceiver } from "./testing/webhook-receiver";

const HMAC_KEY_HEX = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
const { HttpClientException } = adyenApiLibrary;

let sandbox: SandboxHandle;
let receiver: WebhookReceiver;
let checkout: ReturnType<typeof sandboxAdyenCheckout>;
let referenceCount = 0;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startSandbox({
    webhooks: { adyen: { url: `${receiver.url}/adyen`, hmacKeyHex: HMAC_KEY_HEX } },
    hangMs: 1_500,
    timings: {
      asyncOutcomeDelayMs: 150,
      modificationDelayMs: 50,
      followUpFailureDelayMs: 150,
      lateWebhookDelayMs: 800,
      outOfOrderWindowMs: 300,
    },
  });
  checkout = sandboxAdyenCheckout(sandbox.url);
});

afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
});

function nextReference(): string {
  referenceCount += 1;
  return `pay_adyen_${referenceCount}`;
}

/** Notification items about one payment, each checked with the library's validateHMAC. */
function notificationsFor(paymentPspReference: string): AdyenNotificationItem[] {
  const validator = new hmacValidator();
  return receiver.received
    .filter((webhook) => webhook.path === "/adyen")
    .map((webhook) => {
      const payload = JSON.parse(webhook.body) as {
        live: string;
        notificationItems: { NotificationRequestItem: AdyenNotificationItem }[];
      };
      expect(payload.live).toBe("false");
      return payload.notificationItems[0]!.NotificationRequestItem;
    })
    .filter(
      (item) => item.pspReference === paymentPspReference || item.originalReference === paymentPspReference,
    )
    .map((item) => {
      const valid = validator.validateHMAC(
        item as unknown as Types.notification.NotificationRequestItem,
        HMAC_KEY_HEX,
      );
      expect(valid, `HMAC of ${item.eventCode} ${item.pspReference}`).toBe(true);
      return item;
    });
}

async function waitForNotifications(pspReference: string, count: number): Promise<AdyenNotificationItem[]> {
  await receiver.waitFor(() => notificationsFor(pspReference).length >= count, 5_000);
  return notificationsFor(pspReference);
}

function summary(items: AdyenNotificationItem[]): string[] {
  return items.map((item) => `${item.eventCode}:${item.success}`);
}

function chargesFor(reference: string) {
  return sandbox.charges().filter((charge) => charge.reference === reference);
}

async function authorise(
  number: string,
  amountMinor: number,
  options: { manualCapture?: boolean; currency?: string } = {},
) {
  const reference = nextReference();
  const response = await checkout.PaymentsApi.payments(
    adyenCardPayment({
      amountMinor,
      currency: options.currency ?? "EUR",
      number,
      reference,
      manualCapture: options.manualCapture,
    }),
    { idempotencyKey: randomUUID() },
  );
  return { reference, response, pspReference: response.pspReference! };
}

describe("test cards", () => {
  it.each(["4242424242424242", "5555555555554444", "4111111111111111"])(
    "%s is Authorised and captured at once (AUTHORISATION then CAPTURE)",
    async (number) => {
      const { reference, response, pspReference } = await authorise(number, 2_500);
      expect(response).toMatchObject({
        resultCode: "Authorised",
        merchantReference: reference,
        amount: { value: 2_500, currency: "EUR" },
      });
      expect(pspReference).toMatch(/^[A-Z0-9]{16}$/);
      const items = await waitForNotifications(pspReference, 2);
      expect(summary(items)).toEqual(["AUTHORISATION:true", "CAPTURE:true"]);
      expect(items[0]).toMatchObject({
        merchantAccountCode: ADYEN_MERCHANT_ACCOUNT,
        merchantReference: reference,
        amount: { value: 2_500 },
      });
      expect(items[1]).toMatchObject({
        originalReference: pspReference,
        amount: { value: 2_500, currency: "EUR" },
      });
      expect(chargesFor(reference)).toMatchObject([
        { psp: "adyen", status: "captured", capturedMinor: 2_500n },
      ]);
    },
  );

  it.each([
    ["4000000000000002", "Refused", "2", "declined"],
    ["4000000000009995", "Not enough balance", "12", "declined"],
    ["4000000000000069", "Expired Card", "6", "declined"],
    ["4000000000000127", "CVC Declined", "24", "declined"],
    ["4000000000009987", "Blocked Card", "5", "declined"],
    ["4000000000009979", "Blocked Card", "5", "declined"],
    ["4100000000000019", "FRAUD", "20", "declined"],
  ])("%s is Refused: %s (%s), nothing charged", async (number, refusalReason, refusalReasonCode, status) => {
    const { reference, response, pspReference } = await authorise(number, 1_000);
    expect(response).toMatchObject({ resultCode: "Refused", refusalReason, refusalReasonCode });
    expect(chargesFor(reference)).toMatchObject([{ status, authorizedMinor: 0n }]);
    const [item] = await waitForNotifications(pspReference, 1);
    expect(item).toMatchObject({ eventCode: "AUTHORISATION", success: "false", reason: refusalReason });
  });

  it("tells a lost card from a stolen one by additionalData.refusalReasonRaw", async () => {
    const lost = await authorise("4000000000009987", 1_000);
    const stolen = await authorise("4000000000009979", 1_000);
    expect(lost.response.additionalData?.refusalReasonRaw).toMatch(/Lost/);
    expect(stolen.response.additionalData?.refusalReasonRaw).toMatch(/Stolen/);
  });

  it("4000000000000119 ends in resultCode Error, nothing charged", async () => {
    const { reference, response } = await authorise("4000000000000119", 1_000);
    expect(response).toMatchObject({ resultCode: "Error", refusalReason: "Acquirer Error" });
    expect(chargesFor(reference)).toMatchObject([{ status: "failed", authorizedMinor: 0n }]);
  });

  it("answers 422 errorCode 101 for a number that fails the Luhn check", async () => {
    const error = await checkout.PaymentsApi.payments(
      adyenCardPayment({
        amountMinor: 1_000,
        currency: "EUR",
        number: "4242424242424241",
        reference: nextReference(),
      }),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpClientException);
    expect(error).toMatchObject({ statusCode: 422, errorCode: "101" });
  });
});

describe("asynchronous modifications", () => {
  it("capture, partial refund and an over-refund are acknowledged, then settled by notification", async () => {
    const { reference, pspReference } = await authorise("4242424242424242", 10_000, { manualCapture: true });
    expect(chargesFor(reference)).toMatchObject([{ status: "authorized" }]);

    const capture = await checkout.ModificationsApi.captureAuthorisedPayment(
      pspReference,
      {
        amount: { value: 10_000, currency: "EUR" },
        merchantAccount: ADYEN_MERCHANT_ACCOUNT,
        reference: `${reference}-capture`,
      },
      { idempotencyKey: randomUUID() },
    );
    expect(capture).toMatchObject({
      paymentPspReference: pspReference,
      status: "received",
      reference: `${reference}-capture`,
    });
    expect(capture.pspReference).not.toBe(pspReference);
    // Acknowledged only: nothing has moved yet.
    expect(chargesFor(reference)).toMatchObject([{ capturedMinor: 0n }]);
    await waitForNotifications(pspReference, 2);
    expect(chargesFor(reference)).toMatchObject([{ status: "captured", capturedMinor: 10_000n }]);

    const refund = await checkout.ModificationsApi.refundCapturedPayment(pspReference, {
      amount: { value: 4_000, currency: "EUR" },
      merchantAccount: ADYEN_MERCHANT_ACCOUNT,
    });
    expect(refund.status).toBe("received");
    await checkout.ModificationsApi.refundCapturedPayment(pspReference, {
      amount: { value: 6_001, currency: "EUR" },
      merchantAccount: ADYEN_MERCHANT_ACCOUNT,
    });
    const items = await waitForNotifications(pspReference, 4);
    expect(summary(items)).toEqual(["AUTHORISATION:true", "CAPTURE:true", "REFUND:true", "REFUND:false"]);
    expect(items[2]).toMatchObject({
      pspReference: refund.pspReference,
      originalReference: pspReference,
      amount: { value: 4_000 },
    });
    expect(items[3]!.reason).toMatch(/Insufficient balance/);
    expect(chargesFor(reference)).toMatchObject([{ status: "partially_refunded", refundedMinor: 4_000n }]);
  });

  it("cancels an authorisation; a second cancel is refused by notification", async () => {
    const { reference, pspReference } = await authorise("5555555555554444", 3_000, { manualCapture: true });
    const cancel = await checkout.ModificationsApi.cancelAuthorisedPaymentByPspReference(pspReference, {
      merchantAccount: ADYEN_MERCHANT_ACCOUNT,
    });
    expect(cancel).toMatchObject({ status: "received", paymentPspReference: pspReference });
    await waitForNotifications(pspReference, 2);
    await checkout.ModificationsApi.cancelAuthorisedPaymentByPspReference(pspReference, {
      merchantAccount: ADYEN_MERCHANT_ACCOUNT,
    });
    expect(summary(await waitForNotifications(pspReference, 3))).toEqual([
      "AUTHORISATION:true",
      "CANCELLATION:true",
      "CANCELLATION:false",
    ]);
    expect(chargesFor(reference)).toMatchObject([{ status: "voided", voidedMinor: 3_000n }]);
  });

  it("capture_fails: CAPTURE succeeds, then CAPTURE_FAILED takes it back", async () => {
    const { reference, pspReference } = await authorise("4000009900000095", 1_500, { manualCapture: true });
    await checkout.ModificationsApi.captureAuthorisedPayment(pspReference, {
      amount: { value: 1_500, currency: "EUR" },
      merchantAccount: ADYEN_MERCHANT_ACCOUNT,
    });
    expect(summary(await waitForNotifications(pspReference, 3))).toEqual([
      "AUTHORISATION:true",
      "CAPTURE:true",
      "CAPTURE_FAILED:true",
    ]);
    expect(chargesFor(reference)).toMatchObject([{ status: "voided", capturedMinor: 0n }]);
  });

  it("refund_fails: REFUND succeeds, then REFUND_FAILED takes it back", async () => {
    const { reference, pspReference } = await authorise("4000009900000103", 1_600);
    await checkout.ModificationsApi.refundCapturedPayment(pspReference, {
      amount: { value: 1_600, currency: "EUR" },
      merchantAccount: ADYEN_MERCHANT_ACCOUNT,
    });
    expect(summary(await waitForNotifications(pspReference, 4))).toEqual([
      "AUTHORISATION:true",
      "CAPTURE:true",
      "REFUND:true",
      "REFUND_FAILED:true",
    ]);
    expect(chargesFor(reference)).toMatchObject([
      { status: "captured", refundedMinor: 0n, refunds: [{ status: "failed" }] },
    ]);
  });

  it("answers 422 errorCode 167 for an unknown pspReference", async () => {
    const error = await checkout.ModificationsApi.captureAuthorisedPayment("UNKNOWN000000000", {
      amount: { value: 1, currency: "EUR" },
      merchantAccount: ADYEN_MERCHANT_ACCOUNT,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpClientException);
    expect(error).toMatchObject({ statusCode: 422, errorCode: "167" });
  });

  it("refuses a request without x-api-key with 401", async () => {
    const keyless = sandboxAdyenCheckout(sandbox.url, { apiKey: "" });
    const error = await keyless.PaymentsApi.payments(
      adyenCardPayment({
        amountMinor: 100,
        currency: "EUR",
        number: "4242424242424242",
        reference: nextReference(),
      }),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 401 });
  });
});

describe("idempotency", () => {
  it("replays the stored response for the same key and body, without a second charge", async () => {
    const reference = nextReference();
    const request = adyenCardPayment({
      amountMinor: 1_200,
      currency: "EUR",
      number: "4242424242424242",
      reference,
    });
    const idempotencyKey = randomUUID();
    const first = await checkout.PaymentsApi.payments(request, { idempotencyKey });
    const second = await checkout.PaymentsApi.payments(request, { idempotencyKey });
    expect(second.pspReference).toBe(first.pspReference);
    expect(chargesFor(reference)).toMatchObject([{ idempotencyKeys: [idempotencyKey] }]);
  });

  it("refuses the same key with another body (422 errorCode 704)", async () => {
    const reference = nextReference();
    const idempotencyKey = randomUUID();
    await checkout.PaymentsApi.payments(
      adyenCardPayment({ amountMinor: 1_200, currency: "EUR", number: "4242424242424242", reference }),
      { idempotencyKey },
    );
    const error = await checkout.PaymentsApi.payments(
      adyenCardPayment({ amountMinor: 1_300, currency: "EUR", number: "4242424242424242", reference }),
      { idempotencyKey },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 422, errorCode: "704" });
    expect(chargesFor(reference)).toHaveLength(1);
  });

  it("answers 409 (Transient-Error) while the first request with the key still runs", async () => {
    const reference = nextReference();
    const request = adyenCardPayment({
      amountMinor: 700,
      currency: "EUR",
      number: "4242424242424242",
      reference,
    });
    const idempotencyKey = randomUUID();
    sandbox.setFaults("adyen", { latencyMs: 400 });
    try {
      const results = await Promise.allSettled([
        checkout.PaymentsApi.payments(request, { idempotencyKey }),
        new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
          checkout.PaymentsApi.payments(request, { idempotencyKey }),
        ),
      ]);
      expect(results[0]).toMatchObject({ status: "fulfilled", value: { resultCode: "Authorised" } });
      const conflict = (results[1] as PromiseRejectedResult).reason as InstanceType<
        typeof HttpClientException
      >;
      expect(conflict).toMatchObject({ statusCode: 409, errorCode: "704" });
      expect(conflict.responseHeaders?.["transient-error"]).toBe("true");
    } finally {
      sandbox.clearFaults();
    }
    expect(chargesFor(reference)).toHaveLength(1);
  });
});

describe("failure scenarios", () => {
  it("transient_5xx: 503 with nothing charged, then the retry with the same key is Authorised once", async () => {
    const reference = nextReference();
    const request = adyenCardPayment({
      amountMinor: 900,
      currency: "EUR",
      number: "4000009900000012",
      reference,
    });
    const idempotencyKey = randomUUID();
    const error = await checkout.PaymentsApi.payments(request, { idempotencyKey }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ statusCode: 503 });
    expect(chargesFor(reference)).toHaveLength(0);
    expect((await checkout.PaymentsApi.payments(request, { idempotencyKey })).resultCode).toBe("Authorised");
    expect(chargesFor(reference)).toHaveLength(1);
  });

  it("timeout_after_charge: the client times out, the retry with the same key returns the same payment", async () => {
    const reference = nextReference();
    const request = adyenCardPayment({
      amountMinor: 4_200,
      currency: "EUR",
      number: "4000009900000020",
      reference,
    });
    const idempotencyKey = randomUUID();
    const impatient = sandboxAdyenCheckout(sandbox.url, { timeoutMs: 300 });
    const error = await impatient.PaymentsApi.payments(request, { idempotencyKey }).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toMatch(/timed out/);
    expect(chargesFor(reference)).toMatchObject([{ status: "captured" }]);
    const retried = await impatient.PaymentsApi.payments(request, { idempotencyKey });
    expect(retried.pspReference).toBe(chargesFor(reference)[0]!.pspReference);
    expect(chargesFor(reference)).toHaveLength(1);
  });

  it("timeout_before_charge: the client times out with nothing charged, the retry charges once", async () => {
    const reference = nextReference();
    const request = adyenCardPayment({
      amountMinor: 4_300,
      currency: "EUR",
      number: "4000009900000038",
      reference,
    });
    const idempotencyKey = randomUUID();
    const impatient = sandboxAdyenCheckout(sandbox.url, { timeoutMs: 300 });
    await expect(impatient.PaymentsApi.payments(request, { idempotencyKey })).rejects.toThrow(/timed out/);
    expect(chargesFor(reference)).toHaveLength(0);
    expect((await impatient.PaymentsApi.payments(request, { idempotencyKey })).resultCode).toBe("Authorised");
    expect(chargesFor(reference)).toHaveLength(1);
  });

  it.each([
    ["4000009900000046", true, "authorized"],
    ["4000009900000053", false, "declined"],
  ])("%s: Received now, AUTHORISATION success=%s later", async (number, success, ledgerStatus) => {
    const { reference, response, pspReference } = await authorise(number, 1_100, { manualCapture: true });
    expect(response.resultCode).toBe("Received");
    expect(chargesFor(reference)).toMatchObject([{ status: "pending" }]);
    const [item] = await waitForNotifications(pspReference, 1);
    expect(item).toMatchObject({ eventCode: "AUTHORISATION", success: String(success) });
    expect(chargesFor(reference)).toMatchObject([{ status: ledgerStatus }]);
  });
});

describe("notification delivery scenarios", () => {
  it("late_webhook: notifications arrive after lateWebhookDelayMs", async () => {
    const startedAtMs = Date.now();
    const { pspReference } = await authorise("4000009900000061", 500);
    await waitForNotifications(pspReference, 2);
    const first = receiver.received.find((webhook) => webhook.body.includes(pspReference))!;
    expect(first.receivedAtMs - startedAtMs).toBeGreaterThanOrEqual(800);
  });

  it("duplicate_webhook: each notification arrives two or three times", async () => {
    const { pspReference } = await authorise("4000009900000079", 500, { manualCapture: true });
    await waitForNotifications(pspReference, 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const items = notificationsFor(pspReference);
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.length).toBeLessThanOrEqual(3);
    expect(new Set(summary(items))).toEqual(new Set(["AUTHORISATION:true"]));
  });

  it("out_of_order_webhooks: CAPTURE arrives before AUTHORISATION", async () => {
    const { pspReference } = await authorise("4000009900000087", 500);
    expect(summary(await waitForNotifications(pspReference, 2))).toEqual([
      "CAPTURE:true",
      "AUTHORISATION:true",
    ]);
  });
});
