// Resolves outcomes nobody knows: UNKNOWN attempts that are due, and PENDING ones whose process died
// mid-call, are asked again of the same PSP with the same idempotency key (so it can never charge twice),
// never of another PSP; captures, voids and refunds the PSP acknowledged but never decided (no notification
// came) are looked up at the PSP once past their deadline. Inconclusive answers are retried on a growing
// schedule; after the last, the attempt is escalated to operators. 3-D Secure completions whose call got no
// answer (a REQUIRES_ACTION payment still claimed for it) are asked again too, once stale
// (resolveUnknownCompletions in complete-authentication.ts; bounded by the challenge's expiry). An answer that
// contradicts what was recorded meanwhile (a notification, say, settled the attempt the other way while the PSP
// was being asked) changes nothing: it is reported to shadow reconciliation (deps.contradictions), which opens one
// item per attempt and rule, the resolver's rule in its audit row.
import type { StoredAttempt } from "../ports/payment-store";
import type { PaymentServiceProvider, PspOutcome } from "../psp/psp-port";
import { decryptPan } from "../vault/card-vault";
import { answerAbandonedRequest, applyNotification } from "./apply-psp-notification";
import { resolveUnknownCompletions } from "./complete-authentication";
import { ACKNOWLEDGED_EVENTS, acknowledgedChange, apiEvent, settle } from "./payment-changes";
import {
  CONFLICT_RETRY_MAX,
  callPsp,
  changeWithRetry,
  type PaymentCommandsDependencies,
  type ResolverRule,
  systemActor,
} from "./payment-deps";
import type { MerchantActor, PaymentRecord } from "./payment-record";
import type { PspNotification } from "./payment-requests";
import type { RecordedContradiction, ResolutionSummary } from "./payment-responses";
import { applyAuthorization, holdUntilOf } from "./record-authorization";

type Deps = PaymentCommandsDependencies;
type DueAttempt = Awaited<ReturnType<Deps["store"]["attemptsToResolve"]>>[number];
type DefiniteOutcome = Exclude<PspOutcome, { outcome: "unknown" }>;

/** When the resolver asks again after each inconclusive try; past the last, operators are asked to look. */
export const RESOLVE_SCHEDULE_MS = [
  0,
  5_000,
  15_000,
  60_000,
  5 * 60_000,
  15 * 60_000,
  60 * 60_000,
  6 * 60 * 60_000,
];
/**
 * A try that did not reach the PSP (its breaker open, the connection refused) learned nothing about the earlier
 * call: it is repeated after the wait that came before it, at least this long, without moving the attempt along
 * the schedule, so an outage alone neither stretches the waits nor escalates, until the attempt is older than the
 * whole schedule.
 */
const RESOLVE_UNAVAILABLE_RETRY_MIN_MS = 5_000;
const RESOLVE_SCHEDULE_TOTAL_MS = RESOLVE_SCHEDULE_MS.reduce((sum, ms) => sum + ms, 0);
/**
 * A PENDING attempt older than this had its process die mid-call (PSP calls time out well before). Only for
 * attempts with no recorded owner: the others are taken over as soon as their process stops heartbeating.
 */
const RESOLVE_STALE_AFTER_MS = 2 * 60_000;
/**
 * A capture, void or refund the PSP acknowledged is first looked up this long after, if no notification decided
 * it meanwhile; then on RESOLVE_SCHEDULE_MS, and escalated after its last step.
 */
export const DEFAULT_ACKNOWLEDGED_DEADLINE_MS = 10 * 60_000;
const RESOLVE_BATCH_MAX = 500;

export interface ResolveOptions {
  limit?: number;
  staleAfterMs?: number;
  acknowledgedDeadlineMs?: number;
}

