import type { EvidenceFileKind } from "../disputes/dispute-evidence";
import type { ThreeDSecureRecord } from "../payments/three-d-secure";

/** Raw card data sent to the PSP; lives only in memory for the duration of the call. */
export interface CardDetails {
  number: string;
  expMonth: number;
  expYear: number;
}

/** What the PSP reports of a 3-D Secure authentication (see payments/three-d-secure.ts). */
export type PspThreeDSecure = ThreeDSecureRecord;

export type PspOutcome =
  /** threeDSecure: present when the PSP authenticated the cardholder first (frictionless or after a challenge). */
  | { outcome: "succeeded"; pspReference: string; threeDSecure?: PspThreeDSecure }
  /**
   * A hard no from the issuer or PSP, e.g. card_declined, insufficient_funds, expired_card, incorrect_cvc;
   * authentication_failed with threeDSecure when the cardholder failed 3-D Secure. pspReference: what the PSP
   * created for the refused call, when its answer names it (Stripe's PaymentIntent), recorded on the attempt.
   */
  | {
      outcome: "declined";
      code: string;
      message: string;
      threeDSecure?: PspThreeDSecure;
      pspReference?: string;
    }
  /**
   * 3-D Secure: the issuer asks for a challenge. Nothing is authorized yet; the customer must visit redirectUrl
   * (the PSP's challenge page), after which the PSP sends them to the request's returnUrl and the outcome is
   * asked of the PSP with completeAuthentication.
   */
  | { outcome: "requires_action"; pspReference: string; redirectUrl: string; threeDSecure: PspThreeDSecure }
  /**
   * The PSP says nothing was charged, e.g. processing_error. pspReference as for declined: a dispute about an
   * attempt that failed over is then recognised by it.
   */
  | { outcome: "failed"; code: string; message: string; retryable: boolean; pspReference?: string }
  /** Timeout or unreadable answer: money may or may not have moved, so it must be resolved, not retried blindly. */
  | { outcome: "unknown"; message: string }
  /** Acknowledged, decided later: the outcome arrives by webhook (asynchronous PSPs and modifications). */
  | { outcome: "pending"; pspReference: string }
  /** The request never reached the PSP (connection refused, circuit open): certainly nothing was charged. */
  | { outcome: "unavailable"; message: string };

/**
 * The failure codes that mean "nothing was charged, another try may work", however a PSP reports them (in its
 * answer or by notification): such a failure is `retryable` (routing may fail over), any other code is a decline.
 */
const RETRYABLE_FAILURE_CODES: ReadonlySet<string> = new Set([
  "processing_error",
  "try_again_later",
  "issuer_not_available",
]);

export function isRetryableFailureCode(code: string): boolean {
  return RETRYABLE_FAILURE_CODES.has(code);
}

export interface AuthorizeRequest {
  idempotencyKey: string;
  /** Our payment id. */
  reference: string;
  amountMinor: bigint;
  currency: string;
  card: CardDetails;
  capture: boolean;
  /**
   * 3-D Secure: where the PSP's challenge page sends the customer back (paycore's return route for this payment).
   * Without it a card that needs a challenge cannot be authenticated.
   */
  returnUrl?: string;
}

/** Asks the PSP for the outcome of a payment's authentication and, when it succeeded, to authorize it. */
export interface CompleteAuthenticationRequest {
  /** Derived from the authorize attempt's key: a repeated completion replays the PSP's first answer. */
  idempotencyKey: string;
  /** The payment's reference at the PSP (from the requires_action answer). */
  pspReference: string;
  /** Our payment id: the PSP's answer must be about it. */
  reference: string;
  /**
   * The opaque result the customer's return carried (Adyen's `redirectResult`), passed on as the PSP expects
   * (`details.redirectResult`); null when the completion is not a return (a notification, the resolver, expiry).
   * A PSP whose answer names another payment answers failed with code `reference_mismatch` (nothing is recorded).
   */
  redirectResult?: string | null;
}

export interface ModifyRequest {
  idempotencyKey: string;
  pspReference: string;
  amountMinor: bigint;
  currency: string;
}

export type PspChargeState =
  | "authorized"
  | "captured"
  | "voided"
  | "refunded"
  | "partially_refunded"
  | "not_found";

export interface PspChargeStatus {
  state: PspChargeState;
  amountCapturedMinor: bigint;
  amountRefundedMinor: bigint;
}

/** A capture, void or refund the PSP acknowledged without deciding: what to look it up by. */
export interface ModificationQuery {
  operation: "capture" | "void" | "refund";
  /** The key the modification was sent with. */
  idempotencyKey: string;
  /** The payment's reference at the PSP. */
  paymentPspReference: string;
  /** The modification's own reference, when the PSP gave one with its acknowledgement. */
  modificationReference: string | null;
}

/** A dispute's evidence, sent to the PSP that holds the dispute. */
export interface DisputeEvidenceRequest {
  /** The same on every try of one evidence: the PSP takes it once. */
  idempotencyKey: string;
  /** The PSP's id of the dispute (Stripe's du_…, Adyen's dispute pspReference). */
  disputeReference: string;
  paymentPspReference: string;
  /** Our text fields (productDescription, customerCommunication, shippingTracking, refundPolicy, uncategorizedText). */
  texts: Readonly<Record<string, string>>;
  /** kind: what the document is (an EvidenceFileKind): where the PSP files it. */
  files: ReadonlyArray<{ filename: string; kind: EvidenceFileKind; contentType: string; bytes: Uint8Array }>;
}

export type DisputeEvidenceOutcome =
  | { outcome: "delivered" }
  /** The PSP refused it as it stands (the dispute is closed, say): sending it again changes nothing. */
  | { outcome: "rejected"; code: string; message: string }
  /** Timeout, network error or unreadable answer: it may have arrived; sent again with the same key. */
  | { outcome: "unknown"; message: string };

export interface PaymentServiceProvider {
  readonly name: string;
  authorize(request: AuthorizeRequest): Promise<PspOutcome>;
  capture(request: ModifyRequest): Promise<PspOutcome>;
  void(request: Omit<ModifyRequest, "amountMinor">): Promise<PspOutcome>;
  /** request.pspReference is the payment's; a succeeded outcome carries the refund's own reference. */
  refund(request: ModifyRequest): Promise<PspOutcome>;
  status(pspReference: string): Promise<PspChargeStatus>;
  /**
   * What the PSP knows now of a modification it acknowledged: succeeded, declined or failed are its decision;
   * pending: not decided yet; unknown: the PSP cannot tell (or has no lookup), so only its notification will.
   */
  lookupModification(query: ModificationQuery): Promise<PspOutcome>;
  /** Sends a dispute's evidence (issue 17); absent on a PSP that takes none through its API. */
  submitDisputeEvidence?(request: DisputeEvidenceRequest): Promise<DisputeEvidenceOutcome>;
  /**
   * 3-D Secure: the outcome of the customer's challenge, confirmed with the PSP server to server (the customer's
   * redirect is never trusted). succeeded: authenticated and authorized (or captured); declined
   * (authentication_failed): the authentication failed; requires_action: the challenge is not completed yet;
   * unknown: ask again. Absent for a PSP that never answers requires_action.
   */
  completeAuthentication?(request: CompleteAuthenticationRequest): Promise<PspOutcome>;
}
