// Pure change builders: a payment as read plus an outcome to the PaymentChange that records it. The
// synchronous answer, the PSP's notification and the resolver all record an outcome through these, so a
// capture is posted to the ledger the same way whoever learnt of it first. Nothing here reads or writes.
import { invariant } from "../errors/domain-error";
import {
  captureConversion,
  type FxCaptureTerms,
  type FxRefundTerms,
  refundConversion,
} from "../fx/fx-postings";
import type { IdempotencyContext } from "../idempotency/idempotency-service";
import { newId, type PaymentId, type RefundId } from "../ids/ids";
import { computeFee, type FeeSchedule, feeScheduleIn } from "../ledger/fees";
import { capturePosting, refundPosting } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import type { PaymentChange } from "../ports/payment-store";
import type { PspOutcome } from "../psp/psp-port";
import type { RoutingDecision } from "../psp/routing";
import type {
  MerchantActor,
  PaymentEventDraft,
  PaymentRecord,
  PspAttemptDraft,
  PspAttemptSettlement,
  RefundRecord,
} from "./payment-record";
import type { ModificationOperation, UserErrorData } from "./payment-responses";
import { refundEvent } from "./payment-rules";
import { type PaymentEvent, type PaymentStatus, transition } from "./payment-state-machine";
import { threeDSecureRecord } from "./three-d-secure";

export type ChangeParts = Omit<PaymentChange, "decidedOn">;

export type VoidEventName =
  | "payment.canceled"
  | "review.rejected"
  | "review.expired"
  | "authorization.expired";

/** The audit event of a modification the PSP accepted without deciding yet. */
export const ACKNOWLEDGED_EVENTS: Record<ModificationOperation, string> = {
  CAPTURE: "payment.capture_acknowledged",
  VOID: "payment.cancel_acknowledged",
  REFUND: "refund.acknowledged",
};

export function newAttempt(
  operation: PspAttemptDraft["operation"],
  pspName: string,
  amountMinor: bigint,
  currency: CurrencyCode,
  refundId: PspAttemptDraft["refundId"],
): PspAttemptDraft {
  const id = newId("pspAttempt");
  // The attempt id is the key we send the PSP: every retry of this attempt reuses it.
  return { id, operation, pspName, idempotencyKey: id, amountMinor, currency, refundId };
}

/** How an attempt is settled by an outcome: unknown stays open to resolve, pending is acknowledged. */
export function settle(id: PspAttemptDraft["id"], outcome: PspOutcome): PspAttemptSettlement {
  switch (outcome.outcome) {
    case "succeeded":
      return {
        id,
        status: "SUCCEEDED",
        pspReference: outcome.pspReference,
        errorCode: null,
        errorMessage: null,
      };
    case "declined":
    case "failed":
      return {
        id,
        status: "FAILED",
        // Kept when the PSP named what it refused: a later dispute or notice about it finds this attempt.
        pspReference: outcome.pspReference ?? null,
        errorCode: outcome.code,
        errorMessage: outcome.message,
      };
    case "pending":
    // 3-D Secure: the PSP holds the authorization until the customer's challenge; decided by its completion.
    case "requires_action":
      return {
        id,
        status: "ACKNOWLEDGED",
        pspReference: outcome.pspReference,
        errorCode: null,
        errorMessage: null,
      };
    case "unavailable":
      return {
        id,
        status: "FAILED",
        pspReference: null,
        errorCode: "psp_unavailable",
        errorMessage: outcome.message,
      };
    case "unknown":
      return { id, status: "UNKNOWN", pspReference: null, errorCode: null, errorMessage: outcome.message };
  }
}

export function failureData(outcome: PspOutcome): Record<string, unknown> {
  if (outcome.outcome === "declined" || outcome.outcome === "failed") return { failureCode: outcome.code };
  if (outcome.outcome === "unavailable") return { failureCode: "psp_unavailable" };
  if (outcome.outcome === "unknown" || outcome.outcome === "pending" || outcome.outcome === "requires_action")
    return { outcome: outcome.outcome };
  return {};
}

/** What an attempt records of the routing decision (JSON-safe). */
export function routingRecord(decision: RoutingDecision): Record<string, unknown> {
  return {
    candidates: decision.candidates,
    matchedRuleId: decision.matchedRuleId,
    scores: decision.scores,
    breakers: decision.breakers,
    explored: decision.explored,
    skipped: decision.skipped,
  };
}

export function eventType(status: PaymentStatus): string {
  return `payment.${status.toLowerCase()}`;
}

