// What the payment commands answer, and how a capture, cancel or refund request's answer is built from the
// outcome the PSP gave: the request itself, and the notification or resolver that finishes the request of a
// process that died, store this same response, so a replay answers the same whoever recorded the outcome.
import { type ErrorCode, invariant } from "../errors/domain-error";
import type { PaymentId, PspAttemptId } from "../ids/ids";
import type { PspOutcome } from "../psp/psp-port";
import type {
  PaymentChangeResult,
  PaymentMethodRecord,
  PaymentRecord,
  PspAttemptDraft,
  RefundRecord,
} from "./payment-record";
import type { PaymentStatus } from "./payment-state-machine";

export interface UserErrorData {
  code: ErrorCode;
  message: string;
  field: string[] | null;
}

export interface PaymentResult {
  payment: PaymentRecord;
  errors: UserErrorData[];
}

export interface RefundResult {
  refund: RefundRecord;
  payment: PaymentRecord;
  errors: UserErrorData[];
}

export interface TokenizeCardResult {
  paymentMethod: PaymentMethodRecord;
}

export type NotificationResult =
  | { applied: true; paymentId: PaymentId; status: PaymentStatus }
  /**
   * in_flight: our own call for it is still running, or the payment kept changing under it; either way the PSP
   * should redeliver later.
   */
  | { applied: false; reason: "unknown_payment" | "already_applied" | "in_flight" }
  /** The PSP says the opposite of what we recorded for one attempt: nothing applied, an operator must look. */
  | { applied: false; reason: "contradicts_confirmed"; contradiction: RecordedContradiction };

/** A PSP message that contradicts the outcome we recorded for one attempt of ours (no edge undoes it). */
export interface RecordedContradiction {
  paymentId: PaymentId;
  attemptId: PspAttemptId;
  operation: PspAttemptDraft["operation"];
  /** What our record says of the attempt: UNKNOWN for one we gave up on (the payment moved on without it). */
  recorded: "SUCCEEDED" | "FAILED" | "UNKNOWN";
  amountMinor: bigint;
}

export interface ResolutionSummary {
  resolved: number;
  rescheduled: number;
  escalated: number;
}

/** A change's result with the errors its request answers. */
export type AnsweredChange = PaymentChangeResult & { errors: UserErrorData[] };

export type ModificationOperation = Exclude<PspAttemptDraft["operation"], "AUTHORIZE">;

const MODIFICATION_NAMES = { CAPTURE: "capture", VOID: "cancellation", REFUND: "refund" } as const;

/** The requests that start an attempt of each operation, by their idempotency operation names. */
export const REQUESTS_OF: Record<PspAttemptDraft["operation"], readonly string[]> = {
  AUTHORIZE: ["createPayment"],
  CAPTURE: ["capturePayment", "approveReview"],
  VOID: ["cancelPayment", "rejectReview", "expireReview"],
  REFUND: ["refundPayment"],
};

function modificationError(what: string, outcome: PspOutcome): UserErrorData {
  if (outcome.outcome === "unavailable") {
    return {
      code: "PSP_NOT_REACHED",
      message: `The PSP could not be reached for the ${what}; nothing was done, retry later with a new idempotency key.`,
      field: null,
    };
  }
  if (outcome.outcome === "unknown") {
    return {
      code: "PAYMENT_OUTCOME_PENDING",
      message: `The PSP did not confirm the ${what}; its outcome will be resolved with the PSP and this key will answer it.`,
      field: null,
    };
  }
  const code = outcome.outcome === "declined" || outcome.outcome === "failed" ? outcome.code : "unknown";
  return { code: "PAYMENT_FAILED", message: `The PSP refused the ${what} (${code}).`, field: null };
}

/** Accepted (pending) and succeeded carry no error; anything else says why. */
export function modificationErrors(operation: ModificationOperation, outcome: PspOutcome): UserErrorData[] {
  if (outcome.outcome === "succeeded" || outcome.outcome === "pending") return [];
  return [modificationError(MODIFICATION_NAMES[operation], outcome)];
}

/** What a capture or cancel request answers for an outcome. */
export function modificationResponse(
  operation: "CAPTURE" | "VOID",
  outcome: PspOutcome,
  result: PaymentChangeResult,
): PaymentResult {
  return requestResponse(operation, result, modificationErrors(operation, outcome));
}

/** A refund request's answer (see modificationResponse): the refund, its payment, and why it did not succeed. */
export function refundResponse(outcome: PspOutcome, result: PaymentChangeResult): RefundResult {
  return requestResponse("REFUND", result, modificationErrors("REFUND", outcome)) as RefundResult;
}

/** The payload shape of the request that started an attempt: a refund's carries the refund. */
export function requestResponse(
  operation: PspAttemptDraft["operation"],
  result: PaymentChangeResult,
  errors: UserErrorData[],
): PaymentResult | RefundResult {
  if (operation !== "REFUND") return { payment: result.payment, errors };
  invariant(result.refund !== null, "a refund's change returns its refund");
  return { refund: result.refund, payment: result.payment, errors };
}