/** Returns what happened, for logs and figures. */
export async function resolveUnknownOutcomes(
  deps: Deps,
  options: ResolveOptions = {},
): Promise<ResolutionSummary> {
  const now = deps.now();
  const staleBefore = new Date(now.getTime() - (options.staleAfterMs ?? RESOLVE_STALE_AFTER_MS));
  const acknowledgedBefore = new Date(
    now.getTime() - (options.acknowledgedDeadlineMs ?? DEFAULT_ACKNOWLEDGED_DEADLINE_MS),
  );
  const limit = Math.min(options.limit ?? 50, RESOLVE_BATCH_MAX);
  const due = await deps.store.attemptsToResolve(now, staleBefore, acknowledgedBefore, limit);
  const summary: ResolutionSummary = { resolved: 0, rescheduled: 0, escalated: 0 };
  for (const attempt of due) summary[await resolveOne(deps, attempt, now)]++;
  // 3-D Secure completions whose call got no answer (complete-authentication.ts): asked again the same way.
  const completions = await resolveUnknownCompletions(deps, staleBefore, limit);
  summary.resolved += completions.resolved;
  summary.rescheduled += completions.rescheduled;
  return summary;
}

async function resolveOne(deps: Deps, attempt: DueAttempt, now: Date): Promise<keyof ResolutionSummary> {
  const actor = systemActor(attempt, "SYSTEM", "resolver");
  const psp = deps.psps.byName(attempt.mode, attempt.pspName);
  const payment = await deps.store.findPayment(actor, attempt.paymentId);
  // Sending an acknowledged modification again would only replay its acknowledgement: it is looked up instead.
  const acknowledged = attempt.status === "ACKNOWLEDGED" && attempt.operation !== "AUTHORIZE";
  let outcome: PspOutcome = { outcome: "unknown", message: "PSP not configured" };
  if (psp && payment) {
    outcome = await callPsp(() =>
      acknowledged ? lookUp(psp, attempt, payment) : askAgain(deps, psp, attempt, payment),
    );
  }
  // Still undecided at the PSP: as inconclusive as no answer.
  if (acknowledged && outcome.outcome === "pending")
    outcome = { outcome: "unknown", message: "not decided yet" };
  // "unavailable" says only that this try did not reach the PSP, nothing about the earlier call: ask again later.
  if (payment && outcome.outcome !== "unknown" && outcome.outcome !== "unavailable") {
    // The request that started this may still be IN_PROGRESS (its process died): it is answered too.
    await applyResolvedOutcome(deps, actor, payment, attempt, outcome);
    return "resolved";
  }
  if (
    outcome.outcome === "unavailable" &&
    now.getTime() - attempt.createdAt.getTime() < RESOLVE_SCHEDULE_TOTAL_MS
  ) {
    const wait = Math.max(RESOLVE_UNAVAILABLE_RETRY_MIN_MS, RESOLVE_SCHEDULE_MS[attempt.resolveCount] ?? 0);
    await deps.store.rescheduleResolution(attempt.id, {
      resolveCount: attempt.resolveCount,
      nextResolveAt: new Date(now.getTime() + wait),
      escalate: false,
    });
    return "rescheduled";
  }
  return rescheduleOrEscalate(deps, actor, attempt, payment, now);
}

async function rescheduleOrEscalate(
  deps: Deps,
  actor: MerchantActor,
  attempt: DueAttempt,
  payment: PaymentRecord | null,
  now: Date,
): Promise<keyof ResolutionSummary> {
  const resolveCount = attempt.resolveCount + 1;
  const escalate = resolveCount >= RESOLVE_SCHEDULE_MS.length;
  await deps.store.rescheduleResolution(attempt.id, {
    resolveCount,
    nextResolveAt: escalate ? null : new Date(now.getTime() + (RESOLVE_SCHEDULE_MS[resolveCount] ?? 0)),
    escalate,
  });
  if (!escalate || !payment) return "rescheduled";
  await changeWithRetry(deps, actor, payment.id, (current) => ({
    patch: {},
    events: [
      apiEvent(actor, "payment.escalated", current.status, current.status, {
        attemptId: attempt.id,
        operation: attempt.operation,
      }),
    ],
    outbox: [{ topic: "payment.escalated", payload: { paymentId: current.id, attemptId: attempt.id } }],
  }));
  return "escalated";
}

