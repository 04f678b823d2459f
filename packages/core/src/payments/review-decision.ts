// An operator decides a payment the risk rules held for review: approval authorizes it (and captures at once
// when it asked for automatic capture), rejection voids it. The audit trail names the operator and their note.
import { DomainError } from "../errors/domain-error";
import type { IdempotentOutcome } from "../idempotency/idempotency-service";
import { parseIdempotencyKey } from "../ids/ids";
import { captureSettlement, runModification, sendAndSettle, voidModification } from "./modify-payment";
import { withOperatorAudit } from "./operator-audit";
import { apiEvent, newAttempt, statusMessage } from "./payment-changes";
import {
  changeWithRetry,
  type PaymentCommandsDependencies,
  parsePaymentId,
  paymentNotFound,
  pspOf,
  scope,
} from "./payment-deps";
import { validateOperatorNote } from "./payment-input";
import type { MerchantActor, PaymentChangeResult, PaymentRecord, PspAttemptDraft } from "./payment-record";
import type { OperatorActor, PaymentCommandOptions, ReviewDecisionInput } from "./payment-requests";
import type { PaymentResult } from "./payment-responses";
import { transition } from "./payment-state-machine";

/** Only a payment held for review, with nothing in flight, can be approved, rejected or expired. */
export function planReviewDecision(payment: PaymentRecord): void {
  if (payment.status !== "REQUIRES_REVIEW") {
    throw new DomainError("PAYMENT_NOT_IN_REVIEW", `The payment is ${payment.status}, not held for review.`, {
      field: ["paymentId"],
    });
  }
  if (payment.pendingOperation !== null) {
    throw new DomainError(
      "PAYMENT_OPERATION_IN_PROGRESS",
      "An operation on this payment is in flight; retry.",
      {
        retryable: true,
      },
    );
  }
}

async function operatorOnPayment(
  deps: PaymentCommandsDependencies,
  operator: OperatorActor,
  input: ReviewDecisionInput,
) {
  const key = parseIdempotencyKey(input.idempotencyKey);
  const paymentId = parsePaymentId(input.paymentId);
  const note = validateOperatorNote(input.note);
  const scopeOf = await deps.store.findPaymentScope(paymentId);
  if (scopeOf === null) throw paymentNotFound();
  const actor: MerchantActor = {
    merchantId: scopeOf.merchantId,
    mode: scopeOf.mode,
    apiKeyId: null,
    by: { source: "OPERATOR", id: operator.operatorId, note },
  };
  // Operators' keys live apart from the merchant's own keys in the same scope.
  return { actor, key: parseIdempotencyKey(`operator:${key}`.slice(0, 255)), paymentId };
}

/**
 * An operator approves a payment held for review: it becomes AUTHORIZED and, if it asked for automatic
 * capture, is captured at once.
 */
export async function approveReview(
  deps: PaymentCommandsDependencies,
  operator: OperatorActor,
  input: ReviewDecisionInput,
  options: PaymentCommandOptions = {},
): Promise<IdempotentOutcome<PaymentResult>> {
  const { actor, key, paymentId } = await operatorOnPayment(deps, operator, input);
  const normalized = { paymentId, note: input.note ?? null };
  return deps.idempotency.run(scope(actor, key), "approveReview", normalized, async (context) => {
    let attempt: PspAttemptDraft | null = null;
    let readFirst: PaymentRecord | null = null;
    const approved = await changeWithRetry(deps, actor, paymentId, (payment) => {
      readFirst = payment;
      planReviewDecision(payment);
      const status = transition(payment.status, "REVIEW_APPROVED");
      const captureNow = payment.captureMethod === "AUTOMATIC";
      const captureMinor = payment.amountCapturableMinor;
      attempt = captureNow
        ? newAttempt("CAPTURE", payment.pspName ?? "unknown", captureMinor, payment.currency, null)
        : null;
      const answer = (result: PaymentChangeResult) => ({ payment: result.payment, errors: [] });
      // Approval alone completes the request here, with the audit row; a capture carries it to its outcome.
      return withOperatorAudit(captureNow ? undefined : options.audit, payment, {
        patch: { status, reviewExpiresAt: null, pendingOperation: captureNow ? "CAPTURE" : null },
        events: [apiEvent(actor, "review.approved", payment.status, status, {})],
        ...(attempt ? { attemptInsert: attempt } : {}),
        outbox: [
          statusMessage("payment.review_decided", payment.id, status),
          statusMessage("payment.authorized", payment.id, status),
        ],
        idempotency: captureNow
          ? {
              recordId: context.recordId,
              recordCreatedAt: context.recordCreatedAt,
              lockedUntil: context.lockedUntil,
            }
          : { ...context.completeWith(answer), lockedUntil: context.lockedUntil },
      });
    });
    context.markSideEffects();
    const captureAttempt = attempt as PspAttemptDraft | null;
    if (captureAttempt === null) return { payment: approved.payment, errors: [] };
    const psp = pspOf(deps, actor, approved.payment);
    // The capture was recorded with the approval above: only its call and outcome remain.
    const recorded = { psp, attempt: captureAttempt, started: approved };
    const before = (readFirst as PaymentRecord | null) ?? undefined;
    return sendAndSettle(
      deps,
      actor,
      context,
      recorded,
      captureSettlement(deps, actor),
      options.audit,
      before,
    );
  });
}

/** An operator rejects a held payment: the authorization is voided and the payment CANCELLED. */
export async function rejectReview(
  deps: PaymentCommandsDependencies,
  operator: OperatorActor,
  input: ReviewDecisionInput,
  options: PaymentCommandOptions = {},
): Promise<IdempotentOutcome<PaymentResult>> {
  const { actor, key, paymentId } = await operatorOnPayment(deps, operator, input);
  const reject = voidModification(actor, "review.rejected", planReviewDecision);
  return deps.idempotency.run(
    scope(actor, key),
    "rejectReview",
    { paymentId, note: input.note ?? null },
    (context) => runModification(deps, actor, context, paymentId, reject, options.audit),
  );
}
