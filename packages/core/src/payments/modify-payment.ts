// Capture, cancel and refund: one runner records the attempt (the intent, before any PSP call), calls the PSP
// that holds the payment with the attempt's key, and records the outcome through a pure change builder,
// completing the request's idempotency record in that same write.

import { DomainError, invariant } from "../errors/domain-error";
import type { IdempotencyContext, IdempotentOutcome } from "../idempotency/idempotency-service";
import { newId, type PaymentId, parseIdempotencyKey } from "../ids/ids";
import type { PaymentServiceProvider, PspOutcome } from "../psp/psp-port";
import { withOperatorAudit } from "./operator-audit";
import {
  apiEvent,
  type ChangeParts,
  captureOutcomeChange,
  modificationOutcome,
  newAttempt,
  refundOutcomeChange,
  statusMessage,
  type VoidEventName,
  voidOutcomeChange,
} from "./payment-changes";
import {
  callPsp,
  captureFeeOf,
  changeWithRetry,
  type PaymentCommandsDependencies,
  parseOptionalAmount,
  parsePaymentId,
  pspOf,
  scope,
} from "./payment-deps";
import { captureFxTerms, checkCaptureRate, checkRefundRate, refundFxTerms } from "./payment-fx";
import { validateRefundReason } from "./payment-input";
import type { MerchantActor, PaymentChangeResult, PaymentRecord, PspAttemptDraft } from "./payment-record";
import type {
  CancelPaymentInput,
  CapturePaymentInput,
  OperatorAuditRequest,
  PaymentCommandOptions,
  RefundPaymentInput,
} from "./payment-requests";
import {
  modificationResponse,
  type PaymentResult,
  type RefundResult,
  refundResponse,
} from "./payment-responses";
import { planCancel, planCapture, planRefund } from "./payment-rules";

type Deps = Pick<PaymentCommandsDependencies, "store" | "psps" | "fx">;

/** A modification's attempt as recorded, and the payment as that write left it. */
export interface RecordedModification {
  psp: PaymentServiceProvider;
  attempt: PspAttemptDraft;
  started: PaymentChangeResult;
}

/** The PSP a modification goes to and the attempt recorded for it. */
type Intent = { psp: PaymentServiceProvider; attempt: PspAttemptDraft };

/** How a recorded attempt is sent to the PSP and its outcome recorded and answered. */
export interface Settlement<R> {
  /** Sends the recorded attempt to the PSP, on the payment as the recording left it. */
  call(psp: PaymentServiceProvider, attempt: PspAttemptDraft, payment: PaymentRecord): Promise<PspOutcome>;
  /** The builder of the change the outcome makes; async so that it may read what it needs once, not per retry. */
  outcomeChange(
    outcome: PspOutcome,
    recorded: RecordedModification,
  ): Promise<(payment: PaymentRecord) => ChangeParts>;
  respond(outcome: PspOutcome, result: PaymentChangeResult): R;
}

/** One kind of modification, for the runner. */
export interface Modification<R> extends Settlement<R> {
  /**
   * Checks the payment allows it (a DomainError when not), then asks `holder` for the PSP that holds the
   * payment (PSP_NOT_CONFIGURED when it is not), and builds the change recording its attempt.
   */
  record(payment: PaymentRecord, holder: () => PaymentServiceProvider): Intent & { parts: ChangeParts };
}

/**
 * Records the modification's attempt, then sends it and records the outcome. An operator's audit row (`audit`)
 * is written with the outcome, in the transaction that completes the request.
 */
export async function runModification<R>(
  deps: Deps,
  actor: MerchantActor,
  context: IdempotencyContext,
  paymentId: PaymentId,
  modification: Modification<R>,
  audit?: OperatorAuditRequest,
): Promise<R> {
  let recorded: Intent | null = null;
  let readFirst: PaymentRecord | null = null;
  const started = await changeWithRetry(deps, actor, paymentId, (payment) => {
    const { psp, attempt, parts } = modification.record(payment, () => pspOf(deps, actor, payment));
    recorded = { psp, attempt };
    readFirst = payment;
    return {
      ...parts,
      idempotency: {
        recordId: context.recordId,
        recordCreatedAt: context.recordCreatedAt,
        lockedUntil: context.lockedUntil,
      },
    };
  });
  context.markSideEffects();
  const intent = recorded as Intent | null;
  invariant(intent !== null, "the modification's attempt is recorded");
  const before = readFirst as PaymentRecord | null;
  return sendAndSettle(
    deps,
    actor,
    context,
    { ...intent, started },
    modification,
    audit,
    before ?? undefined,
  );
}