export function statusMessage(topic: string, paymentId: PaymentId, status: PaymentStatus) {
  return { topic, payload: { paymentId, status } };
}

/** An audit event naming who acted: the API key, or the operator (with their note), or the system. */
export function apiEvent(
  actor: MerchantActor,
  type: string,
  oldStatus: PaymentStatus | null,
  newStatus: PaymentStatus | null,
  data: Record<string, unknown>,
): PaymentEventDraft {
  if (actor.by) {
    const note = actor.by.note ? { note: actor.by.note } : {};
    return {
      type,
      oldStatus,
      newStatus,
      source: actor.by.source,
      actor: `${actor.by.source.toLowerCase()}:${actor.by.id}`,
      data: { ...data, ...note },
    };
  }
  return { type, oldStatus, newStatus, source: "API", actor: actor.apiKeyId, data };
}

/**
 * The ledger of a capture: one entry in the payment's currency; or, when the merchant settles in another
 * currency (fx), that currency's leg too, converted at the rate locked here (../fx/fx-postings.ts).
 */
export function capturePostings(
  payment: Pick<PaymentRecord, "currency">,
  captureMinor: bigint,
  fee: FeeSchedule,
  fx: FxCaptureTerms | null,
): Pick<ChangeParts, "journal" | "fxConversion"> {
  if (fx === null) {
    const draft = capturePosting({
      amountMinor: captureMinor,
      currency: payment.currency,
      feeMinor: computeFee(captureMinor, feeScheduleIn(fee, payment.currency)),
    });
    return { journal: { draft, refundId: null } };
  }
  const { sourceEntry, conversion } = captureConversion({
    amountMinor: captureMinor,
    currency: payment.currency,
    fee,
    fx,
  });
  return {
    journal: { draft: sourceEntry, refundId: null },
    fxConversion: { draft: conversion, refundId: null },
  };
}

/** The ledger of a refund: at the capture's locked rate when the payment was converted (fx). */
export function refundPostings(
  payment: Pick<PaymentRecord, "currency" | "amountRefundedMinor">,
  refundId: RefundId,
  refundMinor: bigint,
  fx: FxRefundTerms | null,
): Pick<ChangeParts, "journal" | "fxConversion"> {
  if (fx === null)
    return {
      journal: { draft: refundPosting({ amountMinor: refundMinor, currency: payment.currency }), refundId },
    };
  const { sourceEntry, conversion } = refundConversion({
    amountMinor: refundMinor,
    currency: payment.currency,
    fx,
    // The payment as this change reads it (re-read on each retry): refunds' outcomes are written one at a time.
    refundedBeforeMinor: payment.amountRefundedMinor,
  });
  return { journal: { draft: sourceEntry, refundId }, fxConversion: { draft: conversion, refundId } };
}

/** A capture the PSP confirmed: CAPTURED, the rest of the authorization released, the capture posted. */
export function capturedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  captureMinor: bigint,
  fee: FeeSchedule,
  fx: FxCaptureTerms | null = null,
): ChangeParts {
  const status = transition(payment.status, "CAPTURE_SUCCEEDED");
  return {
    patch: { status, amountCapturedMinor: captureMinor, amountCapturableMinor: 0n, pendingOperation: null },
    events: [
      apiEvent(actor, "payment.captured", payment.status, status, {
        amountCapturedMinor: captureMinor,
        amountReleasedMinor: payment.amountCapturableMinor - captureMinor,
      }),
    ],
    attemptSettlement: settlement,
    ...capturePostings(payment, captureMinor, fee, fx),
    outbox: [statusMessage("payment.captured", payment.id, status)],
  };
}

const FAILED_EVENTS = { CAPTURE: "payment.capture_failed", VOID: "payment.cancel_failed" } as const;

/** A capture or void that did not happen; with `keepPending` (unknown outcome) the operation stays in flight. */
export function modificationFailedChange(
  operation: keyof typeof FAILED_EVENTS,
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  keepPending: boolean,
  data: Record<string, unknown>,
): ChangeParts {
  return {
    patch: { pendingOperation: keepPending ? operation : null },
    events: [apiEvent(actor, FAILED_EVENTS[operation], payment.status, payment.status, data)],
    attemptSettlement: settlement,
    outbox: [],
  };
}

