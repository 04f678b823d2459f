// Applies a PSP's notification (webhook) through the state machine. A late or repeated notification never
// moves a payment backwards: what no longer applies is reported, not applied. The resolver records the
// definite answers it gets for modifications through here too, so both settle an attempt the same way.

import { invariant } from "../errors/domain-error";
import type { FxCaptureTerms, FxRefundTerms } from "../fx/fx-postings";
import { encodeResult } from "../idempotency/result-codec";
import { type PspAttemptId, parseId } from "../ids/ids";
import type { FeeSchedule } from "../ledger/fees";
import type { StoredAttempt } from "../ports/payment-store";
import { isRetryableFailureCode, type PspOutcome } from "../psp/psp-port";
import { completeAuthentication } from "./complete-authentication";
import {
  type ChangeParts,
  cancelledChange,
  capturedChange,
  modificationFailedChange,
  refundedChange,
  refundFailedChange,
} from "./payment-changes";
import {
  CONFLICT_RETRY_MAX,
  captureFeeOf,
  type PaymentCommandsDependencies,
  systemActor,
} from "./payment-deps";
import { captureFxTerms, refundFxTerms } from "./payment-fx";
import type { MerchantActor, PaymentRecord, PspAttemptDraft, PspAttemptSettlement } from "./payment-record";
import type { PspNotification } from "./payment-requests";
import {
  type AnsweredChange,
  modificationErrors,
  type NotificationResult,
  REQUESTS_OF,
  type RecordedContradiction,
  requestResponse,
} from "./payment-responses";
import { applyAuthorization, holdUntilOf } from "./record-authorization";

type Deps = PaymentCommandsDependencies;
type ModificationNotification = Extract<PspNotification, { kind: "capture" | "void" | "refund" }>;
type AuthorizationNotification = Extract<PspNotification, { kind: "authorization" }>;

/** A change built on a payment that changed before it was applied: nothing was written. */
const LOST_RACE = Symbol("lost race");

const OPERATION_OF = { capture: "CAPTURE", void: "VOID", refund: "REFUND" } as const;

/** Unknown references are for the caller's dead-letter table. */
export function applyPspNotification(deps: Deps, notification: PspNotification): Promise<NotificationResult> {
  return applyNotification(deps, notification, null);
}

/** Who tells us: the PSP's notification, or its settlement report (reconciliation), as the event's source. */
export type NotificationSource = "WEBHOOK" | "RECONCILIATION";

/**
 * `orphaned`: an attempt the caller (the resolver) knows its process abandoned, settled even while PENDING.
 */
export async function applyNotification(
  deps: Deps,
  notification: PspNotification,
  orphaned: PspAttemptId | null,
  source: NotificationSource = "WEBHOOK",
): Promise<NotificationResult> {
  // The payment and its attempts are read apart: when the payment changed in between (our own call's answer
  // recorded meanwhile, say), the decision was made on stale data and is made again on fresh data.
  for (let round = 0; round < CONFLICT_RETRY_MAX; round++) {
    const result = await applyNotificationOnce(deps, notification, orphaned, source);
    if (result !== LOST_RACE) return result;
  }
  return { applied: false, reason: "in_flight" };
}

async function applyNotificationOnce(
  deps: Deps,
  notification: PspNotification,
  orphaned: PspAttemptId | null,
  source: NotificationSource,
): Promise<NotificationResult | typeof LOST_RACE> {
  const payment = await findNotifiedPayment(deps, notification);
  if (payment === null) {
    // A modification of a payment whose authorization answer we have not recorded yet (an automatic capture's
    // notice can outrun our own call's answer): redelivered later, not an operator's dead letter.
    return (await authorizationInFlight(deps, notification))
      ? { applied: false, reason: "in_flight" }
      : { applied: false, reason: "unknown_payment" };
  }
  if (notification.kind === "authorization" && payment.status === "REQUIRES_ACTION") {
    // 3-D Secure: the PSP says the challenge is over. Its outcome and the authentication's details are asked of
    // the PSP by the one completion path, which a return of the customer may be running too: applied once.
    const { payment: after } = await completeAuthentication(
      deps,
      { paymentId: payment.id, returnedReference: null },
      "WEBHOOK",
    );
    return after.status === "REQUIRES_ACTION"
      ? { applied: false, reason: "in_flight" }
      : { applied: true, paymentId: after.id, status: after.status };
  }
  const attempts = await deps.store.attemptsOf(payment.id);
  if (notification.kind === "authorization") {
    return applyAuthorizationNotification(deps, notification, payment, attempts, orphaned, source);
  }
  return applyModificationNotification(deps, notification, payment, attempts, orphaned, source);
}

