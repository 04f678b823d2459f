// 3-D Secure (issue 20): a payment the PSP held for the customer's challenge (REQUIRES_ACTION) is finished
// here, whoever learns the challenge is over: the customer's return to paycore, the PSP's notification, or the
// expiry worker once the challenge has been abandoned. The outcome is always asked of the PSP server to server:
// nothing in the customer's redirect is trusted but the PSP reference it names, which must be this payment's.
//
// Exactly once: the completion first claims the payment (a conditional update advancing its version), so of two
// returns racing only one asks the PSP; the PSP's answer is recorded through the state machine by the same
// change builder as any authorization, conditional on the claimed version, settling the authorize attempt the
// challenge left ACKNOWLEDGED. A duplicate return, or a notification arriving after, finds the payment decided
// and changes nothing.
import { DomainError, invariant } from "../errors/domain-error";
import { parseIdempotencyKey } from "../ids/ids";
import type { StoredAttempt } from "../ports/payment-store";
import type { PaymentServiceProvider, PspOutcome } from "../psp/psp-port";
import { apiEvent, settle, statusMessage } from "./payment-changes";
import {
  callPsp,
  existingPayment,
  type PaymentCommandsDependencies,
  parsePaymentId,
  paymentNotFound,
  pspOf,
  systemActor,
} from "./payment-deps";
import type { MerchantActor, PaymentRecord, PspAttemptDraft } from "./payment-record";
import type { PaymentResult } from "./payment-responses";
import { transition } from "./payment-state-machine";
import { holdUntilOf, settleAuthorization } from "./record-authorization";
import { threeDSecureRecord } from "./three-d-secure";

type Deps = PaymentCommandsDependencies;

/** Abandoned challenges cancelled per sweep; the worker runs again soon, so a backlog drains in bounded steps. */
export const ACTION_EXPIRY_BATCH_MAX = 100;
/** Bounds the PSP reference a return may carry (it is only compared, never stored). */
const RETURNED_REFERENCE_LENGTH_MAX = 255;
/** Bounds the opaque redirect result a return may carry (passed to the PSP, never stored). */
export const REDIRECT_RESULT_LENGTH_MAX = 4096;
/** The failure code a PSP answers when the completion it was given is another payment's (nothing recorded). */
export const REFERENCE_MISMATCH_CODE = "reference_mismatch";

export interface CompleteAuthenticationInput {
  paymentId: string;
  /**
   * The PSP reference the customer's return names (Stripe's `payment_intent`, the Adyen-style sandbox's
   * `pspReference`); null when the completion is not a return (a notification). When given it must be the
   * payment's own: a return naming another payment's authentication is refused, nothing written.
   */
  returnedReference: string | null;
  /**
   * The opaque result the return carried for the PSP (Adyen's `redirectResult`); null without one. The payment
   * is named by paycore's own signed return state (checked by the route), never by this: it is passed to the
   * PSP, whose answer must name this payment (otherwise THREE_D_SECURE_RETURN_MISMATCH, nothing recorded).
   */
  redirectResult?: string | null;
}

/** Who finishes the authentication: the customer's return (SYSTEM), or the PSP's notification (WEBHOOK). */
export type CompletionSource = "SYSTEM" | "WEBHOOK";

export async function completeAuthentication(
  deps: Deps,
  input: CompleteAuthenticationInput,
  source: CompletionSource = "SYSTEM",
): Promise<PaymentResult> {
  const paymentId = parsePaymentId(input.paymentId);
  const returned = parseReturnedReference(input.returnedReference);
  const redirectResult = parseRedirectResult(input.redirectResult ?? null);
  const paymentScope = await deps.store.findPaymentScope(paymentId);
  if (paymentScope === null) throw paymentNotFound();
  const actor = systemActor(paymentScope, source, source === "WEBHOOK" ? "psp" : "three-d-secure-return");
  const payment = await existingPayment(deps, actor, paymentId);
  if (payment.threeDSecure === null) {
    throw new DomainError(
      "THREE_D_SECURE_NOT_REQUIRED",
      "This payment did not ask for 3-D Secure authentication.",
    );
  }
  if (returned !== null && returned !== payment.pspReference) {
    throw new DomainError(
      "THREE_D_SECURE_RETURN_MISMATCH",
      "The authentication this return names is not this payment's; nothing was changed.",
    );
  }
  // Decided already (a duplicate return, or the notification came first): that outcome stands.
  if (payment.status !== "REQUIRES_ACTION") return { payment, errors: [] };
  return finish(deps, actor, payment, "complete", redirectResult);
}