/** A void the PSP confirmed: CANCELLED (REVIEW_REJECTED for a rejected hold), nothing left to capture. */
export function cancelledChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  eventName: VoidEventName,
): ChangeParts {
  const event: PaymentEvent =
    payment.status === "REQUIRES_REVIEW" && eventName === "review.rejected" ? "REVIEW_REJECTED" : "CANCELLED";
  const status = transition(payment.status, event);
  return {
    patch: { status, amountCapturableMinor: 0n, pendingOperation: null, reviewExpiresAt: null },
    events: [
      apiEvent(actor, eventName, payment.status, status, {
        amountReleasedMinor: payment.amountCapturableMinor,
      }),
    ],
    attemptSettlement: settlement,
    outbox: [statusMessage("payment.canceled", payment.id, status)],
  };
}

/** A refund the PSP confirmed: the reservation becomes refunded, the status follows, the refund is posted. */
export function refundedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  refundId: RefundId,
  refundMinor: bigint,
  fx: FxRefundTerms | null = null,
): ChangeParts {
  const event = refundEvent(payment, refundMinor);
  const status = transition(payment.status, event);
  const type = event === "REFUNDED_FULLY" ? "payment.refunded" : "payment.partially_refunded";
  return {
    patch: {
      status,
      amountRefundedMinor: payment.amountRefundedMinor + refundMinor,
      amountRefundPendingMinor: payment.amountRefundPendingMinor - refundMinor,
    },
    events: [apiEvent(actor, type, payment.status, status, { refundId, refundMinor })],
    attemptSettlement: settlement,
    refundSettlement: {
      id: refundId,
      status: "SUCCEEDED",
      pspReference: settlement.pspReference,
      failureCode: null,
    },
    ...refundPostings(payment, refundId, refundMinor, fx),
    outbox: [{ topic: "refund.succeeded", payload: { refundId, paymentId: payment.id, status } }],
  };
}

/** A refund that did not happen: its reservation is freed, nothing is posted. */
export function refundFailedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  refundId: RefundId,
  refundMinor: bigint,
  failureCode: string,
): ChangeParts {
  return {
    patch: { amountRefundPendingMinor: payment.amountRefundPendingMinor - refundMinor },
    events: [apiEvent(actor, "refund.failed", payment.status, payment.status, { refundId, failureCode })],
    attemptSettlement: settlement,
    refundSettlement: { id: refundId, status: "FAILED", pspReference: settlement.pspReference, failureCode },
    outbox: [{ topic: "refund.failed", payload: { refundId, paymentId: payment.id } }],
  };
}

/** A refund settlement that carries the refund as its request inserted it, so that its result can be predicted. */
function settlingAsRead(parts: ChangeParts, refund: RefundRecord): ChangeParts {
  invariant(parts.refundSettlement?.id === refund.id, "the settlement is of this refund");
  return { ...parts, refundSettlement: { ...parts.refundSettlement, asRead: refund } };
}

/** Accepted by the PSP (or no answer yet): nothing moves until the outcome is known. */
export function acknowledgedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  type: string,
  refundId?: RefundId,
): ChangeParts {
  return {
    patch: {},
    events: [apiEvent(actor, type, payment.status, payment.status, refundId ? { refundId } : {})],
    attemptSettlement: settlement,
    outbox: [],
    ...(refundId ? { returnRefund: refundId } : {}),
  };
}

/** The outcome of a capture, void or refund */
export type ModificationOutcome = Exclude<PspOutcome, { outcome: "requires_action" }>;

/**
 * Only an authorization asks for the customer's authentication: a PSP that answers a capture, void or refund
 * with requires_action did not apply it, and nothing can be done with it.
 */
export function modificationOutcome(outcome: PspOutcome): ModificationOutcome {
  if (outcome.outcome !== "requires_action") return outcome;
  return {
    outcome: "failed",
    code: "unexpected_requires_action",
    message: "the PSP asked for authentication on a modification",
    retryable: false,
  };
}

/** What a capture request's outcome does; an unknown one keeps the capture pending, never assumed either way. */
export function captureOutcomeChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: Pick<PspAttemptDraft, "id" | "amountMinor">,
  answer: PspOutcome,
  fee: FeeSchedule,
  fx: FxCaptureTerms | null = null,
): ChangeParts {
  const outcome = modificationOutcome(answer);
  const settlement = settle(attempt.id, outcome);
  if (outcome.outcome === "succeeded")
    return capturedChange(actor, payment, settlement, attempt.amountMinor, fee, fx);
  // Acknowledged, not confirmed: the capture stays pending and the ledger waits for the PSP's notification.
  if (outcome.outcome === "pending")
    return acknowledgedChange(actor, payment, settlement, ACKNOWLEDGED_EVENTS.CAPTURE);
  const keepPending = outcome.outcome === "unknown";
  return modificationFailedChange("CAPTURE", actor, payment, settlement, keepPending, failureData(outcome));
}

