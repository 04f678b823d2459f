// Goal: the dispute test cards and the dispute endpoint of the sandbox server send each PSP's own signed dispute
// notifications (Stripe's charge.dispute.*, Adyen's NOTIFICATION_OF_CHARGEBACK, CHARGEBACK, ...) through the
// webhook dispatcher; evidence sent with the official SDKs (Stripe's disputes.update, Adyen's Disputes API) is
// recorded once per idempotency key and decides the dispute per the card; a due date passed undefended loses.
import { hmacValidator, type Types } from "@adyen/api-library";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type SandboxHandle, startSandbox } from "./sandbox-server";
import { ADYEN_MERCHANT_ACCOUNT, adyenCardPayment, sandboxAdyenCheckout } from "./testing/adyen-client";
import { AdyenLoopbackHttpClient, adyenApiLibrary } from "./testing/adyen-loopback-http-client";
import { cardPaymentParams, sandboxStripe } from "./testing/stripe-client";
import { startWebhookReceiver, type WebhookReceiver } from "./testing/webhook-receiver";

const STRIPE_SECRET = "whsec_disputes_test";
const HMAC_KEY_HEX = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";

let sandbox: SandboxHandle;
let receiver: WebhookReceiver;
let counter = 0;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startSandbox({
    timings: { disputeOpenDelayMs: 10, disputeDecisionDelayMs: 10, modificationDelayMs: 10 },
    webhooks: {
      stripe: { url: `${receiver.url}/stripe`, secret: STRIPE_SECRET },
      adyen: { url: `${receiver.url}/adyen`, hmacKeyHex: HMAC_KEY_HEX },
    },
  });
});

beforeEach(() => {
  receiver.received.length = 0;
});

afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
});

/** Stripe's dispute events of a payment as "type:status", in arrival order, each verified with the secret. */
function stripeEvents(paymentIntent: string): string[] {
  return receiver.received
    .filter((webhook) => webhook.path === "/stripe")
    .map((webhook) =>
      Stripe.webhooks.constructEvent(
        webhook.body,
        String(webhook.headers["stripe-signature"]),
        STRIPE_SECRET,
      ),
    )
    .filter(
      (event) =>
        event.type.startsWith("charge.dispute.") &&
        (event.data.object as { payment_intent?: string }).payment_intent === paymentIntent,
    )
    .map((event) => `${event.type}:${(event.data.object as { status: string }).status}`);
}