/**
 * Asks the PSP how the challenge went and records it; for the expiry worker (`expire`), a challenge still not
 * completed is abandoned: the PSP is told to cancel it and the payment is CANCELLED.
 */
async function finish(
  deps: Deps,
  actor: MerchantActor,
  payment: PaymentRecord,
  mode: "complete" | "expire" | "resolve",
  redirectResult: string | null = null,
): Promise<PaymentResult> {
  const psp = pspOf(deps, actor, payment);
  const attempt = await challengedAttempt(deps, payment);
  if (attempt === null) {
    // The payment and its attempts are read apart: a completion that committed in between (the customer's return
    // while the PSP's notification runs this, or the other way round) settled the attempt. Its outcome stands (a
    // notification that still finds the payment waiting is answered "retry later"). Without a change of the
    // payment in between, the open attempt is really missing: a broken invariant.
    const current = await existingPayment(deps, actor, payment.id);
    invariant(
      current.version !== payment.version,
      `payment ${payment.id} requires action without an open authorize attempt`,
    );
    return { payment: current, errors: [] };
  }
  const pspReference = payment.pspReference;
  invariant(pspReference !== null, `payment ${payment.id} requires action without a PSP reference`);
  const claimed = await claimCompletion(deps, actor, payment, attempt.id, mode);
  if (claimed === null) return { payment: await existingPayment(deps, actor, payment.id), errors: [] };
  const outcome = await askPsp(psp, attempt, claimed.payment, redirectResult);
  // The PSP's answer is about another payment (a return's redirect result that is not this payment's): nothing
  // about this one was learnt, so nothing is recorded.
  const mismatch = outcome.outcome === "failed" && outcome.code === REFERENCE_MISMATCH_CODE;
  if (
    !mismatch &&
    (outcome.outcome === "succeeded" || outcome.outcome === "declined" || outcome.outcome === "failed")
  ) {
    const holdUntil = outcome.outcome === "succeeded" ? await holdUntilOf(deps, payment.id) : null;
    const draft = draftOf(attempt, claimed.payment);
    return settleAuthorization(deps, actor, null, claimed.payment, draft, outcome, holdUntil);
  }
  if (mode === "expire" && outcome.outcome === "requires_action") {
    return abandon(deps, actor, psp, attempt, claimed.payment);
  }
  // No answer (a timeout, an unreadable answer): the claim stays, as the mark that a completion's outcome is
  // unknown; the resolver asks the PSP again once it is stale (resolveUnknownCompletions), as does a later return,
  // notification or the expiry worker. The PSP decides from its own state, never twice.
  // Not completed yet (or the call never reached the PSP, or the answer was another payment's): the claim is
  // released and the payment keeps waiting.
  const unknown = outcome.outcome === "unknown";
  const released = await deps.store.applyPaymentChange(actor, {
    decidedOn: claimed.payment,
    patch: { pendingOperation: unknown ? "AUTHORIZE" : null },
    events: [
      apiEvent(
        actor,
        unknown ? "payment.authentication_unknown" : "payment.authentication_pending",
        payment.status,
        payment.status,
        { outcome: outcome.outcome },
      ),
    ],
    outbox: [],
  });
  if (mismatch) {
    // The return's redirect result was another payment's: this one is left as it was (released above).
    throw new DomainError(
      "THREE_D_SECURE_RETURN_MISMATCH",
      "The authentication this return names is not this payment's; nothing was changed.",
    );
  }
  return { payment: released?.payment ?? (await existingPayment(deps, actor, payment.id)), errors: [] };
}

