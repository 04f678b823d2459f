// An operator records what the PSP confirmed out of band (by phone, in its dashboard) for an attempt whose
// outcome nobody knows, typically one the resolver escalated: succeeded with the PSP's reference, or failed. It
// is applied through the same change builders as the PSP's own answer would be, with the operator as the event's
// actor and the operator's audit row in the same transaction. A later PSP message that contradicts it is not
// applied: apply-psp-notification answers `contradicts_confirmed` naming the attempt, and the webhook route opens
// a reconciliation item for it (rule shadow.contradicts_operator_resolution, the operator's outcome beside the
// PSP's message): never a silent flip.
import { DomainError } from "../errors/domain-error";
import { type PaymentId, type PspAttemptId, parseId } from "../ids/ids";
import type { Actor } from "../ports/audit";
import type { StoredAttempt } from "../ports/payment-store";
import type { PspOutcome } from "../psp/psp-port";
import { answerAbandonedRequest, notifiedModificationChange } from "./apply-psp-notification";
import { auditingStore, withOperatorAudit } from "./operator-audit";
import {
  captureFeeOf,
  changeWithRetry,
  type PaymentCommandsDependencies,
  paymentNotFound,
} from "./payment-deps";
import { validateOperatorNote } from "./payment-input";
import type { MerchantActor, PaymentRecord } from "./payment-record";
import type { OperatorAuditRequest } from "./payment-requests";
import { modificationErrors, type PaymentResult } from "./payment-responses";
import { applyAuthorization, holdUntilOf } from "./record-authorization";

export interface ResolveEscalatedAttemptInput {
  paymentId: string;
  attemptId: string;
  /** What the PSP confirmed. */
  outcome: "SUCCEEDED" | "FAILED";
  /** The PSP's reference for the operation (required when it succeeded). */
  pspReference?: string | null;
  /** Who at the PSP confirmed it, a ticket number: required. */
  note: string;
}

/** A PSP reference as operators copy it from a PSP's dashboard: bounded, no spaces or markup. */
const PSP_REFERENCE = /^[A-Za-z0-9_.:-]{1,100}$/;

/** An attempt the operator may settle: not settled yet, and not a call of a live process still running. */
export function settleableByOperator(attempt: StoredAttempt): boolean {
  if (attempt.status === "UNKNOWN" || attempt.status === "ACKNOWLEDGED") return true;
  return attempt.status === "PENDING" && attempt.ownerGone;
}

export async function resolveEscalatedAttempt(
  deps: PaymentCommandsDependencies,
  operator: Actor,
  input: ResolveEscalatedAttemptInput,
): Promise<PaymentResult & { attemptId: PspAttemptId }> {
  const paymentId = parseId("payment", input.paymentId) as PaymentId | null;
  const attemptId = parseId("pspAttempt", input.attemptId) as PspAttemptId | null;
  if (paymentId === null) throw paymentNotFound();
  const note = validateOperatorNote(input.note);
  if (note === null) {
    throw new DomainError("INVALID_INPUT", "Say who at the PSP confirmed it.", { field: ["note"] });
  }
  const reference = input.pspReference?.trim() || null;
  if (reference !== null && !PSP_REFERENCE.test(reference)) {
    throw new DomainError("INVALID_INPUT", "A PSP reference is 1 to 100 letters, digits, _ . : or -.", {
      field: ["pspReference"],
    });
  }
  if (input.outcome === "SUCCEEDED" && reference === null) {
    throw new DomainError("INVALID_INPUT", "Give the PSP's reference for what succeeded.", {
      field: ["pspReference"],
    });
  }
  const scope = await deps.store.findPaymentScope(paymentId);
  if (scope === null) throw paymentNotFound();
  const actor: MerchantActor = {
    ...scope,
    apiKeyId: null,
    by: { source: "OPERATOR", id: operator.name, note },
  };
  const payment = await deps.store.findPayment(actor, paymentId);
  if (payment === null) throw paymentNotFound();
  const attempt = (await deps.store.attemptsOf(paymentId)).find((a) => a.id === attemptId);
  if (attempt === undefined || !settleableByOperator(attempt)) {
    throw new DomainError(
      "ATTEMPT_NOT_OPEN",
      attempt === undefined
        ? "No such attempt on this payment."
        : `The attempt is ${attempt.status.toLowerCase()}${attempt.status === "PENDING" ? " (its call is still running)" : ""}: there is nothing to record.`,
      { field: ["attemptId"] },
    );
  }
  const audit: OperatorAuditRequest = {
    actor: operator,
    action: "attempt.resolve",
    details: {
      attemptId: attempt.id,
      operation: attempt.operation,
      confirmedOutcome: input.outcome,
      pspReference: reference,
      note,
    },
  };
  const result =
    attempt.operation === "AUTHORIZE"
      ? await resolveAuthorization(deps, actor, payment, attempt, input.outcome, reference, audit)
      : await resolveModification(deps, actor, payment, attempt, input.outcome, reference, audit);
  return { ...result, attemptId: attempt.id };
}

