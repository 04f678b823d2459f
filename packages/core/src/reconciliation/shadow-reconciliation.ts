// Shadow mode (seed 002): every PSP notification is compared with our state as it arrives, not only with the
// next day's report. After the notification has been applied through the state machine, what we show for the
// attempt it names must agree with what the PSP says; when it does not (the PSP says captured, we show the capture
// failed; it says a refund failed that we show succeeded; it reports an operation we never asked for), the
// contradiction becomes an open reconciliation item at once (category STATUS_MISMATCH, rule shadow.*). Pure
// rules here; the store records the item once per attempt and rule while it is open. A dispute about an attempt
// of ours that failed over to another PSP (the first PSP may have taken the money after all) is recorded the same
// way, on that attempt (rule shadow.dispute_on_failed_over_attempt): the open-items queue is its needs-attention
// item, and the item links to the payment's timeline. A notification the payment commands refuse because it
// contradicts what we recorded (`contradicts_confirmed`: an outcome the PSP gave earlier, an operator's resolution
// of an escalated attempt, or a late authorization of an attempt we gave up on) is recorded from the command's own
// answer, naming the attempt; when an operator had recorded that attempt's outcome the rule is
// shadow.contradicts_operator_resolution and the item carries the operator's outcome beside the PSP's message. The
// item is the one operator item for it: the webhook route dead-letters such a message only when no item covers it.
// The attempt resolver reports the same contradictions (the PSP's answer to its question against what was recorded
// meanwhile) through resolverContradiction: the same items and rules, its own rule named in the audit row.

import type { ResolverContradictions, ResolverRule } from "../payments/payment-deps";
import type { PspNotification } from "../payments/payment-requests";
import type { NotificationResult, RecordedContradiction } from "../payments/payment-responses";
import type { PaymentRecord, StoredAttemptLike } from "./shadow-types";

export type { StoredAttemptLike } from "./shadow-types";

export interface ShadowFinding {
  rule:
    | "shadow.psp_succeeded_we_failed"
    | "shadow.psp_failed_we_succeeded"
    | "shadow.unknown_operation"
    | "shadow.dispute_on_failed_over_attempt"
    | "shadow.contradicts_operator_resolution";
  operation: "AUTHORIZE" | "CAPTURE" | "VOID" | "REFUND";
  /** The attempt the notification names, or null when we have none (then the item names the payment). */
  attemptId: string | null;
  amountMinor: bigint | null;
  /** What the PSP said, for the item's PSP side (absent for a dispute). */
  pspMessage?: PspMessage;
  /** What we recorded for the attempt, and who recorded it when an operator did, for the item's audit row. */
  recorded?: RecordedOutcome;
  /** Found by the attempt resolver (absent: by a notification), with how it learned the PSP's answer. */
  detectedBy?: { worker: "resolver"; rule: ResolverRule };
}

/** The PSP's message as the item shows it. */
export interface PspMessage {
  /** e.g. "authorization succeeded", "refund failed (lost_or_stolen_card)". */
  description: string;
  pspReference: string;
  modificationReference: string | null;
}

/** What our record says of the attempt the PSP contradicts. */
export interface RecordedOutcome {
  status: "SUCCEEDED" | "FAILED" | "UNKNOWN";
  /** The operator's resolution of the escalated attempt, when an operator recorded the outcome. */
  operator: OperatorResolution | null;
}

/** An operator's recorded resolution of an escalated attempt (its audit row). */
export interface OperatorResolution {
  operator: string;
  outcome: "SUCCEEDED" | "FAILED";
  pspReference: string | null;
  note: string;
  recordedAt: Date;
}

/** What an observation found: the finding, and whether this call opened its item (false: one was open). */
export interface ShadowObservation {
  finding: ShadowFinding;
  openedNow: boolean;
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
  /** The operator's recorded resolution of this attempt, if an operator recorded its outcome. */
  operatorResolutionOf(paymentId: string, attemptId: string): Promise<OperatorResolution | null>;
  /** Records the open item unless one is open for the same attempt (or payment) and rule; true when recorded. */
  recordShadowItem(item: {
    id: string;
    psp: string;
    payment: PaymentRecord;
    finding: ShadowFinding;
  }): Promise<boolean>;
}

