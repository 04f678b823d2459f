// Where refunds of bank-transfer payments are kept (issue 18). Each write is one transaction: the conditional
// payment update (version and status as read; the payments trigger checks the edge), the refund row, the bank
// refund row (its own status edges and version checked by its trigger), the payment's audit events, outbox
// messages and journal entries (each with a unique source-event key, so a repeated bank notice posts nothing).
import type { BankJournalDraft } from "../bank-transfers/bank-transfer";
import type { IdempotencyContext } from "../idempotency/idempotency-service";
import type { PaymentId, RefundId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import type {
  MerchantActor,
  OutboxDraft,
  PaymentEventDraft,
  PaymentRecord,
  RefundRecord,
} from "../payments/payment-record";
import type { RefundResult } from "../payments/payment-responses";
import type { BankAccountInput } from "../payouts/bank-account";
import type { EncryptedPan } from "../vault/card-vault";

/** The account a refund names (the payer's), as the API takes it. */
export type BankRefundAccountInput = Omit<BankAccountInput, "currency">;

/** What refundPayment needs of the bank-transfer refunds (bank-transfers/bank-refunds.ts implements it). */
export interface BankRefundsPort {
  handles(payment: Pick<PaymentRecord, "id" | "pspName" | "paymentMethodId">): Promise<boolean>;
  refund(
    actor: MerchantActor,
    context: IdempotencyContext,
    paymentId: PaymentId,
    requestedMinor: bigint | null,
    reason: string | null,
    account: BankRefundAccountInput | null,
  ): Promise<RefundResult>;
}

export type BankRefundStatus = "PENDING" | "SUCCEEDED" | "FAILED" | "RETURNED";

/** Where a bank refund goes: back along the credit transfer that paid (the bank knows the payer's account), or to an account the refund names. */
export type BankRefundDestination =
  | { kind: "ORIGINATING"; transferId: string }
  | {
      kind: "ACCOUNT";
      rail: "SEPA" | "ACH";
      holderName: string;
      last4: string;
      routingNumber: string | null;
      /** The IBAN or account number, encrypted by the vault (associated data: the refund id). */
      number: EncryptedPan;
    };

export interface BankRefundRecord {
  refundId: RefundId;
  paymentId: PaymentId;
  merchantId: string;
  mode: "TEST" | "LIVE";
  amountMinor: bigint;
  currency: CurrencyCode;
  destination: BankRefundDestination;
  status: BankRefundStatus;
  /** Set once the bank accepted the refund (a return or a credit transfer in transit). */
  bankReference: string | null;
  failureCode: string | null;
  /** Calls made to the bank so far (each with the refund id as its idempotency key). */
  attempts: number;
  version: number;
  createdAt: Date;
}

/** The payment changes one bank-refund write makes, decided on the payment as read. */
export interface BankRefundPaymentWrite {
  /** The payment as the decision read it: updated only if its version and status are still these. */
  decidedOn: PaymentRecord;
  patch: {
    status?: PaymentRecord["status"];
    amountRefundedMinor?: bigint;
    amountRefundPendingMinor?: bigint;
  };
  events: PaymentEventDraft[];
  outbox: OutboxDraft[];
  journal: BankJournalDraft[];
}

export interface BankRefundIntent extends BankRefundPaymentWrite {
  refund: Pick<
    RefundRecord,
    "id" | "paymentId" | "merchantId" | "mode" | "amountMinor" | "currency" | "reason"
  >;
  destination: BankRefundDestination;
}

export interface BankRefundOutcomeWrite extends BankRefundPaymentWrite {
  refundId: RefundId;
  /** The bank refund's version the outcome was decided on. */
  expectedVersion: number;
  status: BankRefundStatus;
  bankReference: string | null;
  failureCode: string | null;
}

export interface BankRefundStore {
  /** The payment's bank-transfer credits that paid it (the transfers' ids), null when it is no bank transfer. */
  paidByTransfers(paymentId: PaymentId): Promise<string[] | null>;
  /** Records the intent; "conflict" when the payment changed since it was read (nothing written). */
  recordIntent(
    intent: BankRefundIntent,
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord } | "conflict">;
  findBankRefund(refundId: RefundId): Promise<BankRefundRecord | null>;
  /** Counts a call to the bank (before it is made): the resolver's bound. */
  countAttempt(refundId: RefundId): Promise<void>;
  /** Records an outcome; "conflict" when the payment or the bank refund changed since it was read. */
  recordOutcome(
    write: BankRefundOutcomeWrite,
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord } | "conflict">;
  /** Pending refunds the bank has not accepted yet (its answer was unknown), oldest first. */
  unresolved(limit: number, attemptsMax: number): Promise<RefundId[]>;
  findPayment(paymentId: PaymentId): Promise<PaymentRecord | null>;
  findRefund(refundId: RefundId): Promise<RefundRecord | null>;
}
