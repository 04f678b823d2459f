// The payment commands: the one write path for payments. The GraphQL API, the webhook routes, the operator
// console and the CLI all call this facade; each use case lives in its own file beside it. Each command
// validates its input (a bad input writes nothing), runs under the caller's idempotency key, persists its
// intent before calling the PSP, never holds a database transaction open across a PSP call, and records the
// outcome through the state machine in one transaction together with the audit event, ledger entry and outbox
// message.
import type { PaymentMethodId } from "../ids/ids";
import { applyNotification, applyPspNotification } from "./apply-psp-notification";
import { completeAuthentication, expireAbandonedActions } from "./complete-authentication";
import { createPayment } from "./create-payment";
import {
  type AuthorizationExpiryStore,
  type AuthorizationWindows,
  expireAuthorizations,
} from "./expire-authorizations";
import { expireReviewHolds } from "./expire-review-holds";
import { cancelPayment, capturePayment, refundPayment } from "./modify-payment";
import type { PaymentCommandsDependencies } from "./payment-deps";
import type { NotificationResult } from "./payment-responses";
import { resolveEscalatedAttempt } from "./resolve-escalated-attempt";
import { resolveUnknownOutcomes } from "./resolve-unknown-outcomes";
import { approveReview, rejectReview } from "./review-decision";
import { tokenizeCard } from "./tokenize-card";

export type { CompleteAuthenticationInput } from "./complete-authentication";
export { HOLD_EXPIRY_BATCH_MAX } from "./expire-review-holds";
export type { PaymentCommandsDependencies } from "./payment-deps";
export {
  DESCRIPTION_MAX_LENGTH,
  METADATA_KEY_MAX_LENGTH,
  METADATA_MAX_KEYS,
  METADATA_VALUE_MAX_LENGTH,
  OPERATOR_NOTE_MAX_LENGTH,
  REFUND_REASON_MAX_LENGTH,
} from "./payment-input";
export type {
  CancelPaymentInput,
  CapturePaymentInput,
  CreatePaymentInput,
  OperatorActor,
  OperatorAuditRequest,
  PaymentCommandOptions,
  PspNotification,
  RefundPaymentInput,
  ReviewDecisionInput,
  TokenizeCardInput,
} from "./payment-requests";
export type {
  NotificationResult,
  PaymentResult,
  RefundResult,
  ResolutionSummary,
  TokenizeCardResult,
  UserErrorData,
} from "./payment-responses";
export type { ResolveEscalatedAttemptInput } from "./resolve-escalated-attempt";
export { DEFAULT_ACKNOWLEDGED_DEADLINE_MS, RESOLVE_SCHEDULE_MS } from "./resolve-unknown-outcomes";
export type { PaymentMethodId };

/** A use case's arguments after the dependencies, which the facade supplies. */
type CommandArgs<C> = C extends (deps: PaymentCommandsDependencies, ...args: infer A) => unknown ? A : never;

/** One object for the transports, which are handed a single dependency; each method is one use case. */
export class PaymentCommands {
  constructor(private readonly deps: PaymentCommandsDependencies) {}

  tokenizeCard(...args: CommandArgs<typeof tokenizeCard>) {
    return tokenizeCard(this.deps, ...args);
  }

  createPayment(...args: CommandArgs<typeof createPayment>) {
    return createPayment(this.deps, ...args);
  }

  capturePayment(...args: CommandArgs<typeof capturePayment>) {
    return capturePayment(this.deps, ...args);
  }

  cancelPayment(...args: CommandArgs<typeof cancelPayment>) {
    return cancelPayment(this.deps, ...args);
  }

  refundPayment(...args: CommandArgs<typeof refundPayment>) {
    return refundPayment(this.deps, ...args);
  }

  /** An operator approves a payment held for review (captured at once when it asked for automatic capture). */
  approveReview(...args: CommandArgs<typeof approveReview>) {
    return approveReview(this.deps, ...args);
  }

  /** An operator rejects a held payment: the authorization is voided and the payment CANCELLED. */
  rejectReview(...args: CommandArgs<typeof rejectReview>) {
    return rejectReview(this.deps, ...args);
  }

  /**
   * 3-D Secure: finishes a payment waiting for its customer's challenge, after the customer's return (or the PSP's
   * notification), with the outcome confirmed with the PSP; a duplicate finds it decided and changes nothing.
   */
  completeAuthentication(...args: CommandArgs<typeof completeAuthentication>) {
    return completeAuthentication(this.deps, ...args);
  }

  /** 3-D Secure: cancels payments whose challenge nobody completed in time (after asking the PSP). */
  expireAbandonedActions(...args: CommandArgs<typeof expireAbandonedActions>) {
    return expireAbandonedActions(this.deps, ...args);
  }

  /** Voids holds nobody decided in time; returns how many were voided and how many failed. */
  expireReviewHolds(...args: CommandArgs<typeof expireReviewHolds>) {
    return expireReviewHolds(this.deps, ...args);
  }

  /**
   * Warns of and voids authorizations left uncaptured before their brand's window closes (the worker's sweep);
   * returns how many were warned, voided, and failed (left for the next sweep).
   */
  expireAuthorizations(store: AuthorizationExpiryStore, windows: AuthorizationWindows) {
    return expireAuthorizations(this.deps, store, windows);
  }

  /** Applies a PSP's notification (webhook); unknown references are for the caller's dead-letter table. */
  applyPspNotification(...args: CommandArgs<typeof applyPspNotification>) {
    return applyPspNotification(this.deps, ...args);
  }

  /**
   * An operator records what the PSP confirmed out of band for an attempt whose outcome nobody knows (an
   * escalated one): applied like the PSP's answer, with the operator's audit row in the same transaction.
   */
  resolveEscalatedAttempt(...args: CommandArgs<typeof resolveEscalatedAttempt>) {
    return resolveEscalatedAttempt(this.deps, ...args);
  }

  /**
   * A capture or refund the PSP's settlement report shows settled while we still show it in flight (acknowledged,
   * or unknown after a timeout): confirmed like the PSP's own success notification, through the state machine,
   * recorded with source RECONCILIATION. A call of ours still running answers `in_flight` (confirm it later).
   */
  confirmSettledModification(settled: {
    kind: "capture" | "refund";
    pspName: string;
    paymentPspReference: string;
    modificationReference: string | null;
    attemptReference: string | null;
  }): Promise<NotificationResult> {
    return applyNotification(this.deps, { ...settled, success: true, code: null }, null, "RECONCILIATION");
  }

  /** Resolves outcomes nobody knows with the PSP that holds them; returns what happened, for logs and figures. */
  resolveUnknownOutcomes(...args: CommandArgs<typeof resolveUnknownOutcomes>) {
    return resolveUnknownOutcomes(this.deps, ...args);
  }
}