export class ShadowReconciliation implements ResolverContradictions {
  constructor(private readonly deps: { store: ShadowStore; newItemId: () => string }) {}

  /**
   * The attempt resolver's answer from the PSP contradicts what was recorded for the attempt (settled the other
   * way while the PSP was being asked): the same item a notification saying so opens, once while it is open,
   * its audit row naming the resolver's rule. True when recorded now.
   */
  async resolverContradiction(report: Parameters<ResolverContradictions["resolverContradiction"]>[0]) {
    const observed = await this.recordContradiction(report.notification, report.contradiction, {
      worker: "resolver",
      rule: report.rule,
    });
    return observed?.openedNow ?? false;
  }

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

  /**
   * Compares an applied notification with our state; returns the contradiction found, if any, with whether its
   * item was opened now (false: an item for the same attempt and rule was already open, e.g. a redelivery).
   */
  async observe(
    notification: PspNotification,
    result: NotificationResult,
  ): Promise<ShadowObservation | null> {
    // Our own call still running, or an unknown payment (dead-lettered by the caller): nothing to compare yet.
    if (!result.applied && (result.reason === "in_flight" || result.reason === "unknown_payment"))
      return null;
    if (!result.applied && result.reason === "contradicts_confirmed") {
      return this.recordContradiction(notification, result.contradiction);
    }
    const reference =
      notification.kind === "authorization" ? notification.pspReference : notification.paymentPspReference;
    const payment = await this.deps.store.findPaymentByPspReference(notification.pspName, reference);
    if (payment === null) return null;
    const found = shadowContradiction(notification, await this.deps.store.attemptsOf(payment.id), payment);
    if (found === null) return null;
    const finding = { ...found, pspMessage: pspMessageOf(notification) };
    return { finding, openedNow: await this.record(notification.pspName, payment, finding) };
  }

  /** The payment commands refused a notification that contradicts our record of one attempt: its item. */
  private async recordContradiction(
    notification: PspNotification,
    contradiction: RecordedContradiction,
    detectedBy?: ShadowFinding["detectedBy"],
  ): Promise<ShadowObservation | null> {
    const payment = await this.deps.store.findPaymentById(contradiction.paymentId);
    if (payment === null) return null;
    const operator = await this.deps.store.operatorResolutionOf(payment.id, contradiction.attemptId);
    const finding: ShadowFinding = {
      rule:
        operator !== null
          ? "shadow.contradicts_operator_resolution"
          : notification.success
            ? "shadow.psp_succeeded_we_failed"
            : "shadow.psp_failed_we_succeeded",
      operation: contradiction.operation,
      attemptId: contradiction.attemptId,
      amountMinor: contradiction.amountMinor,
      pspMessage: pspMessageOf(notification),
      recorded: { status: contradiction.recorded, operator },
      ...(detectedBy ? { detectedBy } : {}),
    };
    return { finding, openedNow: await this.record(notification.pspName, payment, finding) };
  }

  private record(psp: string, payment: PaymentRecord, finding: ShadowFinding): Promise<boolean> {
    return this.deps.store.recordShadowItem({ id: this.deps.newItemId(), psp, payment, finding });
  }
}

/** The PSP's message as an item shows it: what it says happened, and its references. */
export function pspMessageOf(notification: PspNotification): PspMessage {
  const outcome = notification.success ? "succeeded" : "failed";
  // Bounded: the code is the PSP's text.
  const code = !notification.success && notification.code ? ` (${notification.code.slice(0, 64)})` : "";
  return notification.kind === "authorization"
    ? {
        description: `authorization ${outcome}${code}`,
        pspReference: notification.pspReference,
        modificationReference: null,
      }
    : {
        description: `${notification.kind} ${outcome}${code}`,
        pspReference: notification.paymentPspReference,
        modificationReference: notification.modificationReference,
      };
}