/** Adyen's dispute notifications of a payment, in arrival order, each HMAC-checked. */
function adyenItems(paymentReference: string): Types.notification.NotificationRequestItem[] {
  const validator = new hmacValidator();
  return receiver.received
    .filter((webhook) => webhook.path === "/adyen")
    .flatMap(
      (webhook) =>
        (JSON.parse(webhook.body) as Types.notification.Notification).notificationItems?.map(
          (wrapper) => wrapper.NotificationRequestItem,
        ) ?? [],
    )
    .filter(
      (item) =>
        item.originalReference === paymentReference && item.additionalData?.disputePspReference !== undefined,
    )
    .map((item) => {
      expect(validator.validateHMAC(item, HMAC_KEY_HEX)).toBe(true);
      return item;
    });
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function stripePayment(number: string) {
  counter += 1;
  return sandboxStripe(sandbox.port).paymentIntents.create(
    cardPaymentParams({ amountMinor: 5_000, currency: "usd", number, reference: `pay_dispute_${counter}` }),
  );
}

async function adyenPayment(number: string) {
  counter += 1;
  const response = await sandboxAdyenCheckout(sandbox.url).PaymentsApi.payments(
    adyenCardPayment({ amountMinor: 7_000, currency: "EUR", number, reference: `pay_dispute_${counter}` }),
  );
  return response.pspReference!;
}

function adyenDisputes() {
  const client = new adyenApiLibrary.Client({
    apiKey: "AQE_sandbox_key",
    environment: adyenApiLibrary.EnvironmentEnum.TEST,
  });
  client.httpClient = new AdyenLoopbackHttpClient(sandbox.url);
  return new adyenApiLibrary.DisputesAPI(client).DisputesApi;
}

describe("Stripe-style dispute cards", () => {
  it("4000 0000 0000 0259: disputed as fraudulent after capture; evidence loses", async () => {
    const intent = await stripePayment("4000000000000259");
    await until(() => stripeEvents(intent.id).length >= 2);
    expect(stripeEvents(intent.id).sort()).toEqual([
      "charge.dispute.created:needs_response",
      "charge.dispute.funds_withdrawn:needs_response",
    ]);
    const [dispute] = sandbox.disputes().filter((d) => d.paymentPspReference === intent.id);
    expect(dispute).toMatchObject({ reason: "fraudulent", amountMinor: 5_000n, kind: "chargeback" });
    const stripe = sandboxStripe(sandbox.port);
    const updated = await stripe.disputes.update(
      dispute!.id,
      { evidence: { product_description: "A lamp", uncategorized_text: "Delivered" }, submit: true },
      { idempotencyKey: "evidence-0259" },
    );
    expect(updated.status).toBe("under_review");
    // The same key again is a replay: the evidence is recorded once.
    await stripe.disputes.update(
      dispute!.id,
      { evidence: { product_description: "A lamp", uncategorized_text: "Delivered" }, submit: true },
      { idempotencyKey: "evidence-0259" },
    );
    await until(() => stripeEvents(intent.id).includes("charge.dispute.closed:lost"));
    const after = sandbox.disputes().find((d) => d.id === dispute!.id)!;
    expect(after.evidence).toHaveLength(1);
    expect(after.evidence[0]!.fields).toEqual({
      product_description: "A lamp",
      uncategorized_text: "Delivered",
    });
    expect(after.status).toBe("lost");
  });

  it("evidence files: uploaded through the Files API (files.create, multipart), referenced by id; checked by owner and content", async () => {
    const intent = await stripePayment("4000000000002685");
    await until(() => stripeEvents(intent.id).length >= 2);
    const [dispute] = sandbox.disputes().filter((d) => d.paymentPspReference === intent.id);
    const stripe = sandboxStripe(sandbox.port, { apiKey: "sk_test_files_owner" });
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
    const upload = (client: typeof stripe, data: Buffer, name: string, key: string) =>
      client.files.create(
        { purpose: "dispute_evidence", file: { data, name, type: "application/pdf" } },
        { idempotencyKey: key },
      );
    const receipt = await upload(stripe, pdf, "receipt.pdf", "file-receipt");
    expect(receipt).toMatchObject({
      object: "file",
      purpose: "dispute_evidence",
      type: "pdf",
      size: pdf.length,
    });
    // The same key again is the same file.
    expect((await upload(stripe, pdf, "receipt.pdf", "file-receipt")).id).toBe(receipt.id);
    expect((await stripe.files.retrieve(receipt.id)).filename).toBe("receipt.pdf");
    // Content that is not a PDF, JPEG or PNG is refused whatever its declared type.
    await expect(upload(stripe, Buffer.from("plain words"), "notes.pdf", "file-text")).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      code: "file_invalid",
    });
    // Another account's file is unknown to this one: neither retrieved nor referenced.
    const other = sandboxStripe(sandbox.port, { apiKey: "sk_test_files_other" });
    const foreign = await upload(other, pdf, "foreign.pdf", "file-foreign");
    await expect(stripe.files.retrieve(foreign.id)).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      stripe.disputes.update(dispute!.id, { evidence: { receipt: foreign.id }, submit: true }),
    ).rejects.toMatchObject({ code: "resource_missing", param: "evidence[receipt]" });
    await expect(
      stripe.disputes.update(dispute!.id, { evidence: { uncategorized_file: "file_missing" }, submit: true }),
    ).rejects.toMatchObject({ code: "resource_missing" });
    expect(sandbox.disputes().find((d) => d.id === dispute!.id)!.evidence).toHaveLength(0);

    await stripe.disputes.update(dispute!.id, {
      evidence: { receipt: receipt.id, product_description: "A lamp" },
      submit: true,
    });
    const after = sandbox.disputes().find((d) => d.id === dispute!.id)!;
    expect(after.evidence[0]).toMatchObject({
      fields: { receipt: receipt.id, product_description: "A lamp" },
      documents: [{ name: "receipt", bytes: pdf.length, contentType: "application/pdf" }],
    });
  });

  it("4000 0000 0000 1976: an inquiry, closed after evidence", async () => {
    const intent = await stripePayment("4000000000001976");
    await until(() => stripeEvents(intent.id).length >= 1);
    expect(stripeEvents(intent.id)).toEqual(["charge.dispute.created:warning_needs_response"]);
    const [dispute] = sandbox.disputes().filter((d) => d.paymentPspReference === intent.id);
    await sandboxStripe(sandbox.port).disputes.update(dispute!.id, {
      evidence: { uncategorized_text: "The customer recognised it" },
      submit: true,
    });
    await until(() => stripeEvents(intent.id).length >= 3);
    expect(stripeEvents(intent.id).sort()).toEqual([
      "charge.dispute.closed:warning_closed",
      "charge.dispute.created:warning_needs_response",
      "charge.dispute.updated:warning_under_review",
    ]);
  });

  it("4000 0000 0000 2685: won with evidence (closed won, funds reinstated); lost when the due date passes", async () => {
    const defended = await stripePayment("4000000000002685");
    const undefended = await stripePayment("4000000000002685");
    await until(() => stripeEvents(defended.id).length >= 2 && stripeEvents(undefended.id).length >= 2);
    const disputeOf = (id: string) => sandbox.disputes().find((d) => d.paymentPspReference === id)!;
    await sandboxStripe(sandbox.port).disputes.update(disputeOf(defended.id).id, {
      evidence: { shipping_tracking_number: "TRACK-1" },
      submit: true,
    });
    await until(() => stripeEvents(defended.id).length >= 5);
    expect(stripeEvents(defended.id).slice(2).sort()).toEqual([
      "charge.dispute.closed:won",
      "charge.dispute.funds_reinstated:won",
      "charge.dispute.updated:under_review",
    ]);
    const expired = await fetch(`${sandbox.url}/__sandbox/disputes/${disputeOf(undefended.id).id}/expire`, {
      method: "POST",
    });
    expect(expired.status).toBe(200);
    await until(() => stripeEvents(undefended.id).length >= 3);
    expect(stripeEvents(undefended.id)[2]).toBe("charge.dispute.closed:lost");
  });
});