/** What a void request's outcome does (cancel, review rejection, hold expiry). */
export function voidOutcomeChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: Pick<PspAttemptDraft, "id">,
  answer: PspOutcome,
  eventName: VoidEventName,
): ChangeParts {
  const outcome = modificationOutcome(answer);
  const settlement = settle(attempt.id, outcome);
  if (outcome.outcome === "succeeded") return cancelledChange(actor, payment, settlement, eventName);
  if (outcome.outcome === "pending")
    return acknowledgedChange(actor, payment, settlement, ACKNOWLEDGED_EVENTS.VOID);
  const keepPending = outcome.outcome === "unknown";
  return modificationFailedChange("VOID", actor, payment, settlement, keepPending, failureData(outcome));
}

/** What a refund request's outcome does to the refund it inserted; acknowledged or unknown keeps the reservation. */
export function refundOutcomeChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: Pick<PspAttemptDraft, "id">,
  answer: PspOutcome,
  refund: RefundRecord,
  fx: FxRefundTerms | null = null,
): ChangeParts {
  const outcome = modificationOutcome(answer);
  const settlement = settle(attempt.id, outcome);
  if (outcome.outcome === "succeeded") {
    return settlingAsRead(
      refundedChange(actor, payment, settlement, refund.id, refund.amountMinor, fx),
      refund,
    );
  }
  if (outcome.outcome === "pending" || outcome.outcome === "unknown") {
    const type = outcome.outcome === "pending" ? ACKNOWLEDGED_EVENTS.REFUND : "refund.unknown";
    return acknowledgedChange(actor, payment, settlement, type, refund.id);
  }
  const code = outcome.outcome === "unavailable" ? "psp_unavailable" : outcome.code;
  return settlingAsRead(
    refundFailedChange(actor, payment, settlement, refund.id, refund.amountMinor, code),
    refund,
  );
}

export interface AuthorizationTerms {
  /** Set when the risk rules hold the payment for review: authorized, not captured, until then. */
  holdUntil: Date | null;
  /** The merchant's fees; needed only when the authorization captures (see authorizationCaptures). */
  fee: FeeSchedule | null;
  /** The conversion when it captures and the merchant settles in another currency (issue 18). */
  fx?: FxCaptureTerms | null;
  /** The request recording its own outcome; null for a notification or the resolver. */
  context: IdempotencyContext | null;
  /** 3-D Secure: until when a challenge the PSP asks for may be completed (the expiry worker cancels it after). */
  actionExpiresAt?: Date | null;
}

/** Whether a succeeded authorization of this payment is captured at once, and so posted with its fee. */
export function authorizationCaptures(payment: PaymentRecord, outcome: PspOutcome, holdUntil: Date | null) {
  return outcome.outcome === "succeeded" && holdUntil === null && payment.captureMethod === "AUTOMATIC";
}

/**
 * Builds an authorization outcome's change for an event (null: the status stays): the status the state machine
 * allows, the 3-D Secure result, the attempt's settlement, the outbox message and the idempotent answer.
 */
function outcomeChangeOf(
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: PspAttemptDraft | null,
  outcome: PspOutcome,
  context: IdempotencyContext | null,
  errors: UserErrorData[],
): (event: PaymentEvent | null, patch: PaymentChange["patch"]) => PaymentChange {
  const threeDSecure = "threeDSecure" in outcome && outcome.threeDSecure ? outcome.threeDSecure : null;
  return (event, patch) => {
    const status: PaymentStatus = event ? transition(payment.status, event) : payment.status;
    // Leaving REQUIRES_ACTION: the challenge is over, so its page and deadline go (the database checks it).
    const actionOver =
      payment.status === "REQUIRES_ACTION" && status !== "REQUIRES_ACTION"
        ? { nextActionUrl: null, actionExpiresAt: null }
        : {};
    const authenticated = threeDSecure ? { threeDSecure: threeDSecureRecord(threeDSecure) } : {};
    return {
      decidedOn: payment,
      patch: { ...patch, ...actionOver, ...authenticated, status, pendingOperation: null },
      events: [apiEvent(actor, eventType(status), payment.status, status, failureData(outcome))],
      ...(attempt ? { attemptSettlement: settle(attempt.id, outcome) } : {}),
      outbox: [statusMessage(eventType(status), payment.id, status)],
      ...(context
        ? { idempotency: context.completeWith((result) => ({ payment: result.payment, errors })) }
        : {}),
    };
  };
}