/** What the PSP decided of a modification it acknowledged. */
function lookUp(psp: PaymentServiceProvider, attempt: StoredAttempt, payment: PaymentRecord) {
  return psp.lookupModification({
    operation: attempt.operation === "CAPTURE" ? "capture" : attempt.operation === "VOID" ? "void" : "refund",
    idempotencyKey: attempt.idempotencyKey,
    paymentPspReference: payment.pspReference ?? "",
    modificationReference: attempt.pspReference,
  });
}

/** The same request again, same key: the PSP replays what it did, or does it now (once). */
async function askAgain(
  deps: Deps,
  psp: PaymentServiceProvider,
  attempt: StoredAttempt,
  payment: PaymentRecord,
): Promise<PspOutcome> {
  const modification = {
    idempotencyKey: attempt.idempotencyKey,
    pspReference: payment.pspReference ?? "",
    amountMinor: attempt.amountMinor,
    currency: payment.currency,
  };
  switch (attempt.operation) {
    case "AUTHORIZE":
      return authorizeAgain(deps, psp, attempt, payment);
    case "CAPTURE":
      return psp.capture(modification);
    case "VOID":
      return psp.void({
        idempotencyKey: modification.idempotencyKey,
        pspReference: modification.pspReference,
        currency: modification.currency,
      });
    case "REFUND":
      return psp.refund(modification);
  }
}

async function authorizeAgain(
  deps: Deps,
  psp: PaymentServiceProvider,
  attempt: StoredAttempt,
  payment: PaymentRecord,
): Promise<PspOutcome> {
  // A bank-transfer payment has no card and never an authorization attempt.
  if (payment.paymentMethodId === null) return { outcome: "unknown", message: "no card payment method" };
  const stored = await deps.store.findPaymentMethodWithPan(
    { merchantId: payment.merchantId, mode: payment.mode, apiKeyId: null },
    payment.paymentMethodId,
  );
  if (stored === null) return { outcome: "unknown", message: "payment method missing" };
  const held = (await deps.store.riskDecisionOf(payment.id)) === "REVIEW";
  return psp.authorize({
    idempotencyKey: attempt.idempotencyKey,
    reference: payment.id,
    amountMinor: attempt.amountMinor,
    currency: payment.currency,
    card: {
      number: decryptPan(deps.vault, stored.encryptedPan, stored.method.id),
      expMonth: stored.method.expMonth,
      expYear: stored.method.expYear,
    },
    capture: payment.captureMethod === "AUTOMATIC" && !held,
    // The same body as the first send (create-payment.ts): a PSP that checks its idempotency key against the body
    // (Adyen answers 422 to a key reused with another body) must see the identical request, or a charge that
    // happened would be recorded FAILED.
    ...(deps.threeDSecure ? { returnUrl: deps.threeDSecure.returnUrlFor(payment.id) } : {}),
  });
}

async function applyResolvedOutcome(
  deps: Deps,
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: StoredAttempt,
  outcome: DefiniteOutcome,
): Promise<void> {
  if (outcome.outcome === "pending") return acknowledgeResolved(deps, actor, payment, attempt, outcome);
  if (attempt.operation === "AUTHORIZE") return authorizeResolved(deps, actor, payment, attempt, outcome);
  // An acknowledged modification was looked up (resolveOne); any other was sent again under its key.
  const rule: ResolverRule =
    attempt.status === "ACKNOWLEDGED" ? "resolver.looked_up" : "resolver.asked_again";
  // A modification's definite answer is applied exactly like the PSP's notification would be, naming the
  // attempt so that an abandoned (PENDING) one is settled, and its request answered, there.
  const success = outcome.outcome === "succeeded";
  const notification: PspNotification = {
    kind: attempt.operation === "CAPTURE" ? "capture" : attempt.operation === "VOID" ? "void" : "refund",
    pspName: attempt.pspName,
    paymentPspReference: payment.pspReference ?? "",
    modificationReference: outcome.outcome === "succeeded" ? outcome.pspReference : attempt.pspReference,
    attemptReference: attempt.id,
    success,
    code: failureCodeOf(outcome),
  };
  const result = await applyNotification(
    deps,
    notification,
    attempt.status === "PENDING" ? attempt.id : null,
  );
  // Settled the other way meanwhile (a notification while the PSP was being asked): an item, nothing changed.
  if (!result.applied && result.reason === "contradicts_confirmed")
    await reportContradiction(deps, notification, result.contradiction, rule);
}