/**
 * Sends a recorded attempt to the PSP and records its outcome, completing the request in the same write, with
 * the operator's audit row when the command was given one (before: `auditBefore`, the payment as the command
 * first read it, else as the outcome found it).
 */
export async function sendAndSettle<R>(
  deps: Deps,
  actor: MerchantActor,
  context: IdempotencyContext,
  recorded: RecordedModification,
  settlement: Settlement<R>,
  audit?: OperatorAuditRequest,
  auditBefore?: PaymentRecord,
): Promise<R> {
  const { psp, attempt, started } = recorded;
  invariant(
    started.payment.pspReference !== null,
    `${attempt.operation} attempt recorded on an authorized payment`,
  );
  const outcome = modificationOutcome(await callPsp(() => settlement.call(psp, attempt, started.payment)));
  const build = await settlement.outcomeChange(outcome, recorded);
  const complete = context.completeWith((result: PaymentChangeResult) => settlement.respond(outcome, result));
  const settled = await changeWithRetry(deps, actor, started.payment.id, (payment) =>
    withOperatorAudit(audit, payment, { ...build(payment), idempotency: complete }, auditBefore),
  );
  return settlement.respond(outcome, settled);
}

/** Sends a recorded capture and records the outcome, posted with the merchant's fee when it succeeded. */
export function captureSettlement(deps: Deps, actor: MerchantActor): Settlement<PaymentResult> {
  return {
    call: (psp, attempt, payment) =>
      psp.capture({
        idempotencyKey: attempt.idempotencyKey,
        pspReference: payment.pspReference as string,
        amountMinor: attempt.amountMinor,
        currency: payment.currency,
      }),
    async outcomeChange(outcome, { attempt, started }) {
      const fee = await captureFeeOf(deps, actor, started.payment);
      // Multiple currencies (issue 18): a succeeded capture converts at the newest rate (checked fresh by the request).
      const fx = outcome.outcome === "succeeded" ? await captureFxTerms(deps, actor, started.payment) : null;
      return (payment) => captureOutcomeChange(actor, payment, attempt, outcome, fee, fx);
    },
    respond: (outcome, result) => modificationResponse("CAPTURE", outcome, result),
  };
}

function captureModification(
  deps: Deps,
  actor: MerchantActor,
  requestedMinor: bigint | null,
): Modification<PaymentResult> {
  return {
    ...captureSettlement(deps, actor),
    record(payment, holder) {
      const { captureMinor } = planCapture(payment, requestedMinor);
      const psp = holder();
      const attempt = newAttempt("CAPTURE", psp.name, captureMinor, payment.currency, null);
      const parts = {
        patch: { pendingOperation: "CAPTURE" as const },
        events: [],
        attemptInsert: attempt,
        outbox: [],
      };
      return { psp, attempt, parts };
    },
  };
}

export async function capturePayment(
  deps: PaymentCommandsDependencies,
  actor: MerchantActor,
  input: CapturePaymentInput,
  options: PaymentCommandOptions = {},
): Promise<IdempotentOutcome<PaymentResult>> {
  const key = parseIdempotencyKey(input.idempotencyKey);
  const paymentId = parsePaymentId(input.paymentId);
  const requestedMinor = parseOptionalAmount(input.amount);
  const capture = captureModification(deps, actor, requestedMinor);
  const normalized = { paymentId, amountMinor: requestedMinor };
  return deps.idempotency.run(scope(actor, key), "capturePayment", normalized, async (context) => {
    // Multiple currencies (issue 18): refused before the PSP is asked when the conversion has no fresh rate.
    await checkCaptureRate(deps, actor, paymentId);
    return runModification(deps, actor, context, paymentId, capture, options.audit);
  });
}

/**
 * A void of the authorization, after `plan` accepts the payment: the payment becomes CANCELLED. Shared by
 * cancelPayment, review rejection and hold expiry.
 */
export function voidModification(
  actor: MerchantActor,
  eventName: VoidEventName,
  plan: (payment: PaymentRecord) => void,
): Modification<PaymentResult> {
  return {
    record(payment, holder) {
      plan(payment);
      const psp = holder();
      const attempt = newAttempt("VOID", psp.name, 0n, payment.currency, null);
      const parts = {
        patch: { pendingOperation: "VOID" as const },
        events: [],
        attemptInsert: attempt,
        // A rejection is a review decision the merchant hears of at once; the cancellation follows the void.
        outbox:
          eventName === "review.rejected"
            ? [statusMessage("payment.review_decided", payment.id, payment.status)]
            : [],
      };
      return { psp, attempt, parts };
    },
    call: (psp, attempt, payment) =>
      psp.void({
        idempotencyKey: attempt.idempotencyKey,
        pspReference: payment.pspReference as string,
        currency: payment.currency,
      }),
    outcomeChange:
      async (outcome, { attempt }) =>
      (payment) =>
        voidOutcomeChange(actor, payment, attempt, outcome, eventName),
    respond: (outcome, result) => modificationResponse("VOID", outcome, result),
  };
}