describe("Adyen-style dispute cards", () => {
  it("the 2685 card: NOTIFICATION_OF_CHARGEBACK, CHARGEBACK, then defence documents and CHARGEBACK_REVERSED", async () => {
    const payment = await adyenPayment("4000000000002685");
    await until(() => adyenItems(payment).length >= 2);
    const items = adyenItems(payment);
    expect(items.map((item) => item.eventCode).sort()).toEqual(["CHARGEBACK", "NOTIFICATION_OF_CHARGEBACK"]);
    const disputeReference = items[0]!.pspReference;
    expect(items[0]!.additionalData).toMatchObject({
      disputePspReference: disputeReference,
      chargebackReasonCode: "13.1",
    });
    const disputes = adyenDisputes();
    // Like live Adyen: PDF, JPEG or TIFF only, checked by the declared type and by the content's leading bytes.
    const refusedDocument = (content: string, contentType: string, key: string) =>
      disputes.supplyDefenseDocument(
        {
          disputePspReference: disputeReference,
          merchantAccountCode: ADYEN_MERCHANT_ACCOUNT,
          defenseDocuments: [
            {
              content: Buffer.from(content).toString("base64"),
              contentType,
              defenseDocumentTypeCode: "DefenseMaterial",
            },
          ],
        } as never,
        { idempotencyKey: key },
      );
    expect(
      (await refusedDocument("plain words", "text/plain", "adyen-docs-text")).disputeServiceResult,
    ).toEqual({
      success: false,
      errorMessage: "defenseDocuments[0]: contentType must be application/pdf, image/jpeg or image/tiff",
    });
    expect(
      (await refusedDocument("not a pdf at all", "application/pdf", "adyen-docs-fake")).disputeServiceResult,
    ).toEqual({
      success: false,
      errorMessage: "defenseDocuments[0]: the content is not a application/pdf document",
    });
    // The reasons that apply to this dispute (product_not_received: generic material only), and their types: a
    // type none of them lists is refused, as Adyen refuses one that does not apply.
    const reasons = await disputes.retrieveApplicableDefenseReasons({
      disputePspReference: disputeReference,
      merchantAccountCode: ADYEN_MERCHANT_ACCOUNT,
    } as never);
    expect(reasons.disputeServiceResult?.success).toBe(true);
    expect(
      reasons.defenseReasons?.map((reason) => [
        reason.defenseReasonCode,
        reason.defenseDocumentTypes?.map(
          (type) => `${type.defenseDocumentTypeCode}:${type.requirementLevel}`,
        ),
      ]),
    ).toEqual([["SupplyDefenseMaterial", ["TIDorInvoice:Optional", "DefenseMaterial:Required"]]]);
    const inapplicable = await disputes.supplyDefenseDocument(
      {
        disputePspReference: disputeReference,
        merchantAccountCode: ADYEN_MERCHANT_ACCOUNT,
        defenseDocuments: [
          {
            content: Buffer.from("%PDF-1.4 proof").toString("base64"),
            contentType: "application/pdf",
            defenseDocumentTypeCode: "GoodsNotReturned",
          },
        ],
      } as never,
      { idempotencyKey: "adyen-docs-inapplicable" },
    );
    expect(inapplicable.disputeServiceResult).toEqual({
      success: false,
      errorMessage: "defenseDocuments[0]: document type GoodsNotReturned does not apply",
    });
    const supplied = await disputes.supplyDefenseDocument(
      {
        disputePspReference: disputeReference,
        merchantAccountCode: ADYEN_MERCHANT_ACCOUNT,
        defenseDocuments: [
          {
            content: Buffer.from("%PDF-1.4 proof").toString("base64"),
            contentType: "application/pdf",
            defenseDocumentTypeCode: "DefenseMaterial",
          },
        ],
      } as never,
      { idempotencyKey: "adyen-docs-1" },
    );
    expect(supplied.disputeServiceResult?.success).toBe(true);
    const defended = await disputes.defendDispute(
      {
        disputePspReference: disputeReference,
        merchantAccountCode: ADYEN_MERCHANT_ACCOUNT,
        defenseReasonCode: "GoodsOrServicesProvided",
      },
      { idempotencyKey: "adyen-defend-1" },
    );
    expect(defended.disputeServiceResult?.success).toBe(true);
    await until(() => adyenItems(payment).length >= 4);
    expect(
      adyenItems(payment)
        .slice(2)
        .map((item) => item.eventCode),
    ).toEqual(["INFORMATION_SUPPLIED", "CHARGEBACK_REVERSED"]);
    const dispute = sandbox.disputes().find((d) => d.id === disputeReference)!;
    expect(dispute.evidence.map((e) => e.documents.length)).toEqual([1, 0]);
    expect(dispute.evidence[0]!.documents[0]).toMatchObject({ contentType: "application/pdf" });
  });

  it("the 0259 card defended: CHARGEBACK_REVERSED then SECOND_CHARGEBACK; undefended: DISPUTE_DEFENSE_PERIOD_ENDED", async () => {
    const defendedPayment = await adyenPayment("4000000000000259");
    const undefendedPayment = await adyenPayment("4000000000000259");
    await until(() => adyenItems(defendedPayment).length >= 2 && adyenItems(undefendedPayment).length >= 2);
    const reference = adyenItems(defendedPayment)[0]!.pspReference;
    await adyenDisputes().defendDispute(
      {
        disputePspReference: reference,
        merchantAccountCode: ADYEN_MERCHANT_ACCOUNT,
        defenseReasonCode: "Other",
      },
      { idempotencyKey: "adyen-defend-2" },
    );
    await until(() => adyenItems(defendedPayment).length >= 5);
    expect(
      adyenItems(defendedPayment)
        .slice(2)
        .map((item) => item.eventCode),
    ).toEqual(["INFORMATION_SUPPLIED", "CHARGEBACK_REVERSED", "SECOND_CHARGEBACK"]);
    sandbox.expireDispute(adyenItems(undefendedPayment)[0]!.pspReference);
    await until(() => adyenItems(undefendedPayment).length >= 3);
    expect(adyenItems(undefendedPayment)[2]!.eventCode).toBe("DISPUTE_DEFENSE_PERIOD_ENDED");
  });

  it("the 1976 card: REQUEST_FOR_INFORMATION", async () => {
    const payment = await adyenPayment("4000000000001976");
    await until(() => adyenItems(payment).length >= 1);
    expect(adyenItems(payment).map((item) => item.eventCode)).toEqual(["REQUEST_FOR_INFORMATION"]);
  });
});

