// Where checkout sessions are kept. Every write is conditional on the version the command read (a lost race
// writes nothing and returns null) and writes the session's event, and for a status change its outbox message,
// in the same transaction.
import type { CheckoutSessionEvent, CheckoutSessionStatus } from "../checkout/checkout-session-state-machine";
import type { CheckoutSessionId, MerchantId } from "../ids/ids";
import type { CaptureMethod, Mode } from "../payments/payment-record";

export interface CheckoutLineItem {
  description: string;
  quantity: number;
  unitAmountMinor: bigint;
}

export type CheckoutPaymentMethodType = "CARD";

export interface CheckoutSessionRecord {
  id: CheckoutSessionId;
  merchantId: MerchantId;
  mode: Mode;
  status: CheckoutSessionStatus;
  currency: string;
  amountMinor: bigint;
  lineItems: CheckoutLineItem[];
  captureMethod: CaptureMethod;
  customerEmail: string | null;
  description: string | null;
  successUrl: string;
  cancelUrl: string;
  paymentMethodTypes: CheckoutPaymentMethodType[];
  /** The invoice this session pays, when the hosted invoice page made it. */
  invoiceId: string | null;
  /** The secret part of the hosted page's address: /checkout/<id>/<accessToken>. */
  accessToken: string;
  expiresAt: Date;
  /** Payment attempts started (declined ones included); bounded by CHECKOUT_ATTEMPTS_MAX. */
  attempts: number;
  /** True while an attempt's payment is being decided: no second attempt may start. */
  attemptInFlight: boolean;
  /** The last attempt's payment: the paying one once COMPLETE. */
  paymentId: string | null;
  version: number;
  completedAt: Date | null;
  expiredAt: Date | null;
  createdAt: Date;
}

export interface CheckoutSessionEventDraft {
  type: string;
  source: "API" | "OPERATOR" | "SYSTEM";
  actor: string | null;
  data: Record<string, string | number | boolean | null>;
}

export type NewCheckoutSession = Omit<
  CheckoutSessionRecord,
  | "status"
  | "accessToken"
  | "attempts"
  | "attemptInFlight"
  | "paymentId"
  | "version"
  | "completedAt"
  | "expiredAt"
  | "createdAt"
>;

export interface CheckoutOutboxMessage {
  topic: string;
  payload: Record<string, string | number | boolean | null>;
}

export interface CheckoutSessionStore {
  insert(session: NewCheckoutSession, event: CheckoutSessionEventDraft): Promise<CheckoutSessionRecord>;
  find(merchantId: MerchantId, mode: Mode, id: CheckoutSessionId): Promise<CheckoutSessionRecord | null>;
  /** The hosted page's read: by id alone (the caller checks the access token). */
  findById(id: CheckoutSessionId): Promise<CheckoutSessionRecord | null>;
  /**
   * Starts attempt `attempts + 1` if the session still has its version, is OPEN, has no attempt in flight and
   * has not expired at `now`; null otherwise. A session paying an invoice starts one only while the invoice is
   * OPEN or UNCOLLECTIBLE ("invoice_closed" otherwise: voided or paid); the invoice's row is locked meanwhile, so a
   * void cannot slip between the check and the attempt.
   */
  claimAttempt(
    session: CheckoutSessionRecord,
    now: Date,
    event: CheckoutSessionEventDraft,
  ): Promise<CheckoutSessionRecord | "invoice_closed" | null>;
  /** Ends the attempt in flight without completing (declined, failed or refused card): the session stays OPEN. */
  releaseAttempt(
    session: CheckoutSessionRecord,
    paymentId: string | null,
    event: CheckoutSessionEventDraft,
  ): Promise<CheckoutSessionRecord | null>;
  /** Records the attempt's payment while its outcome is unknown; the attempt stays in flight. */
  recordPendingPayment(
    session: CheckoutSessionRecord,
    paymentId: string,
  ): Promise<CheckoutSessionRecord | null>;
  /** Moves the session to `to` if it still has its version (COMPLETE with its payment); null otherwise. */
  transition(
    session: CheckoutSessionRecord,
    event: CheckoutSessionEvent,
    to: CheckoutSessionStatus,
    paymentId: string | null,
    audit: CheckoutSessionEventDraft,
    outbox: CheckoutOutboxMessage,
  ): Promise<CheckoutSessionRecord | null>;
  /** OPEN sessions whose expiry is at or before `now` (with no attempt in flight, or one with its payment), oldest first. */
  dueForExpiry(now: Date, limit: number): Promise<CheckoutSessionRecord[]>;
}
