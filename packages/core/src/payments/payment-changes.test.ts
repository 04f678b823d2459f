// Goal: every PSP outcome of a capture, a void and a refund, on a payment in every status, builds the change
// the payment rules require (status, attempt settlement, audit event, ledger posting, reservation), or is
// refused by the state machine where the status does not allow the success.
import { describe, expect, it } from "vitest";
import { newId } from "../ids/ids";
import type { PspOutcome } from "../psp/psp-port";
import {
  authorizationChange,
  captureOutcomeChange,
  refundOutcomeChange,
  voidOutcomeChange,
} from "./payment-changes";
import type { MerchantActor, PaymentRecord, RefundRecord } from "./payment-record";
import { IllegalTransitionError, PAYMENT_STATUSES, type PaymentStatus } from "./payment-state-machine";

const actor: MerchantActor = { merchantId: newId("merchant"), mode: "TEST", apiKeyId: null };
const fee = { rateBps: 290, fixedMinor: 30n };

const OUTCOMES: Record<PspOutcome["outcome"], PspOutcome> = {
  succeeded: { outcome: "succeeded", pspReference: "psp_ref" },
  declined: { outcome: "declined", code: "card_declined", message: "declined" },
  failed: { outcome: "failed", code: "processing_error", message: "failed", retryable: true },
  unknown: { outcome: "unknown", message: "timeout" },
  pending: { outcome: "pending", pspReference: "psp_ref" },
  unavailable: { outcome: "unavailable", message: "breaker open" },
  requires_action: {
    outcome: "requires_action",
    pspReference: "psp_ref",
    redirectUrl: "http://127.0.0.1:4010/3ds/challenge/x",
    threeDSecure: {
      status: "CHALLENGE_REQUIRED",
      flow: "CHALLENGE",
      version: "2.2.0",
      eci: null,
      liabilityShift: false,
    },
  },
};

