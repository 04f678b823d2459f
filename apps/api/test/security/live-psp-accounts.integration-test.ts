// Live mode reaches only the PSP accounts operators configured, with the sandbox server standing in for a
// live endpoint: without an account a live payment is refused (never sent to a test PSP); with one it goes
// through the official SDK adapter with the account's key; a key the PSP refuses fails the payment with a
// clear code and becomes the account's alert; secrets are stored encrypted, shown only by their last four
// characters, rotated with an overlap, and every change is audited.
import { randomBytes } from "node:crypto";
import type { Actor } from "@paycore/core/ports/psp-account-store";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const LIVE_KEY = `sk_live_${randomBytes(12).toString("hex")}`;
const UNKNOWN_KEY = `sk_live_${randomBytes(12).toString("hex")}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(16).toString("hex")}`;
const NEXT_WEBHOOK_SECRET = `whsec_${randomBytes(16).toString("hex")}`;
const ACTOR: Actor = { operatorId: null, name: "cli:test" };

let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;
let accountId: string;

const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status failureCode } errors { code message retryable } } }`;

/** A Stripe-style event about a live PaymentIntent, signed as the PSP signs it, posted to the webhook route. */
async function postLiveEvent(secret: string, eventId: string) {
  const payment = await t.app.db.payment.findFirst({ where: { mode: "LIVE", pspReference: { not: null } } });
  const payload = JSON.stringify({
    id: eventId,
    object: "event",
    type: "payment_intent.succeeded",
    livemode: true,
    data: { object: { object: "payment_intent", id: payment?.pspReference } },
  });
  const header = new Stripe("sk_test_unused").webhooks.generateTestHeaderString({ payload, secret });
  const response = await t.app.http.fetch("http://localhost/webhooks/stripe", {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": header },
    body: payload,
  });
  return { status: response.status, body: await response.text() };
}

async function livePayment() {
  const paymentMethodId = await t.tokenize(merchant.livePublishableKey);
  const result = await t.gql<{
    createPayment: {
      payment: { id: string; status: string; failureCode: string | null } | null;
      errors: Array<{ code: string; message: string; retryable: boolean }>;
    };
  }>(merchant.liveSecretKey, CREATE, {
    input: { idempotencyKey: newKey("live"), amount: "1500", currency: "USD", paymentMethodId },
  });
  if (!result.data) throw new Error(result.raw);
  return result.data.createPayment;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, liveStripeKeys: [LIVE_KEY] });
  // Test mode on the in-process sandbox: a live payment that reached it would show in its stats.
  t = await createTestApp();
  merchant = await t.createMerchant();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

describe("live mode without an account", () => {
  it("refuses a live payment as PSP_NOT_CONFIGURED (not retryable) and sends nothing to any PSP", async () => {
    const before = { ...t.sandbox.stats };
    const result = await livePayment();
    expect(result.errors.map((e) => [e.code, e.retryable])).toEqual([["PSP_NOT_CONFIGURED", false]]);
    expect(t.sandbox.stats).toEqual(before);
    expect(sandbox.charges()).toHaveLength(0);
  });
});

describe("a live Stripe account", () => {
  it("is refused when its input is bad, with the field named", async () => {
    const cases = [
      [{ endpoint: "http://psp.example.com" }, "endpoint"],
      [{ endpoint: "https://user:pass@psp.example.com" }, "endpoint"],
      [{ webhookSecret: "not-a-whsec" }, "webhookSecret"],
      [{ apiKey: "sk live with spaces" }, "apiKey"],
      [{ psp: "paypal" }, "psp"],
      [{ psp: "adyen", webhookSecret: "ab".repeat(32) }, "merchantAccount"],
    ] as const;
    for (const [override, field] of cases) {
      await expect(
        t.app.services.pspAccounts.create(ACTOR, {
          psp: "stripe",
          mode: "LIVE",
          endpoint: sandbox.url,
          apiKey: LIVE_KEY,
          webhookSecret: WEBHOOK_SECRET,
          ...override,
        }),
      ).rejects.toMatchObject({ code: "INVALID_INPUT", field: [field] });
    }
    expect(await t.countRows("psp_accounts")).toBe(0);
  });

  it("takes live payments through the SDK adapter with the account's key", async () => {
    const account = await t.app.services.pspAccounts.create(ACTOR, {
      psp: "stripe",
      mode: "LIVE",
      endpoint: sandbox.url,
      apiKey: LIVE_KEY,
      webhookSecret: WEBHOOK_SECRET,
    });
    accountId = account.id;
    expect(account).toMatchObject({ status: "ACTIVE", apiKeyHint: LIVE_KEY.slice(-4) });
    t.app.services.livePsps.invalidate();

    const result = await livePayment();
    expect(result.errors).toEqual([]);
    expect(result.payment?.status).toBe("CAPTURED");
    expect(sandbox.charges()).toHaveLength(1);
    await t.expectLedgerBalanced();
  });

  it("accepts a live webhook signed with the account's secret, confirming it with the live account", async () => {
    const accepted = await postLiveEvent(WEBHOOK_SECRET, `evt_live_${randomBytes(6).toString("hex")}`);
    expect(accepted).toEqual({ status: 200, body: JSON.stringify({ received: true }) });
    const forged = await postLiveEvent(`whsec_${randomBytes(16).toString("hex")}`, "evt_forged");
    expect(forged.status).toBe(400);
    await t.expectLedgerBalanced();
  });

  it("refuses a second active account for the same PSP and mode", async () => {
    await expect(
      t.app.services.pspAccounts.create(ACTOR, {
        psp: "stripe",
        mode: "LIVE",
        endpoint: sandbox.url,
        apiKey: LIVE_KEY,
        webhookSecret: WEBHOOK_SECRET,
      }),
    ).rejects.toMatchObject({ code: "PSP_ACCOUNT_EXISTS" });
  });

  it("passes the connection test and records it", async () => {
    const check = await t.app.services.livePsps.checkConnection("stripe");
    expect(check).toEqual({ ok: true, error: null, accountId });
    const account = await t.app.db.pspAccount.findUnique({ where: { id: accountId } });
    expect(account?.lastCheckOk).toBe(true);
  });

  it("keeps the replaced webhook secret valid for the overlap, current first", async () => {
    await t.app.services.pspAccounts.rotateSecret(ACTOR, accountId, "WEBHOOK_SECRET", NEXT_WEBHOOK_SECRET);
    t.app.services.livePsps.invalidate();
    expect(await t.app.services.livePsps.webhookSecrets("stripe")).toEqual([
      NEXT_WEBHOOK_SECRET,
      WEBHOOK_SECRET,
    ]);
    // Events the PSP signed with either verify during the overlap.
    for (const secret of [NEXT_WEBHOOK_SECRET, WEBHOOK_SECRET])
      expect((await postLiveEvent(secret, `evt_overlap_${randomBytes(6).toString("hex")}`)).status).toBe(200);
    // With no overlap, the replaced one is gone at once.
    const third = `whsec_${randomBytes(16).toString("hex")}`;
    await t.app.services.pspAccounts.rotateSecret(ACTOR, accountId, "WEBHOOK_SECRET", third, 0);
    t.app.services.livePsps.invalidate();
    expect(await t.app.services.livePsps.webhookSecrets("stripe")).toEqual([third, WEBHOOK_SECRET]);
  });

  it("fails a payment with a clear code when the PSP refuses the key, and alerts on the account", async () => {
    await t.app.services.pspAccounts.rotateSecret(ACTOR, accountId, "API_KEY", UNKNOWN_KEY);
    t.app.services.livePsps.invalidate();
    const result = await livePayment();
    expect(result.payment?.status).toBe("FAILED");
    expect(result.payment?.failureCode).toBe("psp_credentials_rejected");
    expect(result.errors.map((e) => e.code)).toEqual(["PAYMENT_FAILED"]);
    expect(JSON.stringify(result)).not.toContain(UNKNOWN_KEY.slice(8));

    const [account] = await t.app.db.pspAccount.findMany({ where: { id: accountId } });
    expect(account?.lastCheckOk).toBe(false);
    expect(account?.lastError).toMatch(/credentials rejected/);
    const check = await t.app.services.livePsps.checkConnection("stripe");
    expect(check.ok).toBe(false);
    expect(check.error).toMatch(/^credentials rejected/);
    expect(check.error).not.toContain(UNKNOWN_KEY.slice(8));
    await t.expectLedgerBalanced();
  });

  it("routes no live payment to a disabled account", async () => {
    await t.app.services.pspAccounts.setEnabled(ACTOR, accountId, false);
    t.app.services.livePsps.invalidate();
    const charges = sandbox.charges().length;
    expect((await livePayment()).errors.map((e) => e.code)).toEqual(["PSP_NOT_CONFIGURED"]);
    expect(sandbox.charges()).toHaveLength(charges);
  });

  it("stores no secret in clear, and audits every change with hints only", async () => {
    const dump = await t.app.db.$queryRawUnsafe<Array<{ text: string }>>(
      `SELECT (SELECT string_agg(s::text, '|') FROM psp_account_secrets s) || '|' ||
              (SELECT string_agg(a::text, '|') FROM psp_accounts a) || '|' ||
              (SELECT string_agg(l::text, '|') FROM operator_audit_log l) AS text`,
    );
    const text = dump[0]?.text ?? "";
    for (const secret of [LIVE_KEY, UNKNOWN_KEY, WEBHOOK_SECRET, NEXT_WEBHOOK_SECRET])
      expect(text).not.toContain(secret.slice(8));
    const actions = await t.app.db.operatorAuditLog.findMany({
      where: { targetId: accountId },
      orderBy: { id: "asc" },
      select: { action: true },
    });
    expect(actions.map((a) => a.action)).toEqual([
      "psp_account.create",
      "psp_account.rotate_webhook_secret",
      "psp_account.rotate_webhook_secret",
      "psp_account.rotate_api_key",
      "psp_account.disable",
    ]);
  });
});