/** Whether a modification's echoed reference names a payment of ours whose authorization at this PSP is in flight. */
async function authorizationInFlight(deps: Deps, notification: PspNotification): Promise<boolean> {
  if (notification.kind === "authorization" || !notification.attemptReference) return false;
  const id = parseId("payment", notification.attemptReference);
  const scope = id ? await deps.store.findPaymentScope(id) : null;
  const payment = id && scope ? await deps.store.findPayment({ ...scope, apiKeyId: null }, id) : null;
  if (payment === null) return false;
  const attempts = await deps.store.attemptsOf(payment.id);
  return attempts.some(
    (a) =>
      a.operation === "AUTHORIZE" &&
      a.pspName === notification.pspName &&
      a.pspReference === null &&
      (a.status === "PENDING" || a.status === "UNKNOWN"),
  );
}

async function findNotifiedPayment(deps: Deps, notification: PspNotification): Promise<PaymentRecord | null> {
  const lookup =
    notification.kind === "authorization" ? notification.pspReference : notification.paymentPspReference;
  const payment = await deps.store.findPaymentByPspReference(notification.pspName, lookup);
  if (payment !== null || notification.kind !== "authorization" || !notification.reference) return payment;
  const id = parseId("payment", notification.reference);
  const scope = id ? await deps.store.findPaymentScope(id) : null;
  const byReference = id && scope ? await deps.store.findPayment({ ...scope, apiKeyId: null }, id) : null;
  if (byReference === null) return null;
  if (byReference.pspName === notification.pspName) return byReference;
  // The payment failed over to another PSP: the notice is about its attempt at this one, recognised by the
  // reference that attempt recorded, or, for a success of an attempt we recorded FAILED without a reference (it
  // never got an answer), by our payment id the PSP echoes back in a signed message. A success there is a
  // contradiction for an operator, never ignored; nothing else is settled through an attempt matched that way.
  const attempts = await deps.store.attemptsOf(byReference.id);
  const ofAttempt = attempts.some(
    (a) =>
      a.operation === "AUTHORIZE" &&
      a.pspName === notification.pspName &&
      (a.pspReference === notification.pspReference ||
        (notification.success && a.pspReference === null && a.status === "FAILED")),
  );
  return ofAttempt ? byReference : null;
}

/**
 * The attempt a notification is about. Only attempts whose own call is over are settled here (ACKNOWLEDGED, or
 * UNKNOWN after a timeout, or PENDING with its process gone): while a call is still in flight its answer owns
 * the outcome, and the PSP is asked to redeliver later (`wait`). Matching is exact when a reference is known:
 * our attempt id (echoed back by the PSP) or the PSP's reference for the modification. Without one, only a
 * single open attempt can match.
 */
export function matchAttempt(
  attempts: StoredAttempt[],
  of: { operation: PspAttemptDraft["operation"]; pspName: string; orphaned: PspAttemptId | null },
  pspReference: string | null,
  attemptReference: string | null,
): { attempt?: StoredAttempt; wait?: true } {
  const abandoned = (a: StoredAttempt) => a.status === "PENDING" && (a.id === of.orphaned || a.ownerGone);
  const ours = attempts.filter((a) => a.operation === of.operation && a.pspName === of.pspName);
  const settleable = ours.filter(
    (a) => a.status === "ACKNOWLEDGED" || a.status === "UNKNOWN" || abandoned(a),
  );
  const exact =
    (attemptReference
      ? ours.find((a) => a.id === attemptReference || a.idempotencyKey === attemptReference)
      : undefined) ?? (pspReference ? ours.find((a) => a.pspReference === pspReference) : undefined);
  if (exact) {
    if (settleable.includes(exact)) return { attempt: exact };
    return exact.status === "PENDING" ? { wait: true } : {};
  }
  if (ours.some((a) => a.status === "PENDING" && !abandoned(a))) return { wait: true };
  const unreferenced = settleable.filter((a) => a.pspReference === null || pspReference === null);
  return unreferenced.length === 1 ? { attempt: unreferenced[0] } : {};
}

