// The operator audit row of a payment command an operator ran (the console's capture, cancel, refund and review
// decisions): built from the payment as read and the change that completes the request (the PSP's outcome
// recorded), and written by the store with that change, in its transaction (PaymentChange.operatorAudit), so the
// row shows what the action did. A lost race rebuilds it on fresh data. Should the process die between the PSP
// call and its outcome, the resolver settles the attempt; the attempt (and a refund's `refund.created` event,
// source OPERATOR) still names the action.
import type { AuditDraft } from "../ports/audit";
import type { PaymentChange, PaymentStore } from "../ports/payment-store";
import type { PaymentRecord } from "./payment-record";
import type { OperatorAuditRequest } from "./payment-requests";

type Parts = Omit<PaymentChange, "decidedOn" | "operatorAudit">;

type Snapshotted = Pick<
  PaymentRecord,
  | "status"
  | "amountCapturableMinor"
  | "amountCapturedMinor"
  | "amountRefundedMinor"
  | "amountRefundPendingMinor"
  | "pendingOperation"
>;

function paymentSnapshot(payment: Snapshotted) {
  return {
    status: payment.status,
    amountCapturableMinor: payment.amountCapturableMinor.toString(),
    amountCapturedMinor: payment.amountCapturedMinor.toString(),
    amountRefundedMinor: payment.amountRefundedMinor.toString(),
    amountRefundPendingMinor: payment.amountRefundPendingMinor.toString(),
    pendingOperation: payment.pendingOperation,
  };
}

/**
 * The audit row for `parts` decided on `payment`: before as the command first read the payment (`before`,
 * default `payment`), after as the change leaves the row.
 */
export function operatorAuditOf(
  request: OperatorAuditRequest,
  payment: PaymentRecord,
  parts: Parts,
  before: PaymentRecord = payment,
): AuditDraft {
  const after = { ...payment, ...parts.patch };
  return {
    actor: request.actor,
    action: request.action,
    targetId: payment.id,
    before: paymentSnapshot(before),
    after: {
      ...request.details,
      ...paymentSnapshot(after),
      ...(parts.attemptInsert
        ? {
            attemptId: parts.attemptInsert.id,
            attemptOperation: parts.attemptInsert.operation,
            attemptAmountMinor: parts.attemptInsert.amountMinor.toString(),
          }
        : {}),
      ...(parts.attemptSettlement
        ? { attemptId: parts.attemptSettlement.id, attemptStatus: parts.attemptSettlement.status }
        : {}),
      ...(parts.refundInsert ? { refundId: parts.refundInsert.id } : {}),
      ...(parts.returnRefund ? { refundId: parts.returnRefund } : {}),
      ...(parts.refundSettlement
        ? { refundId: parts.refundSettlement.id, refundStatus: parts.refundSettlement.status }
        : {}),
      ...(parts.journal ? { posted: true } : {}),
    },
  };
}

/** `parts` with the operator's audit row added when the command was given one. */
export function withOperatorAudit<T extends Parts>(
  request: OperatorAuditRequest | undefined,
  payment: PaymentRecord,
  parts: T,
  before?: PaymentRecord,
): T & { operatorAudit?: AuditDraft } {
  return request === undefined
    ? parts
    : { ...parts, operatorAudit: operatorAuditOf(request, payment, parts, before) };
}

/**
 * The store with the operator's audit row added to every change it applies, for a use case that applies one
 * change through a shared helper (an authorization's outcome): the row commits with that change.
 */
export function auditingStore(store: PaymentStore, request: OperatorAuditRequest): PaymentStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === "applyPaymentChange") {
        const apply: PaymentStore["applyPaymentChange"] = (actor, change) =>
          target.applyPaymentChange(actor, withOperatorAudit(request, change.decidedOn, change));
        return apply;
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
