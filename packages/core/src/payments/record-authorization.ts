// Records an authorization's outcome, whoever learnt it: the request that made the call, the PSP's
// notification, or the resolver. The change itself is built by payment-changes.ts.
import { invariant } from "../errors/domain-error";
import type { IdempotencyContext } from "../idempotency/idempotency-service";
import { encodeResult } from "../idempotency/result-codec";
import type { PaymentId } from "../ids/ids";
import type { PspOutcome } from "../psp/psp-port";
import { authorizationCaptures, authorizationChange } from "./payment-changes";
import { actionExpiresAt, captureFeeOf, type PaymentCommandsDependencies } from "./payment-deps";
import { captureFxTerms } from "./payment-fx";
import type { MerchantActor, PaymentRecord, PspAttemptDraft } from "./payment-record";
import { type AnsweredChange, type PaymentResult, REQUESTS_OF } from "./payment-responses";

type Deps = Pick<PaymentCommandsDependencies, "store" | "now" | "reviewHoldTtlMs" | "fx" | "threeDSecure">;

/** Until when a payment the risk rules held for review waits for an operator; null when it is not held. */
export async function holdUntilOf(deps: Deps, paymentId: PaymentId): Promise<Date | null> {
  const held = (await deps.store.riskDecisionOf(paymentId)) === "REVIEW";
  return held ? new Date(deps.now().getTime() + deps.reviewHoldTtlMs) : null;
}

async function buildAuthorizationChange(
  deps: Deps,
  actor: MerchantActor,
  context: IdempotencyContext | null,
  payment: PaymentRecord,
  attempt: PspAttemptDraft | null,
  outcome: PspOutcome,
  holdUntil: Date | null,
) {
  // Fees are read only for an authorization that captures at once: the only outcome that posts to the ledger.
  const captures = authorizationCaptures(payment, outcome, holdUntil);
  const fee = captures ? await captureFeeOf(deps, actor, payment) : null;
  // Multiple currencies (issue 18): the capture converts at the newest rate when the merchant settles elsewhere.
  const fx = captures ? await captureFxTerms(deps, actor, payment) : null;
  const challengeUntil = outcome.outcome === "requires_action" ? actionExpiresAt(deps) : null;
  return authorizationChange(actor, payment, attempt, outcome, {
    holdUntil,
    fee,
    fx,
    context,
    actionExpiresAt: challengeUntil,
  });
}

/** Records an authorization's outcome for a request; a lost race answers with what is recorded instead. */
export async function settleAuthorization(
  deps: Deps,
  actor: MerchantActor,
  context: IdempotencyContext | null,
  payment: PaymentRecord,
  attempt: PspAttemptDraft | null,
  outcome: PspOutcome,
  holdUntil: Date | null = null,
): Promise<PaymentResult> {
  const built = await buildAuthorizationChange(deps, actor, context, payment, attempt, outcome, holdUntil);
  const { change, errors } = built;
  const result = await deps.store.applyPaymentChange(actor, change);
  if (result !== null) return { payment: result.payment, errors };
  // The PSP's notification settled it first (it can outrun the PSP's own answer): report what is recorded.
  const current = await deps.store.findPayment(actor, payment.id);
  invariant(current !== null, `payment ${payment.id} vanished`);
  // The lost change carried the request's completion; answer the request with what is recorded instead.
  if (context) {
    await deps.store.completeIdempotencyFor(
      payment.id,
      REQUESTS_OF.AUTHORIZE,
      encodeResult({ payment: current, errors }),
    );
  }
  return { payment: current, errors };
}

/**
 * Records an authorization's outcome learnt without a request (notification, resolver), with the errors its
 * request answers; null when the payment changed first.
 */
export async function applyAuthorization(
  deps: Deps,
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: PspAttemptDraft,
  outcome: PspOutcome,
  holdUntil: Date | null,
): Promise<AnsweredChange | null> {
  const { change, errors } = await buildAuthorizationChange(
    deps,
    actor,
    null,
    payment,
    attempt,
    outcome,
    holdUntil,
  );
  const result = await deps.store.applyPaymentChange(actor, change);
  return result && { ...result, errors };
}