/** The claim: of concurrent completions only the one that advances the version asks the PSP (null: lost). */
function claimCompletion(
  deps: Deps,
  actor: MerchantActor,
  payment: PaymentRecord,
  attemptId: string,
  mode: "complete" | "expire" | "resolve",
) {
  const by =
    mode === "expire"
      ? "expiry"
      : mode === "resolve"
        ? "resolver"
        : actor.by?.source === "WEBHOOK"
          ? "notification"
          : "return";
  return deps.store.applyPaymentChange(actor, {
    decidedOn: payment,
    patch: { pendingOperation: "AUTHORIZE" },
    events: [
      apiEvent(actor, "payment.authentication_checked", payment.status, payment.status, { attemptId, by }),
    ],
    outbox: [],
  });
}

/** The challenge was not completed in time: cancelled at the PSP (so it cannot authorize later), then here. */
async function abandon(
  deps: Deps,
  actor: MerchantActor,
  psp: PaymentServiceProvider,
  attempt: StoredAttempt,
  payment: PaymentRecord,
): Promise<PaymentResult> {
  const pspReference = payment.pspReference as string;
  const voided = await callPsp(() =>
    psp.void({
      idempotencyKey: `${attempt.idempotencyKey}:abandon`,
      pspReference,
      currency: payment.currency,
    }),
  );
  // Acknowledged counts: nothing was ever authorized, and the PSP will not authorize a cancelled challenge.
  if (voided.outcome !== "succeeded" && voided.outcome !== "pending") {
    // The PSP did not confirm: keep waiting, the next sweep asks again (with the same key).
    const released = await deps.store.applyPaymentChange(actor, {
      decidedOn: payment,
      patch: { pendingOperation: null },
      events: [apiEvent(actor, "payment.abandon_failed", payment.status, payment.status, {})],
      outbox: [],
    });
    return { payment: released?.payment ?? (await existingPayment(deps, actor, payment.id)), errors: [] };
  }
  const status = transition(payment.status, "ACTION_EXPIRED");
  const threeDSecure =
    payment.threeDSecure && threeDSecureRecord({ ...payment.threeDSecure, status: "ABANDONED" });
  const result = await deps.store.applyPaymentChange(actor, {
    decidedOn: payment,
    patch: {
      status,
      pendingOperation: null,
      threeDSecure,
      nextActionUrl: null,
      actionExpiresAt: null,
      failureCode: "authentication_abandoned",
      failureMessage: "The customer did not complete the 3-D Secure challenge in time.",
    },
    events: [apiEvent(actor, "payment.authentication_expired", payment.status, status, {})],
    // The challenged attempt ends with the authorization the PSP cancelled.
    attemptSettlement: {
      ...settle(attempt.id, voided),
      pspReference,
      status: "FAILED",
      errorCode: "authentication_abandoned",
      errorMessage: null,
    },
    outbox: [statusMessage("payment.canceled", payment.id, status)],
  });
  return { payment: result?.payment ?? (await existingPayment(deps, actor, payment.id)), errors: [] };
}

/**
 * Cancels payments whose challenge nobody completed in time, after asking the PSP (a customer who completed it
 * at the last moment is authorized, not cancelled). Safe from several processes at once: each payment is claimed
 * by a conditional update. Returns how many were cancelled, completed, and left for the next sweep.
 */
export async function expireAbandonedActions(
  deps: Deps,
  limit = ACTION_EXPIRY_BATCH_MAX,
): Promise<{ expired: number; completed: number; failed: number }> {
  const due = await deps.store.expiredActions(deps.now(), Math.min(limit, ACTION_EXPIRY_BATCH_MAX));
  const summary = { expired: 0, completed: 0, failed: 0 };
  for (const item of due) {
    const actor = systemActor(item, "SYSTEM", "action-expiry");
    try {
      const payment = await deps.store.findPayment(actor, item.paymentId);
      if (payment === null || payment.status !== "REQUIRES_ACTION") continue;
      const { payment: after } = await finish(deps, actor, payment, "expire");
      if (after.status === "CANCELLED") summary.expired++;
      else if (after.status === "REQUIRES_ACTION") summary.failed++;
      else summary.completed++;
    } catch {
      summary.failed++;
    }
  }
  return summary;
}