async function applyAuthorizationNotification(
  deps: Deps,
  notification: AuthorizationNotification,
  payment: PaymentRecord,
  attempts: StoredAttempt[],
  orphaned: PspAttemptId | null,
  source: NotificationSource,
): Promise<NotificationResult | typeof LOST_RACE> {
  const of = { operation: "AUTHORIZE" as const, pspName: notification.pspName, orphaned };
  const found = matchAttempt(attempts, of, notification.pspReference, null);
  if (found.wait) return { applied: false, reason: "in_flight" };
  const attempt = found.attempt;
  if (payment.status !== "PENDING" || attempt === undefined) {
    const contradiction = authorizationContradiction(notification, payment, attempts);
    return contradiction === null
      ? { applied: false, reason: "already_applied" }
      : { applied: false, reason: "contradicts_confirmed", contradiction };
  }
  const holdUntil = await holdUntilOf(deps, payment.id);
  const code = notification.code ?? "card_declined";
  const outcome: PspOutcome = notification.success
    ? { outcome: "succeeded", pspReference: notification.pspReference }
    : isRetryableFailureCode(code)
      ? {
          outcome: "failed",
          code,
          message: "failed by notification",
          retryable: true,
          pspReference: notification.pspReference,
        }
      : {
          outcome: "declined",
          code,
          message: "declined by notification",
          pspReference: notification.pspReference,
        };
  const actor = systemActor(payment, source, notification.pspName);
  const draft = { ...attempt, currency: payment.currency, refundId: null };
  const result = await applyAuthorization(deps, actor, payment, draft, outcome, holdUntil);
  if (result === null) return LOST_RACE;
  deps.psps.recordAuthorization(notification.pspName, notification.success);
  // The request of a process that died mid-call is still IN_PROGRESS: it answers what its process would have.
  if (attempt.status === "PENDING") await answerAbandonedRequest(deps, attempt, result);
  return { applied: true, paymentId: payment.id, status: result.payment.status };
}

/**
 * What an authorization notice that no longer applies says against our record, or null when it agrees. The PSP
 * says the opposite of the outcome recorded for this very authorization (by its own earlier answer, or by an
 * operator who had it confirmed out of band); or it reports a success we have no record of, the late answer to an
 * attempt at this PSP we gave up on (failed after a timeout, or failed over to another PSP): a customer may have
 * been charged on a payment we show failed or paid elsewhere. No edge undoes either, so an operator must look.
 */
export function authorizationContradiction(
  notification: AuthorizationNotification,
  payment: Pick<PaymentRecord, "id">,
  attempts: readonly StoredAttempt[],
): RecordedContradiction | null {
  const atPsp = attempts.filter((a) => a.operation === "AUTHORIZE" && a.pspName === notification.pspName);
  const contradiction = (a: StoredAttempt, recorded: RecordedContradiction["recorded"]) => ({
    paymentId: payment.id,
    attemptId: a.id,
    operation: a.operation,
    recorded,
    amountMinor: a.amountMinor,
  });
  const recorded = atPsp.find((a) => a.pspReference === notification.pspReference);
  if (recorded !== undefined) {
    if (recorded.status === "SUCCEEDED" && !notification.success) return contradiction(recorded, "SUCCEEDED");
    // Reaching here, the payment has moved on without this attempt (a still-open one would have been applied).
    if ((recorded.status === "FAILED" || recorded.status === "UNKNOWN") && notification.success)
      return contradiction(recorded, recorded.status);
    return null;
  }
  if (!notification.success) return null;
  // A success under a reference we never recorded (a timed-out attempt has none; a PSP may answer a retry under a
  // new one): the latest attempt at this PSP we gave up on is the one answered late (the store lists newest first).
  const latest = atPsp.find((a) => a.status === "FAILED" || a.status === "UNKNOWN");
  return latest === undefined ? null : contradiction(latest, latest.status as "FAILED" | "UNKNOWN");
}

