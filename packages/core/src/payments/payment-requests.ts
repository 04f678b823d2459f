// What callers hand the payment commands: the inputs of each use case as the transports pass them (unparsed
// where the command validates), and a PSP's notification once normalised from its webhook format.

import type { CustomerInput } from "../fraud/customer-context";
import type { Actor, AuditValue } from "../ports/audit";
import type { BankRefundAccountInput } from "../ports/bank-refund-store";
import type { CardInput } from "../vault/card";
import type { CaptureMethod } from "./payment-record";

export interface TokenizeCardInput {
  idempotencyKey: string;
  card: CardInput;
}

export interface CreatePaymentInput {
  idempotencyKey: string;
  /** Who pays, from where: optional context for the fraud rules. */
  customer?: CustomerInput | null;
  amount: unknown;
  currency: string;
  paymentMethodId: string;
  captureMethod: CaptureMethod;
  description?: string | null;
  metadata?: Record<string, string> | null;
  /** Where to send the receipt when the payment is captured; none, no receipt (and no receipt number). */
  receiptEmail?: string | null;
  /**
   * 3-D Secure: where paycore sends the customer once a challenge is over (http or https, at most 2,048
   * characters); without it the customer lands on paycore's own page that says how it went.
   */
  returnUrl?: string | null;
}

export interface CapturePaymentInput {
  idempotencyKey: string;
  paymentId: string;
  amount?: unknown;
}

export interface CancelPaymentInput {
  idempotencyKey: string;
  paymentId: string;
}

export interface RefundPaymentInput {
  idempotencyKey: string;
  paymentId: string;
  amount?: unknown;
  reason?: string | null;
  /**
   * A bank-transfer payment only: the payer's account to refund to (IBAN, or US routing and account numbers, with
   * the holder's name). Without it the refund goes back along the credit transfer that paid, when there was one.
   */
  bankAccount?: BankRefundAccountInput | null;
}

export interface ReviewDecisionInput {
  idempotencyKey: string;
  paymentId: string;
  note?: string | null;
}

/** An operator acting from the console or the CLI. */
export interface OperatorActor {
  operatorId: string;
}

/**
 * An operator's audit row for a payment command (the console's capture, cancel, refund and review decisions):
 * written in the command's first transaction, the one that records the operator's intent (its attempt), with
 * the payment as read and as that transaction leaves it. The PSP's answer follows in the payment's own events.
 */
export interface OperatorAuditRequest {
  actor: Actor;
  /** "payment.refund", "payment.capture", "payment.cancel", "review.approve", "review.reject". */
  action: string;
  /** Whitelisted context the operator gave (a reason, a note, the amount asked for). */
  details: Record<string, AuditValue>;
}

/** Options every operator-facing payment command takes. */
export interface PaymentCommandOptions {
  audit?: OperatorAuditRequest;
}

/** A PSP's notification, normalised from its webhook format. */
export type PspNotification =
  | {
      kind: "authorization";
      pspName: string;
      pspReference: string;
      /** Our payment id as the PSP echoes it: finds the payment before its PSP reference is recorded. */
      reference: string | null;
      success: boolean;
      code: string | null;
    }
  | {
      kind: "capture" | "void" | "refund";
      pspName: string;
      /** The payment's reference at the PSP. */
      paymentPspReference: string;
      /** The modification's own reference, when the PSP gives one. */
      modificationReference: string | null;
      /** Our attempt id as the PSP echoes it (the reference we sent with the modification), when it does. */
      attemptReference?: string | null;
      success: boolean;
      code: string | null;
    };
