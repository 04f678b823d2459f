// What a client may do next with a payment, and what is still on its way: derived from the same rules the
// commands apply (payment-rules.ts), so `availableActions` never offers what the command would refuse.
import { DomainError } from "../errors/domain-error";
import { type PaymentAmounts, planCancel, planCapture, planRefund } from "./payment-rules";

export const PAYMENT_ACTIONS = ["CAPTURE", "CANCEL", "REFUND"] as const;
export type PaymentAction = (typeof PAYMENT_ACTIONS)[number];

/** An operation sent to a PSP, as far as the pending amounts need it. */
export interface PaymentOperationView {
  operation: "AUTHORIZE" | "CAPTURE" | "VOID" | "REFUND";
  /** PENDING, ACKNOWLEDGED and UNKNOWN are in flight; SUCCEEDED and FAILED are settled. */
  status: "PENDING" | "ACKNOWLEDGED" | "SUCCEEDED" | "FAILED" | "UNKNOWN";
  amountMinor: bigint;
}

export interface PaymentPendingWork {
  /** Sent to the PSP for capture, not confirmed yet (an asynchronous PSP confirms it by notification). */
  amountCapturePendingMinor: bigint;
  /** Refunds sent to the PSP, not confirmed yet. */
  amountRefundPendingMinor: bigint;
  /** What a capturePayment, cancelPayment or refundPayment would be accepted for right now. */
  availableActions: PaymentAction[];
}

const IN_FLIGHT: ReadonlySet<PaymentOperationView["status"]> = new Set([
  "PENDING",
  "ACKNOWLEDGED",
  "UNKNOWN",
]);

/** True when the command's rules accept the operation now; a domain refusal means no, anything else is a bug. */
function allowed(plan: () => unknown): boolean {
  try {
    plan();
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

/**
 * The pending amounts and available actions of a payment. The capture in flight is read from the operations
 * (the payment keeps only which operation is pending); the refunds in flight are the payment's own running total,
 * which the refund commands keep in the same transaction as the refund rows.
 */
export function paymentPendingWork(
  payment: PaymentAmounts,
  operations: readonly PaymentOperationView[],
): PaymentPendingWork {
  const amountCapturePendingMinor =
    payment.pendingOperation === "CAPTURE"
      ? operations
          .filter((o) => o.operation === "CAPTURE" && IN_FLIGHT.has(o.status))
          .reduce((sum, o) => sum + o.amountMinor, 0n)
      : 0n;
  const checks: Record<PaymentAction, () => unknown> = {
    CAPTURE: () => planCapture(payment, null),
    CANCEL: () => planCancel(payment),
    REFUND: () => planRefund(payment, null),
  };
  const availableActions = PAYMENT_ACTIONS.filter((action) => allowed(checks[action]));
  return {
    amountCapturePendingMinor,
    amountRefundPendingMinor: payment.amountRefundPendingMinor,
    availableActions,
  };
}