async function applyModificationNotification(
  deps: Deps,
  notification: ModificationNotification,
  payment: PaymentRecord,
  attempts: StoredAttempt[],
  orphaned: PspAttemptId | null,
  source: NotificationSource,
): Promise<NotificationResult | typeof LOST_RACE> {
  const operation = OPERATION_OF[notification.kind];
  const of = { operation, pspName: notification.pspName, orphaned };
  const found = matchAttempt(
    attempts,
    of,
    notification.modificationReference,
    notification.attemptReference ?? null,
  );
  if (found.wait) return { applied: false, reason: "in_flight" };
  const attempt = found.attempt;
  if (attempt === undefined) {
    // A failure reported for a modification we already recorded as confirmed (e.g. REFUND_FAILED after REFUND):
    // no edge of the state machine undoes it, so an operator must look.
    // Named by our attempt id (echoed back, or the resolver's own) or by the PSP's modification reference.
    const names = (a: StoredAttempt) =>
      (notification.attemptReference != null && a.id === notification.attemptReference) ||
      (notification.modificationReference !== null && a.pspReference === notification.modificationReference);
    const confirmed = attempts.find((a) => a.operation === operation && a.status === "SUCCEEDED" && names(a));
    if (confirmed && !notification.success)
      return {
        applied: false,
        reason: "contradicts_confirmed",
        contradiction: modificationContradiction(payment, confirmed, "SUCCEEDED"),
      };
    // A success for a modification recorded as failed (by the PSP's earlier answer or by an operator who had it
    // confirmed out of band): money moved that our books say did not, an operator must look.
    const failedBefore = attempts.find((a) => a.operation === operation && a.status === "FAILED" && names(a));
    if (failedBefore && notification.success)
      return {
        applied: false,
        reason: "contradicts_confirmed",
        contradiction: modificationContradiction(payment, failedBefore, "FAILED"),
      };
    return { applied: false, reason: "already_applied" };
  }
  const actor = systemActor(payment, source, notification.pspName);
  const fee = await captureFeeOf(deps, actor, payment);
  // Multiple currencies (issue 18): a succeeded capture or refund converts at the newest rate / the locked one.
  const fx = notification.success ? await notifiedFxTerms(deps, actor, payment, notification.kind) : null;
  // Decided on the payment as read before its attempts, and written only if it is still that version. Every
  // settlement of an attempt advances the payment's version, so a change meanwhile (the refund's success being
  // recorded while its failure is decided, say) makes the whole decision again on what was committed: the attempt
  // is then settled, and the notice is the contradiction it is, never applied on top of it (the payments guard
  // would refuse releasing a refund twice) nor lost.
  const built = notifiedModificationChange(actor, payment, notification, attempt, fee, fx);
  const changed = await deps.store.applyPaymentChange(actor, { ...built.parts, decidedOn: payment });
  if (changed === null) return LOST_RACE;
  const applied = built.applied;
  if (attempt.status === "PENDING") {
    // What was recorded, as the outcome the request of an abandoned attempt answers.
    const recorded = recordedOutcome(notification, attempt, applied);
    await answerAbandonedRequest(deps, attempt, {
      ...changed,
      errors: modificationErrors(operation, recorded),
    });
  }
  return { applied: true, paymentId: payment.id, status: changed.payment.status };
}

function modificationContradiction(
  payment: Pick<PaymentRecord, "id">,
  attempt: StoredAttempt,
  recorded: "SUCCEEDED" | "FAILED",
): RecordedContradiction {
  return {
    paymentId: payment.id,
    attemptId: attempt.id,
    operation: attempt.operation,
    recorded,
    amountMinor: attempt.amountMinor,
  };
}