/** The change an authorization's outcome makes to the payment as read, and the errors its request answers. */
export function authorizationChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: PspAttemptDraft | null,
  outcome: PspOutcome,
  terms: AuthorizationTerms,
): { change: PaymentChange; errors: UserErrorData[] } {
  const errors = authorizationErrors(outcome);
  const change = outcomeChangeOf(actor, payment, attempt, outcome, terms.context, errors);
  switch (outcome.outcome) {
    case "succeeded":
      return { change: authorizedChange(payment, outcome.pspReference, terms, change), errors };
    case "declined":
    case "failed":
      return {
        change: change(outcome.outcome === "declined" ? "AUTHORIZATION_DECLINED" : "AUTHORIZATION_FAILED", {
          failureCode: outcome.code,
          failureMessage: outcome.message,
        }),
        errors,
      };
    case "unavailable":
      return {
        change: change("AUTHORIZATION_FAILED", {
          failureCode: "psp_unavailable",
          failureMessage: outcome.message,
        }),
        errors,
      };
    case "requires_action": {
      // 3-D Secure: nothing is authorized until the customer completes the issuer's challenge at the PSP.
      invariant(terms.actionExpiresAt, "a challenge has a deadline");
      return {
        change: change("AUTHENTICATION_REQUIRED", {
          pspReference: outcome.pspReference,
          nextActionUrl: outcome.redirectUrl,
          actionExpiresAt: terms.actionExpiresAt,
        }),
        errors,
      };
    }
    case "pending":
      // Accepted, decided later by the PSP's notification: the payment stays PENDING, the attempt ACKNOWLEDGED.
      return {
        change: {
          ...change(null, { pspReference: outcome.pspReference }),
          patch: { pspReference: outcome.pspReference, pendingOperation: "AUTHORIZE" },
          outbox: [],
        },
        errors,
      };
    case "unknown":
      // We cannot know whether the PSP charged: the payment stays PENDING with its attempt UNKNOWN
      // until its outcome is resolved with that PSP. It is never retried elsewhere.
      return {
        change: { ...change(null, {}), patch: { pendingOperation: "AUTHORIZE" }, outbox: [] },
        errors,
      };
  }
}

/** A succeeded authorization: held for review, captured at once (and posted), or authorized to capture later. */
function authorizedChange(
  payment: PaymentRecord,
  pspReference: string,
  terms: AuthorizationTerms,
  change: (event: PaymentEvent, patch: PaymentChange["patch"]) => PaymentChange,
): PaymentChange {
  if (terms.holdUntil !== null) {
    // Authorized but held: nothing is captured or posted until an operator decides.
    return change("HELD_FOR_REVIEW", {
      pspReference,
      amountCapturableMinor: payment.amountMinor,
      reviewExpiresAt: terms.holdUntil,
    });
  }
  if (payment.captureMethod !== "AUTOMATIC") {
    return change("AUTHORIZATION_SUCCEEDED", { pspReference, amountCapturableMinor: payment.amountMinor });
  }
  invariant(terms.fee !== null, "a captured authorization is posted with the merchant's fee");
  const captured = change("CAPTURE_SUCCEEDED", {
    pspReference,
    amountCapturedMinor: payment.amountMinor,
    amountCapturableMinor: 0n,
  });
  return { ...captured, ...capturePostings(payment, payment.amountMinor, terms.fee, terms.fx ?? null) };
}

/** What the request of an authorization answers for its outcome. */
function authorizationErrors(outcome: PspOutcome): UserErrorData[] {
  switch (outcome.outcome) {
    case "declined":
      return [
        {
          code: "PAYMENT_DECLINED",
          message:
            outcome.code === "fraud_suspected"
              ? "The payment was declined by the risk rules."
              : `The card was declined (${outcome.code}).`,
          field: null,
        },
      ];
    case "failed":
      return [
        {
          code: "PAYMENT_FAILED",
          message: `The payment could not be processed (${outcome.code}); it is safe to retry with a new idempotency key.`,
          field: null,
        },
      ];
    case "unavailable":
      return [
        {
          code: "PSP_NOT_REACHED",
          message:
            "No payment service provider could be reached; nothing was charged. Retry with a new idempotency key.",
          field: null,
        },
      ];
    default:
      return [];
  }
}
