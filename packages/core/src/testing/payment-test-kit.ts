// Builds the payment use cases' dependencies from in-memory fakes, for their unit tests: the fake payment
// store, the idempotency service over the in-memory idempotency store (no cache: keys are claimed before the
// work, as when Redis is down), a scripted PSP and a fixed clock.
import { IdempotencyService } from "../idempotency/idempotency-service";
import { type MerchantId, newId, type PaymentId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import type { PaymentCommandsDependencies } from "../payments/payment-deps";
import type { MerchantActor, PaymentRecord, PspAttemptDraft } from "../payments/payment-record";
import type { PaymentStatus } from "../payments/payment-state-machine";
import { generateKeyMaterial, parseKeyring } from "../vault/card-vault";
import { InMemoryIdempotencyStore } from "./in-memory-idempotency";
import { InMemoryPaymentStore } from "./in-memory-payment-store";
import { ScriptedPsp, ScriptedPspRouter } from "./scripted-psp";

export const TEST_NOW = new Date("2026-12-06T12:00:00Z");
export const REVIEW_HOLD_TTL_MS = 24 * 60 * 60_000;

export function paymentKit(psps: ScriptedPsp[] = [new ScriptedPsp()]) {
  const now = () => new Date(TEST_NOW.getTime());
  const idempotencyStore = new InMemoryIdempotencyStore();
  const store = new InMemoryPaymentStore(idempotencyStore, now);
  const router = new ScriptedPspRouter(psps);
  const idempotency = new IdempotencyService(
    idempotencyStore,
    null,
    {
      hashSecret: Buffer.alloc(32, 7),
      lockTtlMs: 30_000,
      retentionMs: 24 * 60 * 60_000,
      cacheTtlMs: 60 * 60_000,
      waitForInProgressMs: 0,
    },
    now,
    async () => {},
  );
  const vault = parseKeyring({
    encryptionKeys: `1:${generateKeyMaterial()}`,
    fingerprintKey: generateKeyMaterial(),
  });
  const deps: PaymentCommandsDependencies = {
    store,
    idempotency,
    psps: router,
    vault,
    risk: null,
    reviewHoldTtlMs: REVIEW_HOLD_TTL_MS,
    now,
  };
  const actor: MerchantActor = { merchantId: newId("merchant") as MerchantId, mode: "TEST", apiKeyId: null };
  return { deps, store, idempotencyStore, router, psp: psps[0] as ScriptedPsp, actor };
}

/** A payment as it stands in `status` after its authorization at the scripted PSP, amounts to match. */
export function paymentIn(
  actor: MerchantActor,
  status: PaymentStatus,
  overrides: Partial<PaymentRecord> = {},
): PaymentRecord {
  const amountMinor = 10_000n;
  const authorized = status === "AUTHORIZED" || status === "REQUIRES_REVIEW";
  const captured = status === "CAPTURED" || status === "PARTIALLY_REFUNDED" || status === "REFUNDED";
  return {
    id: newId("payment") as PaymentId,
    merchantId: actor.merchantId,
    mode: actor.mode,
    status,
    amountMinor,
    currency: "USD" as CurrencyCode,
    amountCapturableMinor: authorized ? amountMinor : 0n,
    amountCapturedMinor: captured ? amountMinor : 0n,
    amountRefundedMinor: status === "REFUNDED" ? amountMinor : status === "PARTIALLY_REFUNDED" ? 4_000n : 0n,
    amountRefundPendingMinor: 0n,
    amountDisputedMinor: 0n,
    captureMethod: "MANUAL",
    paymentMethodId: newId("paymentMethod"),
    description: null,
    metadata: {},
    pspName: "scripted",
    pspReference: status === "PENDING" ? null : "psp_payment_1",
    failureCode: null,
    failureMessage: null,
    pendingOperation: null,
    cardFingerprint: null,
    customerEmail: null,
    ipAddress: null,
    deviceId: null,
    billingCountry: null,
    geoLatitude: null,
    geoLongitude: null,
    reviewExpiresAt: status === "REQUIRES_REVIEW" ? new Date(TEST_NOW.getTime() + REVIEW_HOLD_TTL_MS) : null,
    threeDSecure: null,
    nextActionUrl: null,
    actionExpiresAt: null,
    returnUrl: null,
    version: 3,
    createdAt: TEST_NOW,
    updatedAt: TEST_NOW,
    ...overrides,
  };
}

/** An attempt already recorded for a payment, as a call in flight or one whose outcome is unknown. */
export function storedAttempt(
  operation: PspAttemptDraft["operation"],
  status: "PENDING" | "UNKNOWN" | "ACKNOWLEDGED",
  amountMinor: bigint,
  overrides: Partial<PspAttemptDraft> = {},
) {
  const id = newId("pspAttempt");
  return {
    id,
    operation,
    pspName: "scripted",
    idempotencyKey: id,
    amountMinor,
    status,
    pspReference: null,
    refundId: null,
    resolveCount: 0,
    createdAt: TEST_NOW,
    ownerGone: false,
    currency: "USD" as CurrencyCode,
    ...overrides,
  };
}