export async function cancelPayment(
  deps: PaymentCommandsDependencies,
  actor: MerchantActor,
  input: CancelPaymentInput,
  options: PaymentCommandOptions = {},
): Promise<IdempotentOutcome<PaymentResult>> {
  const key = parseIdempotencyKey(input.idempotencyKey);
  const paymentId = parsePaymentId(input.paymentId);
  const cancel = voidModification(actor, "payment.canceled", (payment) => planCancel(payment));
  return deps.idempotency.run(scope(actor, key), "cancelPayment", { paymentId }, (context) =>
    runModification(deps, actor, context, paymentId, cancel, options.audit),
  );
}

/** A refund: its amount is reserved with the attempt, so parallel refunds never exceed what was captured. */
function refundModification(
  deps: Deps,
  actor: MerchantActor,
  requestedMinor: bigint | null,
  reason: string | null,
): Modification<RefundResult> {
  const refundId = newId("refund");
  return {
    record(payment, holder) {
      const refundMinor = planRefund(payment, requestedMinor);
      const psp = holder();
      const attempt = newAttempt("REFUND", psp.name, refundMinor, payment.currency, refundId);
      const refundInsert = {
        id: refundId,
        paymentId: payment.id,
        merchantId: actor.merchantId,
        mode: actor.mode,
        amountMinor: refundMinor,
        currency: payment.currency,
        reason,
      };
      const event = apiEvent(actor, "refund.created", payment.status, payment.status, {
        refundId,
        refundMinor,
      });
      const patch = { amountRefundPendingMinor: payment.amountRefundPendingMinor + refundMinor };
      return {
        psp,
        attempt,
        parts: {
          patch,
          events: [event],
          refundInsert,
          attemptInsert: attempt,
          outbox: [{ topic: "refund.created", payload: { refundId, paymentId: payment.id } }],
        },
      };
    },
    call: (psp, attempt, payment) =>
      psp.refund({
        idempotencyKey: attempt.idempotencyKey,
        pspReference: payment.pspReference as string,
        amountMinor: attempt.amountMinor,
        currency: payment.currency,
      }),
    async outcomeChange(outcome, { attempt, started }) {
      const pending = started.refund;
      invariant(pending !== null, "the refund is returned with the change that inserts it");
      // Multiple currencies (issue 18): a refund of a converted payment converts back at the locked rate.
      const fx = outcome.outcome === "succeeded" ? await refundFxTerms(deps, started.payment) : null;
      return (payment) => refundOutcomeChange(actor, payment, attempt, outcome, pending, fx);
    },
    respond: refundResponse,
  };
}

export async function refundPayment(
  deps: PaymentCommandsDependencies,
  actor: MerchantActor,
  input: RefundPaymentInput,
  options: PaymentCommandOptions = {},
): Promise<IdempotentOutcome<RefundResult>> {
  const key = parseIdempotencyKey(input.idempotencyKey);
  const paymentId = parsePaymentId(input.paymentId);
  const requestedMinor = parseOptionalAmount(input.amount);
  const reason = validateRefundReason(input.reason ?? null);
  const bankAccount = input.bankAccount ?? null;
  const normalized = {
    paymentId,
    amountMinor: requestedMinor,
    reason,
    // The request hash is keyed (HMAC), never stored in clear; the account is part of what a replay must match.
    ...(bankAccount === null ? {} : { bankAccount }),
  };
  return deps.idempotency.run(scope(actor, key), "refundPayment", normalized, async (context) => {
    // A bank-transfer payment is refunded through the bank rails (issue 18), not a PSP.
    const bankRefunds = deps.bankRefunds;
    const payment = bankRefunds ? await deps.store.findPayment(actor, paymentId) : null;
    if (bankRefunds && payment !== null && (await bankRefunds.handles(payment)))
      return bankRefunds.refund(actor, context, paymentId, requestedMinor, reason, bankAccount);
    if (bankAccount !== null)
      throw new DomainError("INVALID_INPUT", "bankAccount is for refunds of bank-transfer payments only.", {
        field: ["bankAccount"],
      });
    // Multiple currencies (issue 18): a refund of a converted payment needs today's rate fresh, for its FX gain/loss.
    await checkRefundRate(deps, paymentId);
    return runModification(
      deps,
      actor,
      context,
      paymentId,
      refundModification(deps, actor, requestedMinor, reason),
      options.audit,
    );
  });
}