describe("POST /__sandbox/disputes", () => {
  it("opens a dispute on any captured payment with a reason and an amount, and refuses what it cannot open", async () => {
    const intent = await stripePayment("4242424242424242");
    const open = (body: unknown) =>
      fetch(`${sandbox.url}/__sandbox/disputes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const opened = await open({
      psp: "stripe",
      pspReference: intent.id,
      reason: "duplicate",
      amountMinor: "1200",
    });
    expect(opened.status).toBe(201);
    expect(await opened.json()).toMatchObject({
      amountMinor: "1200",
      reason: "duplicate",
      status: "needs_response",
    });
    await until(() => stripeEvents(intent.id).length >= 2);
    expect((await open({ psp: "stripe", pspReference: intent.id })).status).toBe(409);
    expect((await open({ psp: "stripe", pspReference: "pi_unknown" })).status).toBe(404);
    const other = await stripePayment("4242424242424242");
    expect((await open({ psp: "stripe", pspReference: other.id, amountMinor: "5001" })).status).toBe(400);
    expect((await open({ psp: "stripe", pspReference: other.id, reason: "bored" })).status).toBe(400);
    expect((await open({ psp: "paypal", pspReference: other.id })).status).toBe(400);
    const listed = await fetch(`${sandbox.url}/__sandbox/disputes?paymentPspReference=${intent.id}`);
    expect(((await listed.json()) as unknown[]).length).toBe(1);
  });

  it("an Adyen payment gets Adyen's sequence", async () => {
    const payment = await adyenPayment("5555555555554444");
    await until(() => sandbox.charges().find((c) => c.pspReference === payment)?.status === "captured");
    sandbox.openDispute("adyen", payment, { kind: "inquiry" });
    await until(() => adyenItems(payment).length >= 1);
    expect(adyenItems(payment)[0]!.eventCode).toBe("REQUEST_FOR_INFORMATION");
  });
});