/** The settlement a modification's notification makes of its attempt. */
function notifiedSettlement(
  notification: ModificationNotification,
  attempt: StoredAttempt,
): PspAttemptSettlement {
  return {
    id: attempt.id,
    status: notification.success ? "SUCCEEDED" : "FAILED",
    pspReference: notification.modificationReference ?? attempt.pspReference,
    errorCode: notification.success ? null : (notification.code ?? "failed"),
    errorMessage: null,
  };
}

/**
 * The change a modification's notification makes to the payment as read. A success that no longer applies
 * (the payment moved on meanwhile) is recorded as a failure of the attempt; `applied` says which it was.
 */
export function notifiedModificationChange(
  actor: MerchantActor,
  current: PaymentRecord,
  notification: ModificationNotification,
  attempt: StoredAttempt,
  fee: FeeSchedule,
  fx: FxCaptureTerms | FxRefundTerms | null = null,
): { parts: ChangeParts; applied: boolean } {
  const settlement = notifiedSettlement(notification, attempt);
  const failure = { failureCode: settlement.errorCode };
  const failed = { ...settlement, status: "FAILED" as const };
  const applies =
    notification.kind === "capture"
      ? current.status === "AUTHORIZED"
      : notification.kind === "void"
        ? current.status === "AUTHORIZED" || current.status === "REQUIRES_REVIEW"
        : true;
  const succeeds = notification.success && applies;
  const applied = !notification.success || applies;
  if (notification.kind === "capture") {
    const parts = succeeds
      ? capturedChange(
          actor,
          current,
          settlement,
          attempt.amountMinor,
          fee,
          fx && "fxFeeBps" in fx ? fx : null,
        )
      : modificationFailedChange("CAPTURE", actor, current, failed, false, failure);
    return { parts, applied };
  }
  if (notification.kind === "void") {
    const parts = succeeds
      ? cancelledChange(actor, current, settlement, "payment.canceled")
      : modificationFailedChange("VOID", actor, current, failed, false, failure);
    return { parts, applied };
  }
  invariant(attempt.refundId !== null, "a refund attempt names its refund");
  const parts = notification.success
    ? refundedChange(
        actor,
        current,
        settlement,
        attempt.refundId,
        attempt.amountMinor,
        fx && "capturedAt" in fx ? fx : null,
      )
    : refundFailedChange(
        actor,
        current,
        settlement,
        attempt.refundId,
        attempt.amountMinor,
        settlement.errorCode ?? "failed",
      );
  return { parts, applied };
}

/** The conversion terms of a notified capture or refund (null for a void, or a payment that settles as it is). */
async function notifiedFxTerms(
  deps: Deps,
  actor: MerchantActor,
  payment: PaymentRecord,
  kind: ModificationNotification["kind"],
): Promise<FxCaptureTerms | FxRefundTerms | null> {
  if (kind === "capture") return captureFxTerms(deps, actor, payment);
  if (kind === "void") return null;
  return refundFxTerms(deps, payment);
}

function recordedOutcome(
  notification: ModificationNotification,
  attempt: StoredAttempt,
  applied: boolean,
): PspOutcome {
  if (!applied)
    return { outcome: "failed", code: "payment_changed", message: "no longer applies", retryable: false };
  const settlement = notifiedSettlement(notification, attempt);
  return notification.success
    ? { outcome: "succeeded", pspReference: settlement.pspReference ?? "" }
    : { outcome: "failed", code: settlement.errorCode ?? "failed", message: "failed", retryable: false };
}

/**
 * Completes the request that started an attempt its process abandoned (it died mid-call, its idempotency
 * record still IN_PROGRESS) with the response that request would have stored, so that its replay answers the
 * operation's object, never an empty payload. A request that did complete is left as it is.
 */
export async function answerAbandonedRequest(
  deps: Pick<Deps, "store">,
  attempt: Pick<StoredAttempt, "operation" | "refundId">,
  result: AnsweredChange,
): Promise<void> {
  const response = requestResponse(attempt.operation, result, result.errors);
  await deps.store.completeIdempotencyFor(
    attempt.refundId ?? result.payment.id,
    REQUESTS_OF[attempt.operation],
    encodeResult(response),
  );
}
