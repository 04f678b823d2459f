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
// meanwhile) through resolverContradiction: the same items and rules, its own rule named in the audit row. The
// attempt is settled by then and the resolver never asks about it again, so an item that cannot be written (a
// database error) would lose the contradiction: it is dead-lettered instead (source `resolver:<psp>`, the reason
// naming the rule), as the webhook route does, once while the letter is open; replaying the letter records the item.

import type { PaymentId, PspAttemptId } from "../ids/ids";
import type { ResolverContradictions, ResolverRule } from "../payments/payment-deps";
import type { PspNotification } from "../payments/payment-requests";
import type { NotificationResult, RecordedContradiction } from "../payments/payment-responses";
import type { DeadLetterSink } from "../ports/dead-letter-store";
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

/** What the attempt resolver reports: the PSP's answer, what we recorded, and how the resolver learnt it. */
export type ResolverReport = Parameters<ResolverContradictions["resolverContradiction"]>[0];

/** The dead-letter source of a resolver's contradiction whose item could not be written. */
export const RESOLVER_LETTER_SOURCE_PREFIX = "resolver:";

export class ShadowReconciliation implements ResolverContradictions {
  constructor(
    private readonly deps: {
      store: ShadowStore;
      newItemId: () => string;
      /** The fallback when a resolver's item cannot be written; absent, the error reaches the resolver's run. */
      deadLetters?: DeadLetterSink;
    },
  ) {}

  /**
   * The attempt resolver's answer from the PSP contradicts what was recorded for the attempt (settled the other
   * way while the PSP was being asked): the same item a notification saying so opens, once while it is open,
   * its audit row naming the resolver's rule. True when the item was recorded now; false when one was open, or
   * when the item could not be written and the report was dead-lettered instead (never lost).
   */
  async resolverContradiction(report: ResolverReport): Promise<boolean> {
    try {
      return await this.recordResolverContradiction(report);
    } catch (error) {
      if (this.deps.deadLetters === undefined) throw error;
      // The same report again (a second worker, a retried run) finds the open letter and only counts a sighting.
      await this.deps.deadLetters.record(
        `${RESOLVER_LETTER_SOURCE_PREFIX}${report.notification.pspName}`,
        paymentReferenceOf(report.notification) || null,
        resolverLetterReason(report),
        resolverLetterPayload(report),
      );
      return false;
    }
  }

  /**
   * The resolver's report as an item, without the dead-letter fallback (a failure reaches the caller): how a
   * replayed resolver letter is recorded, the letter staying open while the item still cannot be written.
   */
  async recordResolverContradiction(report: ResolverReport): Promise<boolean> {
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

function paymentReferenceOf(notification: PspNotification): string {
  return notification.kind === "authorization" ? notification.pspReference : notification.paymentPspReference;
}

/** The dead letter's reason: what the PSP said, against what, and the resolver's rule that learnt it. */
export function resolverLetterReason(report: ResolverReport): string {
  const { notification, contradiction, rule } = report;
  const said = `${notification.kind} ${notification.success ? "succeeded" : "failed"}`;
  return (
    `${said} at the PSP (${rule}), contradicting the outcome recorded (${contradiction.recorded}) for attempt ` +
    `${contradiction.attemptId}; its reconciliation item could not be recorded: needs an operator`
  );
}

/** The letter's payload: the report as JSON (the amount as a digit string), read back by parseResolverLetter. */
export function resolverLetterPayload(report: ResolverReport): Record<string, unknown> {
  return {
    kind: "resolver_contradiction",
    rule: report.rule,
    notification: report.notification,
    contradiction: { ...report.contradiction, amountMinor: report.contradiction.amountMinor.toString() },
  };
}

const RESOLVER_RULES: readonly ResolverRule[] = ["resolver.asked_again", "resolver.looked_up"];
const OPERATIONS = ["AUTHORIZE", "CAPTURE", "VOID", "REFUND"] as const;
const RECORDED = ["SUCCEEDED", "FAILED", "UNKNOWN"] as const;
/** Bound on every text field read back from a stored letter. */
const LETTER_TEXT_MAX_LENGTH = 200;

function isText(value: unknown, nullable = false): value is string {
  return (
    (nullable && value === null) || (typeof value === "string" && value.length <= LETTER_TEXT_MAX_LENGTH)
  );
}

function oneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (values as readonly string[]).includes(value);
}

/** A resolver letter's payload read back as its report, or null when it is not one (then the letter stays open). */
export function parseResolverLetter(payload: unknown): ResolverReport | null {
  if (typeof payload !== "object" || payload === null) return null;
  const letter = payload as Record<string, unknown>;
  if (letter.kind !== "resolver_contradiction" || !oneOf(RESOLVER_RULES, letter.rule)) return null;
  const n = letter.notification as Record<string, unknown> | null;
  const c = letter.contradiction as Record<string, unknown> | null;
  if (typeof n !== "object" || n === null || typeof c !== "object" || c === null) return null;
  if (!isText(n.pspName) || typeof n.success !== "boolean" || !isText(n.code, true)) return null;
  let notification: PspNotification;
  if (n.kind === "authorization") {
    if (!isText(n.pspReference) || !isText(n.reference, true)) return null;
    notification = {
      kind: "authorization",
      pspName: n.pspName,
      pspReference: n.pspReference,
      reference: n.reference,
      success: n.success,
      code: n.code,
    };
  } else if (n.kind === "capture" || n.kind === "void" || n.kind === "refund") {
    const attemptReference = n.attemptReference ?? null;
    if (!isText(n.paymentPspReference) || !isText(n.modificationReference, true)) return null;
    if (!isText(attemptReference, true)) return null;
    notification = {
      kind: n.kind,
      pspName: n.pspName,
      paymentPspReference: n.paymentPspReference,
      modificationReference: n.modificationReference,
      attemptReference,
      success: n.success,
      code: n.code,
    };
  } else return null;
  if (!isText(c.paymentId) || !isText(c.attemptId)) return null;
  if (!oneOf(OPERATIONS, c.operation) || !oneOf(RECORDED, c.recorded)) return null;
  if (typeof c.amountMinor !== "string" || !/^\d{1,19}$/.test(c.amountMinor)) return null;
  return {
    rule: letter.rule,
    notification,
    contradiction: {
      paymentId: c.paymentId as PaymentId,
      attemptId: c.attemptId as PspAttemptId,
      operation: c.operation,
      recorded: c.recorded,
      amountMinor: BigInt(c.amountMinor),
    },
  };
}