async function resolveAuthorization(
  deps: PaymentCommandsDependencies,
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: StoredAttempt,
  outcome: "SUCCEEDED" | "FAILED",
  reference: string | null,
  audit: OperatorAuditRequest,
): Promise<PaymentResult> {
  if (payment.status !== "PENDING" || payment.pspName !== attempt.pspName) {
    throw new DomainError("ATTEMPT_NOT_OPEN", `The payment is already ${payment.status.toLowerCase()}.`, {
      field: ["attemptId"],
    });
  }
  const pspOutcome: PspOutcome =
    outcome === "SUCCEEDED"
      ? { outcome: "succeeded", pspReference: reference as string }
      : {
          outcome: "failed",
          code: "confirmed_failed",
          message: "failed (confirmed by an operator)",
          retryable: false,
        };
  const holdUntil = await holdUntilOf(deps, payment.id);
  const draft = { ...attempt, currency: payment.currency, refundId: null };
  // The audit row rides on the authorization's own change.
  const audited = { ...deps, store: auditingStore(deps.store, audit) };
  const applied = await applyAuthorization(audited, actor, payment, draft, pspOutcome, holdUntil);
  if (applied === null) {
    throw new DomainError(
      "PAYMENT_OPERATION_IN_PROGRESS",
      "The payment changed meanwhile; reload and retry.",
      {
        retryable: true,
      },
    );
  }
  if (attempt.status === "PENDING") await answerAbandonedRequest(deps, attempt, applied);
  return { payment: applied.payment, errors: applied.errors };
}

async function resolveModification(
  deps: PaymentCommandsDependencies,
  actor: MerchantActor,
  payment: PaymentRecord,
  attempt: StoredAttempt,
  outcome: "SUCCEEDED" | "FAILED",
  reference: string | null,
  audit: OperatorAuditRequest,
): Promise<PaymentResult> {
  const kind = attempt.operation === "CAPTURE" ? "capture" : attempt.operation === "VOID" ? "void" : "refund";
  const confirmed = {
    kind,
    pspName: attempt.pspName,
    paymentPspReference: payment.pspReference ?? "",
    modificationReference: reference ?? attempt.pspReference,
    attemptReference: attempt.id,
    success: outcome === "SUCCEEDED",
    code: outcome === "SUCCEEDED" ? null : "confirmed_failed",
  } as const;
  const fee = await captureFeeOf(deps, actor, payment);
  let applied = true;
  const changed = await changeWithRetry(deps, actor, payment.id, (current) => {
    const built = notifiedModificationChange(actor, current, confirmed, attempt, fee);
    applied = built.applied;
    return withOperatorAudit(audit, current, built.parts);
  });
  const errors = applied
    ? []
    : modificationErrors(attempt.operation as "CAPTURE" | "VOID" | "REFUND", {
        outcome: "failed",
        code: "payment_changed",
        message: "no longer applies",
        retryable: false,
      });
  if (attempt.status === "PENDING") await answerAbandonedRequest(deps, attempt, { ...changed, errors });
  return { payment: changed.payment, errors };
}
