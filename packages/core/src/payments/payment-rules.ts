import { DomainError, invariant } from "../errors/domain-error";
import type { CurrencyCode } from "../money/currency";
import { assertAmountWithinMaximum } from "../money/money";
import type { PaymentStatus } from "./payment-state-machine";

export type PendingOperation = "AUTHORIZE" | "CAPTURE" | "VOID" | "REFUND";

/** The slice of a payment the command rules need; all amounts are minor units. */
export interface PaymentAmounts {
  status: PaymentStatus;
  amountMinor: bigint;
  currency: CurrencyCode;
  amountCapturableMinor: bigint;
  amountCapturedMinor: bigint;
  amountRefundedMinor: bigint;
  amountRefundPendingMinor: bigint;
  /** Held by open or lost disputes: the cardholder's bank has it back, so it cannot be refunded as well. */
  amountDisputedMinor: bigint;
  pendingOperation: PendingOperation | null;
}

const CANCELLABLE: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>(["AUTHORIZED", "REQUIRES_REVIEW"]);
const REFUNDABLE: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>(["CAPTURED", "PARTIALLY_REFUNDED"]);

/**
 * An operation in flight whose outcome may still make the request valid (a capture, authorization or void can
 * succeed or fail either way): the answer must be the retryable PAYMENT_OPERATION_IN_PROGRESS, never a state
 * error that becomes untrue once the PSP settles it (a refund sent while an asynchronous capture is pending).
 * A refund in flight never makes a payment capturable or cancellable, so it does not block a state answer.
 */
function assertNoBlockingOperation(p: PaymentAmounts): void {
  if (p.pendingOperation !== null && p.pendingOperation !== "REFUND") throw operationInProgress(p);
}

function operationInProgress(p: PaymentAmounts): DomainError {
  return new DomainError(
    "PAYMENT_OPERATION_IN_PROGRESS",
    `another ${p.pendingOperation?.toLowerCase()} is still in progress for this payment; retry shortly`,
  );
}

/** A requested capture or refund: positive and within the currency's maximum, before any comparison. */
function assertValidRequest(p: PaymentAmounts, requestedMinor: bigint): void {
  if (requestedMinor <= 0n) {
    throw new DomainError("AMOUNT_INVALID", "amount must be greater than zero", { field: ["amount"] });
  }
  assertAmountWithinMaximum(requestedMinor, p.currency);
}

/** Capture is one-shot: whatever is not captured now is released back to the cardholder. */
export function planCapture(
  p: PaymentAmounts,
  requestedMinor: bigint | null,
): { captureMinor: bigint; releaseMinor: bigint } {
  assertNoBlockingOperation(p);
  if (p.status !== "AUTHORIZED") {
    throw new DomainError(
      "PAYMENT_NOT_CAPTURABLE",
      `payment is ${p.status}; only AUTHORIZED payments can be captured`,
    );
  }
  if (p.pendingOperation !== null) {
    throw operationInProgress(p);
  }
  const capturable = p.amountCapturableMinor;
  invariant(capturable > 0n, "an AUTHORIZED payment must have a positive capturable amount");
  invariant(capturable <= p.amountMinor, "capturable amount exceeds the payment amount");

  if (requestedMinor === null) {
    return { captureMinor: capturable, releaseMinor: 0n };
  }
  assertValidRequest(p, requestedMinor);
  if (requestedMinor > capturable) {
    throw new DomainError(
      "AMOUNT_EXCEEDS_CAPTURABLE",
      `amount ${requestedMinor} exceeds the capturable amount ${capturable}`,
      { field: ["amount"] },
    );
  }
  return { captureMinor: requestedMinor, releaseMinor: capturable - requestedMinor };
}

export function planCancel(p: PaymentAmounts): void {
  assertNoBlockingOperation(p);
  if (!CANCELLABLE.has(p.status)) {
    throw new DomainError(
      "PAYMENT_NOT_CANCELLABLE",
      `payment is ${p.status}; only AUTHORIZED or REQUIRES_REVIEW payments can be cancelled`,
    );
  }
  if (p.pendingOperation !== null) {
    throw operationInProgress(p);
  }
}

/**
 * Pending refunds count as spent so that concurrent refunds can never add up past what was captured, and the
 * disputed amount is not refundable (a dispute may cover money already refunded, so this floors at zero).
 */
export function refundableMinor(p: PaymentAmounts): bigint {
  const undisputed = p.amountCapturedMinor - p.amountRefundedMinor - p.amountRefundPendingMinor;
  invariant(
    p.amountRefundedMinor >= 0n && p.amountRefundPendingMinor >= 0n && undisputed >= 0n,
    "refunded plus pending refunds exceed the captured amount",
  );
  invariant(p.amountDisputedMinor >= 0n, "a disputed amount is never negative");
  const refundable = undisputed - p.amountDisputedMinor;
  return refundable > 0n ? refundable : 0n;
}

export function planRefund(p: PaymentAmounts, requestedMinor: bigint | null): bigint {
  // Refunds run concurrently (tracked by amountRefundPendingMinor); only a different operation in flight blocks
  // them, and it does before the status check: a pending capture may make the payment refundable.
  assertNoBlockingOperation(p);
  if (!REFUNDABLE.has(p.status)) {
    throw new DomainError(
      "PAYMENT_NOT_REFUNDABLE",
      `payment is ${p.status}; only CAPTURED or PARTIALLY_REFUNDED payments can be refunded`,
    );
  }
  const refundable = refundableMinor(p);
  if (refundable === 0n && p.amountDisputedMinor > 0n) {
    throw new DomainError(
      "AMOUNT_DISPUTED",
      `${p.amountDisputedMinor} of this payment is held by a dispute; nothing undisputed is left to refund`,
    );
  }
  if (refundable === 0n) {
    throw new DomainError(
      "PAYMENT_NOT_REFUNDABLE",
      p.amountRefundPendingMinor > 0n
        ? "the rest of this payment is already being refunded"
        : "payment is already fully refunded",
    );
  }
  if (requestedMinor === null) {
    return refundable;
  }
  assertValidRequest(p, requestedMinor);
  if (requestedMinor > refundable && p.amountDisputedMinor > 0n) {
    throw new DomainError(
      "AMOUNT_DISPUTED",
      `amount ${requestedMinor} exceeds the undisputed refundable amount ${refundable} (${p.amountDisputedMinor} is held by a dispute)`,
      { field: ["amount"] },
    );
  }
  if (requestedMinor > refundable) {
    throw new DomainError(
      "AMOUNT_EXCEEDS_REFUNDABLE",
      `amount ${requestedMinor} exceeds the refundable amount ${refundable}`,
      { field: ["amount"] },
    );
  }
  return requestedMinor;
}

export function refundEvent(
  p: PaymentAmounts,
  settledRefundMinor: bigint,
): "REFUNDED_PARTIALLY" | "REFUNDED_FULLY" {
  invariant(settledRefundMinor > 0n, "a settled refund must be positive");
  const refundedAfter = p.amountRefundedMinor + settledRefundMinor;
  invariant(refundedAfter <= p.amountCapturedMinor, "settled refunds exceed the captured amount");
  return refundedAfter === p.amountCapturedMinor ? "REFUNDED_FULLY" : "REFUNDED_PARTIALLY";
}
