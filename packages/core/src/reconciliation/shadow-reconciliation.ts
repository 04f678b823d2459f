// Shadow mode (seed 002): every PSP notification is compared with our state as it arrives, not only with the
// next day's report. After the notification has been applied through the state machine, what we show for the
// attempt it names must agree with what the PSP says; when it does not (the PSP says captured, we show the capture
// failed; it says a refund failed that we show succeeded; it reports an operation we never asked for), the
// contradiction becomes an open reconciliation item at once (category STATUS_MISMATCH, rule shadow.*). Pure
// rules here; the store records the item once per attempt and rule while it is open. A dispute about an attempt
// of ours that failed over to another PSP (the first PSP may have taken the money after all) is recorded the same
// way, on that attempt (rule shadow.dispute_on_failed_over_attempt): the open-items queue is its needs-attention
// item, and the item links to the payment's timeline.

import type { PspNotification } from "../payments/payment-requests";
import type { NotificationResult } from "../payments/payment-responses";
import type { PaymentRecord, StoredAttemptLike } from "./shadow-types";

export type { StoredAttemptLike } from "./shadow-types";

export interface ShadowFinding {
  rule:
    | "shadow.psp_succeeded_we_failed"
    | "shadow.psp_failed_we_succeeded"
    | "shadow.unknown_operation"
    | "shadow.dispute_on_failed_over_attempt";
  operation: "AUTHORIZE" | "CAPTURE" | "VOID" | "REFUND";
  /** The attempt the notification names, or null when we have none (then the item names the payment). */
  attemptId: string | null;
  amountMinor: bigint | null;
}

const OPERATION_OF = {
  authorization: "AUTHORIZE",
  capture: "CAPTURE",
  void: "VOID",
  refund: "REFUND",
} as const;

/** The contradiction between a notification and our attempts after it was applied, or null when they agree. */
export function shadowContradiction(
  notification: PspNotification,
  attempts: readonly StoredAttemptLike[],
  payment: Pick<PaymentRecord, "status" | "amountCapturedMinor" | "amountRefundedMinor">,
): ShadowFinding | null {
  const operation = OPERATION_OF[notification.kind];
  const ours = attempts.filter((a) => a.operation === operation && a.pspName === notification.pspName);
  const reference =
    notification.kind === "authorization" ? notification.pspReference : notification.modificationReference;
  const attemptReference =
    notification.kind === "authorization" ? null : (notification.attemptReference ?? null);
  const attempt =
    (attemptReference === null
      ? undefined
      : ours.find((a) => a.id === attemptReference || a.idempotencyKey === attemptReference)) ??
    (reference === null ? undefined : ours.find((a) => a.pspReference === reference)) ??
    (ours.length === 1 ? ours[0] : undefined);
  if (attempt === undefined) {
    // A success for an operation we have no attempt for. An automatic capture has none (it is the authorization's
    // own), so only what our record does not show at all is unknown: a capture of a payment we show nothing
    // captured of, a refund of one we show nothing refunded of, a void of one we do not show cancelled.
    const shown =
      operation === "CAPTURE"
        ? payment.amountCapturedMinor > 0n
        : operation === "REFUND"
          ? payment.amountRefundedMinor > 0n
          : payment.status === "CANCELLED";
    return notification.success && ours.length === 0 && operation !== "AUTHORIZE" && !shown
      ? { rule: "shadow.unknown_operation", operation, attemptId: null, amountMinor: null }
      : null;
  }
  if (notification.success && attempt.status === "FAILED")
    return {
      rule: "shadow.psp_succeeded_we_failed",
      operation,
      attemptId: attempt.id,
      amountMinor: attempt.amountMinor,
    };
  if (!notification.success && attempt.status === "SUCCEEDED")
    return {
      rule: "shadow.psp_failed_we_succeeded",
      operation,
      attemptId: attempt.id,
      amountMinor: attempt.amountMinor,
    };
  return null;
}

/** What the shadow check reads and writes. */
export interface ShadowStore {
  findPaymentByPspReference(pspName: string, pspReference: string): Promise<PaymentRecord | null>;
  findPaymentById(paymentId: string): Promise<PaymentRecord | null>;
  attemptsOf(paymentId: PaymentRecord["id"]): Promise<StoredAttemptLike[]>;
  /** Records the open item unless one is open for the same attempt (or payment) and rule; true when recorded. */
  recordShadowItem(item: {
    id: string;
    psp: string;
    payment: PaymentRecord;
    finding: ShadowFinding;
  }): Promise<boolean>;
}

export class ShadowReconciliation {
  constructor(private readonly deps: { store: ShadowStore; newItemId: () => string }) {}

  /**
   * A PSP disputes an attempt of ours that failed over to another PSP: money may have been taken there although we
   * recorded the attempt as failed. Recorded as an open STATUS_MISMATCH item on that attempt (once while open:
   * every later event of the same dispute finds it open); true when recorded now.
   */
  async disputeOnFailedOverAttempt(input: {
    pspName: string;
    paymentId: string;
    attemptId: string;
    amountMinor: bigint | null;
  }): Promise<boolean> {
    const payment = await this.deps.store.findPaymentById(input.paymentId);
    if (payment === null) return false;
    return this.deps.store.recordShadowItem({
      id: this.deps.newItemId(),
      psp: input.pspName,
      payment,
      finding: {
        rule: "shadow.dispute_on_failed_over_attempt",
        operation: "AUTHORIZE",
        attemptId: input.attemptId,
        amountMinor: input.amountMinor,
      },
    });
  }

  /** Compares an applied notification with our state; returns the finding recorded, if any. */
  async observe(notification: PspNotification, result: NotificationResult): Promise<ShadowFinding | null> {
    // Our own call still running, or an unknown payment (dead-lettered by the caller): nothing to compare yet.
    if (!result.applied && (result.reason === "in_flight" || result.reason === "unknown_payment"))
      return null;
    const reference =
      notification.kind === "authorization" ? notification.pspReference : notification.paymentPspReference;
    const payment = await this.deps.store.findPaymentByPspReference(notification.pspName, reference);
    if (payment === null) return null;
    const finding = shadowContradiction(notification, await this.deps.store.attemptsOf(payment.id), payment);
    if (finding === null) return null;
    const recorded = await this.deps.store.recordShadowItem({
      id: this.deps.newItemId(),
      psp: notification.pspName,
      payment,
      finding,
    });
    return recorded ? finding : null;
  }
}
