// The shapes the core reads and writes for payments, refunds and payment
// methods. Adapters map their rows onto these by listing fields (a whitelist),
// so a column added to a table never leaks into a response by accident.

import type {
  ApiKeyId,
  IdempotencyRecordId,
  MerchantId,
  PaymentId,
  PaymentMethodId,
  PspAttemptId,
  RefundId,
} from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import type { CardBrand } from "../vault/card";
import type { FundingType } from "../vault/funding-type";
import type { PaymentStatus } from "./payment-state-machine";
import type { ThreeDSecureRecord } from "./three-d-secure";

export type Mode = "TEST" | "LIVE";
/**
 * Whose keys share one namespace. A merchant's publishable keys are public (they ship in web pages), so they
 * must neither claim a key its server is about to use nor learn which keys the server used: they get their own.
 * The kind, not the key's id, so a rolled secret key still replays what its predecessor ran. Operators and the
 * system's own sweeps act on a merchant's payments under keys of their own.
 */
export type IdempotencyKeyKind = "SECRET" | "PUBLISHABLE" | "OPERATOR" | "SYSTEM";
export type CaptureMethod = "AUTOMATIC" | "MANUAL";
export type PspOperation = "AUTHORIZE" | "CAPTURE" | "VOID" | "REFUND";
/** ACKNOWLEDGED: the PSP accepted the request and will decide later (by webhook). */
export type PspAttemptStatus = "PENDING" | "ACKNOWLEDGED" | "SUCCEEDED" | "FAILED" | "UNKNOWN";
/** RETURNED: a bank-transfer refund the payer's bank sent back after it was paid (bank-transfers/bank-refunds.ts). */
export type RefundStatus = "PENDING" | "SUCCEEDED" | "FAILED" | "RETURNED";
export type EventSource = "API" | "WEBHOOK" | "SYSTEM" | "OPERATOR" | "RECONCILIATION";

/**
 * Who is acting, scoped to one merchant and mode (every read and write is): a merchant's API key, or an
 * operator or the system acting on that merchant's payment (`by`, which the audit trail names).
 */
export interface MerchantActor {
  merchantId: MerchantId;
  mode: Mode;
  apiKeyId: ApiKeyId | null;
  /** The kind of the API key, which scopes its idempotency keys; absent: a secret key (all but tokenizing take one). */
  apiKeyKind?: "SECRET" | "PUBLISHABLE";
  by?: { source: "OPERATOR" | "SYSTEM" | "WEBHOOK" | "RECONCILIATION"; id: string; note: string | null };
}

export interface PaymentRecord {
  id: PaymentId;
  merchantId: MerchantId;
  mode: Mode;
  status: PaymentStatus;
  amountMinor: bigint;
  currency: CurrencyCode;
  amountCapturableMinor: bigint;
  amountCapturedMinor: bigint;
  amountRefundedMinor: bigint;
  amountRefundPendingMinor: bigint;
  /** Held by disputes that are not won; not refundable (kept by the dispute commands). */
  amountDisputedMinor: bigint;
  captureMethod: CaptureMethod;
  /** The card; null for a bank-transfer payment (its instructions are in bank_transfers). */
  paymentMethodId: PaymentMethodId | null;
  description: string | null;
  metadata: Record<string, string>;
  pspName: string | null;
  pspReference: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  pendingOperation: PspOperation | null;
  /** Fraud context, kept with the payment for later velocity and travel checks. */
  cardFingerprint: string | null;
  customerEmail: string | null;
  ipAddress: string | null;
  deviceId: string | null;
  billingCountry: string | null;
  geoLatitude: number | null;
  geoLongitude: number | null;
  /** A fraud hold not decided by then is voided. */
  reviewExpiresAt: Date | null;
  /** 3-D Secure: the authentication's outcome as the PSP reported it; null when the payment was never authenticated. */
  threeDSecure: ThreeDSecureRecord | null;
  /** 3-D Secure: the PSP's challenge page the customer must visit; only while REQUIRES_ACTION. */
  nextActionUrl: string | null;
  /** 3-D Secure: past this an uncompleted challenge is abandoned and the payment cancelled. */
  actionExpiresAt: Date | null;
  /** Where paycore sends the customer after a challenge (the merchant's page, or the hosted checkout's). */
  returnUrl: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface RefundRecord {
  id: RefundId;
  paymentId: PaymentId;
  merchantId: MerchantId;
  mode: Mode;
  amountMinor: bigint;
  currency: CurrencyCode;
  status: RefundStatus;
  reason: string | null;
  pspReference: string | null;
  failureCode: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PaymentMethodRecord {
  id: PaymentMethodId;
  merchantId: MerchantId;
  mode: Mode;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  expYear: number;
  fingerprint: string;
  /** First 6-8 digits, which PCI DSS allows keeping with last4. */
  bin: string | null;
  cardCountry: string | null;
  /** credit, debit or prepaid from the BIN table (issue 18); absent on responses stored before it existed. */
  fundingType?: FundingType;
  createdAt: Date;
}

export interface PspAttemptDraft {
  id: PspAttemptId;
  /** Why this PSP: candidates, matched rule, scores and breaker states at the time. */
  routing?: Record<string, unknown> | null;
  operation: PspOperation;
  pspName: string;
  idempotencyKey: string;
  amountMinor: bigint;
  currency: CurrencyCode;
  refundId: RefundId | null;
}

export interface PspAttemptSettlement {
  id: PspAttemptId;
  status: Exclude<PspAttemptStatus, "PENDING">;
  pspReference: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface PaymentEventDraft {
  type: string;
  oldStatus: PaymentStatus | null;
  newStatus: PaymentStatus | null;
  source: EventSource;
  actor: string | null;
  data: Record<string, unknown>;
}

export interface OutboxDraft {
  topic: string;
  payload: Record<string, unknown>;
}

/** What the idempotency layer needs from a unit of work: link the record to what it created, or complete it in the same transaction. */
export interface IdempotencyLink<R = PaymentChangeResult> {
  recordId: IdempotencyRecordId;
  /** The record's creation time, its partition key: the write names it, so it touches one day's partition. */
  recordCreatedAt: Date;
  /** Set on the write that first links the record: it applies only while the request still holds this lock. */
  lockedUntil?: Date;
  /**
   * The record to insert, when the request claims its key with this write (IdempotencyService's
   * "on_first_write"): inserted together with what the write creates, and linked to it. When the key is already
   * held the write writes nothing and throws IdempotencyKeyTaken.
   */
  insert?: NewIdempotencyRecord;
  /** Present when the write also COMPLETES the record, storing the response to its result. */
  complete?: IdempotencyCompletion<R>;
}

/** How a write completes its idempotency record in the same transaction. */
export interface IdempotencyCompletion<R> {
  /**
   * The stored (encoded) response to a result. Pure: a store may call it on the result it predicts, to write the
   * response in the statement that makes the change, and again on the rows as committed.
   */
  response(result: R): unknown;
  /** Told the response stored, once the write has committed. */
  committed(response: unknown): void;
}

/** An idempotency record as a request's first write inserts it (IN_PROGRESS, linked to what the write creates). */
export interface NewIdempotencyRecord {
  merchantId: MerchantId;
  mode: Mode;
  keyKind: IdempotencyKeyKind;
  key: string;
  operation: string;
  requestHash: string;
  lockedUntil: Date;
  expiresAt: Date;
}

export interface PaymentChangeResult {
  payment: PaymentRecord;
  refund: RefundRecord | null;
}