/**
 * The resolver's part (resolve-unknown-outcomes.ts): payments whose completion call got no answer (the claim
 * kept, pendingOperation AUTHORIZE on a REQUIRES_ACTION payment, whether the answer timed out or the process
 * died mid-call) and that nothing changed since `staleBefore` are asked of the PSP again, each under a new claim
 * (the same discipline: claim, then call, then record): a decided authentication is recorded once, a challenge
 * not completed yet goes back to waiting, and no answer again keeps the mark for the next pass. The action's
 * expiry bounds it: past its deadline the expiry worker asks (and abandons) instead.
 */
export async function resolveUnknownCompletions(
  deps: Deps,
  staleBefore: Date,
  limit: number,
): Promise<{ resolved: number; rescheduled: number }> {
  const due = await deps.store.unknownCompletions(staleBefore, Math.min(limit, ACTION_EXPIRY_BATCH_MAX));
  const summary = { resolved: 0, rescheduled: 0 };
  for (const item of due) {
    const actor = systemActor(item, "SYSTEM", "resolver");
    try {
      const payment = await deps.store.findPayment(actor, item.paymentId);
      if (
        payment === null ||
        payment.status !== "REQUIRES_ACTION" ||
        payment.pendingOperation !== "AUTHORIZE"
      )
        continue;
      const { payment: after } = await finish(deps, actor, payment, "resolve");
      if (after.status === "REQUIRES_ACTION" && after.pendingOperation === "AUTHORIZE") summary.rescheduled++;
      else summary.resolved++;
    } catch {
      summary.rescheduled++;
    }
  }
  return summary;
}

/**
 * The authorize attempt the challenge left open (ACKNOWLEDGED with the payment's PSP reference); null when there
 * is none, which the caller checks against a fresh read of the payment.
 */
async function challengedAttempt(deps: Deps, payment: PaymentRecord): Promise<StoredAttempt | null> {
  const attempts = await deps.store.attemptsOf(payment.id);
  const attempt = attempts.find(
    (candidate) =>
      candidate.operation === "AUTHORIZE" &&
      candidate.status === "ACKNOWLEDGED" &&
      candidate.pspReference === payment.pspReference,
  );
  return attempt ?? null;
}

function askPsp(
  psp: PaymentServiceProvider,
  attempt: StoredAttempt,
  payment: PaymentRecord,
  redirectResult: string | null,
): Promise<PspOutcome> {
  const complete = psp.completeAuthentication?.bind(psp);
  if (complete === undefined) {
    return Promise.resolve({ outcome: "unknown", message: `${psp.name} cannot complete an authentication` });
  }
  // The key derives from the attempt's, one per claim: the PSP decides from the authentication's own state, so
  // a second completion after an unanswered one finds it decided, never authorizes twice.
  const idempotencyKey = parseIdempotencyKey(`${attempt.idempotencyKey}:3ds:${payment.version}`);
  return callPsp(() =>
    complete({
      idempotencyKey,
      pspReference: payment.pspReference as string,
      reference: payment.id,
      redirectResult,
    }),
  );
}

/** The stored attempt as the change builders take it (they settle it by id). */
function draftOf(attempt: StoredAttempt, payment: PaymentRecord): PspAttemptDraft {
  return {
    id: attempt.id,
    operation: "AUTHORIZE",
    pspName: attempt.pspName,
    idempotencyKey: attempt.idempotencyKey,
    amountMinor: attempt.amountMinor,
    currency: payment.currency,
    refundId: null,
  };
}

function parseReturnedReference(value: string | null): string | null {
  if (value === null || value === "") return null;
  if (value.length > RETURNED_REFERENCE_LENGTH_MAX || !/^[\x21-\x7e]+$/.test(value)) {
    throw new DomainError(
      "THREE_D_SECURE_RETURN_MISMATCH",
      "The authentication this return names is not this payment's; nothing was changed.",
    );
  }
  return value;
}

function parseRedirectResult(value: string | null): string | null {
  if (value === null || value === "") return null;
  if (value.length > REDIRECT_RESULT_LENGTH_MAX || !/^[\x21-\x7e]+$/.test(value)) {
    throw new DomainError(
      "THREE_D_SECURE_RETURN_MISMATCH",
      "The authentication this return names is not this payment's; nothing was changed.",
    );
  }
  return value;
}