function failureCodeOf(outcome: DefiniteOutcome): string | null {
  if (outcome.outcome === "declined" || outcome.outcome === "failed") return outcome.code;
  return outcome.outcome === "unavailable" ? "psp_unavailable" : null;
}

async function reportContradiction(
  deps: Deps,
  notification: PspNotification,
  contradiction: RecordedContradiction,
  rule: ResolverRule,
): Promise<void> {
  // Not caught here: shadow reconciliation dead-letters a report whose item cannot be written; only when that
  // fails too does the run fail (the worker logs its error).
  await deps.contradictions?.resolverContradiction({ notification, contradiction, rule });
}

/** Now acknowledged: the PSP's notification will decide, or the resolver asks again after its deadline. */
async function acknowledgeResolved(
  deps: Deps,
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: StoredAttempt,
  outcome: Extract<PspOutcome, { outcome: "pending" }>,
): Promise<void> {
  const result = await changeWithRetry(deps, actor, payment.id, (current) =>
    attempt.operation === "AUTHORIZE"
      ? {
          patch: { pspReference: outcome.pspReference },
          events: [],
          attemptSettlement: settle(attempt.id, outcome),
          outbox: [],
        }
      : acknowledgedChange(
          actor,
          current,
          settle(attempt.id, outcome),
          ACKNOWLEDGED_EVENTS[attempt.operation],
          attempt.refundId ?? undefined,
        ),
  );
  if (attempt.status === "PENDING") await answerAbandonedRequest(deps, attempt, { ...result, errors: [] });
}

/** An authorization's definite answer, recorded while the payment is still PENDING on this very attempt. */
async function authorizeResolved(
  deps: Deps,
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: StoredAttempt,
  outcome: DefiniteOutcome,
): Promise<void> {
  const holdUntil = await holdUntilOf(deps, payment.id);
  // Read before the PSP was asked: a change meanwhile is no reason to drop the answer while the payment is
  // still PENDING on this very attempt, still open (not settled by a notification or failed over).
  let current: PaymentRecord | null = payment;
  for (let round = 0; current?.status === "PENDING" && round < CONFLICT_RETRY_MAX; round++) {
    const draft = { ...attempt, currency: current.currency, refundId: null };
    const applied = await applyAuthorization(deps, actor, current, draft, outcome, holdUntil);
    if (applied) {
      if (attempt.status === "PENDING") await answerAbandonedRequest(deps, attempt, applied);
      return;
    }
    current = await deps.store.findPayment(actor, payment.id);
    const fresh = (await deps.store.attemptsOf(payment.id)).find((a) => a.id === attempt.id);
    const open =
      fresh?.status === "UNKNOWN" || fresh?.status === "PENDING" || fresh?.status === "ACKNOWLEDGED";
    if (!open || current?.pspName !== attempt.pspName) break;
  }
  // Not applied: the attempt was settled meanwhile (a notification, an operator, a failover). An answer that says
  // the opposite of what was recorded is an operator's item, never a silent drop.
  const settled = (await deps.store.attemptsOf(payment.id)).find((a) => a.id === attempt.id);
  const success = outcome.outcome === "succeeded";
  const failure = outcome.outcome === "declined" || outcome.outcome === "failed";
  const recorded =
    success && settled?.status === "FAILED"
      ? "FAILED"
      : failure && settled?.status === "SUCCEEDED"
        ? "SUCCEEDED"
        : null;
  if (settled === undefined || recorded === null) return;
  const pspReference =
    ("pspReference" in outcome ? outcome.pspReference : undefined) ?? settled.pspReference ?? "";
  await reportContradiction(
    deps,
    {
      kind: "authorization",
      pspName: attempt.pspName,
      pspReference,
      reference: payment.id,
      success,
      code: failureCodeOf(outcome),
    },
    {
      paymentId: payment.id,
      attemptId: settled.id,
      operation: "AUTHORIZE",
      recorded,
      amountMinor: settled.amountMinor,
    },
    "resolver.asked_again",
  );
}