function paymentIn(status: PaymentStatus): PaymentRecord {
  const now = new Date("2026-12-06T12:00:00Z");
  return {
    id: newId("payment"),
    merchantId: actor.merchantId,
    mode: "TEST",
    status,
    amountMinor: 10_000n,
    currency: "USD" as PaymentRecord["currency"],
    amountCapturableMinor: status === "AUTHORIZED" || status === "REQUIRES_REVIEW" ? 10_000n : 0n,
    amountCapturedMinor: status === "CAPTURED" || status === "PARTIALLY_REFUNDED" ? 10_000n : 0n,
    amountRefundedMinor: status === "PARTIALLY_REFUNDED" ? 2_000n : 0n,
    amountRefundPendingMinor: 3_000n,
    amountDisputedMinor: 0n,
    captureMethod: "MANUAL",
    paymentMethodId: newId("paymentMethod"),
    description: null,
    metadata: {},
    pspName: "sandbox",
    pspReference: "psp_payment",
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
    reviewExpiresAt: null,
    threeDSecure: null,
    nextActionUrl: null,
    actionExpiresAt: null,
    returnUrl: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** Every outcome in every status: the table below says what each does. */
const grid = PAYMENT_STATUSES.flatMap((status) =>
  (Object.keys(OUTCOMES) as Array<PspOutcome["outcome"]>).map((outcome) => ({ status, outcome })),
);

/** Where a succeeded modification may go from; anywhere else the payment rules or the state machine refuse it. */
const SUCCEEDS_FROM = {
  // PENDING: an automatic capture authorizes and captures in one call; REQUIRES_ACTION likewise once the
  // customer's 3-D Secure challenge succeeded.
  capture: { PENDING: "CAPTURED", AUTHORIZED: "CAPTURED", REQUIRES_ACTION: "CAPTURED" },
  void: { AUTHORIZED: "CANCELLED", REQUIRES_REVIEW: "CANCELLED" },
  refund: { CAPTURED: "PARTIALLY_REFUNDED", PARTIALLY_REFUNDED: "PARTIALLY_REFUNDED" },
} as const;

/** The attempt status and whether the operation stays in flight, for outcomes that change no status. */
const UNDECIDED = {
  pending: { attempt: "ACKNOWLEDGED", inFlight: true },
  unknown: { attempt: "UNKNOWN", inFlight: true },
  declined: { attempt: "FAILED", inFlight: false },
  failed: { attempt: "FAILED", inFlight: false },
  unavailable: { attempt: "FAILED", inFlight: false },
  requires_action: { attempt: "FAILED", inFlight: false },
} as const;

describe("captureOutcomeChange", () => {
  it.each(grid)("capture $outcome on a $status payment", ({ status, outcome }) => {
    const payment = paymentIn(status);
    const attempt = { id: newId("pspAttempt"), amountMinor: 10_000n };
    const build = () => captureOutcomeChange(actor, payment, attempt, OUTCOMES[outcome], fee);
    if (outcome === "succeeded") {
      const to = (SUCCEEDS_FROM.capture as Partial<Record<PaymentStatus, PaymentStatus>>)[status];
      if (to === undefined) return expect(build).toThrow(IllegalTransitionError);
      const change = build();
      expect(change.patch).toMatchObject({
        status: to,
        amountCapturedMinor: 10_000n,
        pendingOperation: null,
      });
      expect(change.attemptSettlement?.status).toBe("SUCCEEDED");
      expect(change.journal?.draft).toBeDefined();
      return;
    }
    const change = build();
    expect(change.patch.status).toBeUndefined();
    expect(change.journal).toBeUndefined();
    expect(change.attemptSettlement?.status).toBe(UNDECIDED[outcome].attempt);
    if (outcome === "pending") expect(change.events[0]?.type).toBe("payment.capture_acknowledged");
    else expect(change.patch.pendingOperation).toBe(UNDECIDED[outcome].inFlight ? "CAPTURE" : null);
  });
});

describe("voidOutcomeChange", () => {
  it.each(grid)("void $outcome on a $status payment", ({ status, outcome }) => {
    const payment = paymentIn(status);
    const build = () =>
      voidOutcomeChange(actor, payment, { id: newId("pspAttempt") }, OUTCOMES[outcome], "payment.canceled");
    if (outcome === "succeeded") {
      const to = (SUCCEEDS_FROM.void as Partial<Record<PaymentStatus, PaymentStatus>>)[status];
      if (to === undefined) return expect(build).toThrow(IllegalTransitionError);
      const change = build();
      expect(change.patch).toMatchObject({ status: to, amountCapturableMinor: 0n, pendingOperation: null });
      expect(change.outbox).toEqual([
        { topic: "payment.canceled", payload: { paymentId: payment.id, status: to } },
      ]);
      return;
    }
    const change = build();
    expect(change.patch.status).toBeUndefined();
    expect(change.attemptSettlement?.status).toBe(UNDECIDED[outcome].attempt);
    if (outcome === "pending") expect(change.events[0]?.type).toBe("payment.cancel_acknowledged");
    else expect(change.patch.pendingOperation).toBe(UNDECIDED[outcome].inFlight ? "VOID" : null);
  });
});

describe("refundOutcomeChange", () => {
  it.each(grid)("refund $outcome on a $status payment", ({ status, outcome }) => {
    const payment = paymentIn(status);
    const now = new Date();
    const refund: RefundRecord = {
      id: newId("refund"),
      paymentId: payment.id,
      merchantId: actor.merchantId,
      mode: "TEST",
      amountMinor: 3_000n,
      currency: payment.currency,
      status: "PENDING",
      reason: null,
      pspReference: null,
      failureCode: null,
      createdAt: now,
      updatedAt: now,
    };
    const build = () =>
      refundOutcomeChange(actor, payment, { id: newId("pspAttempt") }, OUTCOMES[outcome], refund);
    if (outcome === "succeeded") {
      const to = (SUCCEEDS_FROM.refund as Partial<Record<PaymentStatus, PaymentStatus>>)[status];
      if (to === undefined) return expect(build).toThrow();
      const change = build();
      expect(change.patch).toMatchObject({
        status: to,
        amountRefundedMinor: payment.amountRefundedMinor + 3_000n,
        amountRefundPendingMinor: 0n,
      });
      expect(change.refundSettlement).toMatchObject({ id: refund.id, status: "SUCCEEDED", asRead: refund });
      expect(change.journal?.refundId).toBe(refund.id);
      return;
    }
    const change = build();
    expect(change.journal).toBeUndefined();
    if (outcome === "pending" || outcome === "unknown") {
      // The reservation stays until the PSP's answer is known.
      expect(change.patch).toEqual({});
      expect(change.returnRefund).toBe(refund.id);
      expect(change.events[0]?.type).toBe(outcome === "pending" ? "refund.acknowledged" : "refund.unknown");
      return;
    }
    expect(change.patch).toEqual({ amountRefundPendingMinor: 0n });
    expect(change.refundSettlement).toMatchObject({
      status: "FAILED",
      failureCode: {
        declined: "card_declined",
        failed: "processing_error",
        unavailable: "psp_unavailable",
        requires_action: "unexpected_requires_action",
      }[outcome],
    });
  });
});

describe("authorizationChange", () => {
  const held = new Date("2026-12-07T12:00:00Z");
  it.each([
    {
      outcome: "succeeded",
      captureMethod: "MANUAL",
      holdUntil: null,
      status: "AUTHORIZED",
      error: null,
      posted: false,
    },
    {
      outcome: "succeeded",
      captureMethod: "AUTOMATIC",
      holdUntil: null,
      status: "CAPTURED",
      error: null,
      posted: true,
    },
    {
      outcome: "succeeded",
      captureMethod: "AUTOMATIC",
      holdUntil: held,
      status: "REQUIRES_REVIEW",
      error: null,
      posted: false,
    },
    {
      outcome: "declined",
      captureMethod: "MANUAL",
      holdUntil: null,
      status: "DECLINED",
      error: "PAYMENT_DECLINED",
      posted: false,
    },
    {
      outcome: "failed",
      captureMethod: "MANUAL",
      holdUntil: null,
      status: "FAILED",
      error: "PAYMENT_FAILED",
      posted: false,
    },
    {
      outcome: "unavailable",
      captureMethod: "MANUAL",
      holdUntil: null,
      status: "FAILED",
      error: "PSP_NOT_REACHED",
      posted: false,
    },
    {
      outcome: "pending",
      captureMethod: "MANUAL",
      holdUntil: null,
      status: "PENDING",
      error: null,
      posted: false,
    },
    {
      outcome: "unknown",
      captureMethod: "AUTOMATIC",
      holdUntil: null,
      status: "PENDING",
      error: null,
      posted: false,
    },
  ] as const)("$outcome with $captureMethod capture (held: $holdUntil) -> $status", (row) => {
    const payment = { ...paymentIn("PENDING"), captureMethod: row.captureMethod };
    const attempt = {
      id: newId("pspAttempt"),
      operation: "AUTHORIZE" as const,
      pspName: "sandbox",
      idempotencyKey: "k",
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      refundId: null,
    };
    const terms = { holdUntil: row.holdUntil, fee: row.posted ? fee : null, context: null };
    const { change, errors } = authorizationChange(actor, payment, attempt, OUTCOMES[row.outcome], terms);
    // An undecided authorization leaves the status as it is (no status in the patch).
    expect(change.patch.status ?? payment.status).toBe(row.status);
    expect(change.decidedOn).toBe(payment);
    expect(errors.map((error) => error.code)).toEqual(row.error ? [row.error] : []);
    expect(change.journal !== undefined).toBe(row.posted);
    // Undecided authorizations stay in flight until the notification or the resolver decides them.
    const undecided = row.outcome === "pending" || row.outcome === "unknown";
    expect(change.patch.pendingOperation).toBe(undecided ? "AUTHORIZE" : null);
  });
});
