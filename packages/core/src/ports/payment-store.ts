// The port the payment commands persist through. Each method is one database
// transaction: a payment's state, its attempt, refund, audit event, journal
// entry, outbox message and idempotency record change together or not at all.

import type { RiskDecision, RiskSettings, RiskSignal } from "../fraud/risk-types";
import type { FxConversionDraft } from "../fx/fx-postings";
import type {
  MerchantId,
  PaymentId,
  PaymentMethodId,
  PspAttemptId,
  RefundId,
  RiskAssessmentId,
} from "../ids/ids";
import type { FeeSchedule } from "../ledger/fees";
import type { JournalEntryDraft } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import type {
  IdempotencyLink,
  MerchantActor,
  Mode,
  OutboxDraft,
  PaymentChangeResult,
  PaymentEventDraft,
  PaymentMethodRecord,
  PaymentRecord,
  PspAttemptDraft,
  PspAttemptSettlement,
  PspAttemptStatus,
  RefundRecord,
} from "../payments/payment-record";
import type { EncryptedPan } from "../vault/card-vault";
import type { FundingType } from "../vault/funding-type";
import type { AuditDraft } from "./audit";
import type { CardContext, CardContextRequest } from "./risk-data";

export type PaymentPatch = Partial<
  Pick<
    PaymentRecord,
    | "status"
    | "amountCapturableMinor"
    | "amountCapturedMinor"
    | "amountRefundedMinor"
    | "amountRefundPendingMinor"
    | "pspName"
    | "pspReference"
    | "failureCode"
    | "failureMessage"
    | "pendingOperation"
    | "reviewExpiresAt"
    | "threeDSecure"
    | "nextActionUrl"
    | "actionExpiresAt"
  >
>;

export interface RiskAssessmentDraft {
  id: RiskAssessmentId;
  score: number;
  decision: RiskDecision;
  signals: RiskSignal[];
  degraded: boolean;
  velocitySource: string;
}

export interface StoredAttempt {
  id: PspAttemptId;
  operation: PspAttemptDraft["operation"];
  pspName: string;
  idempotencyKey: string;
  amountMinor: bigint;
  status: PspAttemptStatus;
  pspReference: string | null;
  refundId: RefundId | null;
  resolveCount: number;
  createdAt: Date;
  /**
   * For a PENDING attempt: the process that made the call is gone (it stopped heartbeating), so nobody will
   * record the call's answer; its outcome is settled by the PSP's notification or the resolver instead.
   */
  ownerGone: boolean;
}

export interface MerchantSettings {
  fee: FeeSchedule;
  risk: RiskSettings;
  /**
   * Multiple currencies (issue 18): the currencies the merchant settles in (the first is where others convert
   * to) and its FX fee; absent or no currencies: every payment settles in its own currency.
   */
  settlement?: SettlementTerms;
}

export interface SettlementTerms {
  currencies: CurrencyCode[];
  fxFeeBps: number;
}

export interface NewPayment {
  payment: Omit<PaymentRecord, "version" | "createdAt" | "updatedAt">;
  /** The receipt address (receipts are issued in the database when the payment is captured); absent: none. */
  receiptEmail?: string | null;
  /**
   * An unverified merchant's live limit in the payment's currency (issue 22): the store inserts only while the
   * merchant's live total in that currency (payments not declined, failed or cancelled) plus this amount stays
   * within it, checked and inserted atomically, else throws LIVE_LIMIT_EXCEEDED. Absent or null: no limit.
   */
  liveVolumeCapMinor?: bigint | null;
  /** Null when the risk rules declined the payment: no PSP is asked. */
  attempt: PspAttemptDraft | null;
  risk: RiskAssessmentDraft | null;
  event: PaymentEventDraft;
  outbox: OutboxDraft[];
  idempotency: IdempotencyLink;
}

export interface PaymentChange {
  /**
   * The payment as read when the change was decided: the write happens only if the row still has this version
   * and status. The store may also predict the changed row from it (the patch applied, the version advanced).
   */
  decidedOn: PaymentRecord;
  patch: PaymentPatch;
  events: PaymentEventDraft[];
  attemptInsert?: PspAttemptDraft;
  attemptSettlement?: PspAttemptSettlement;
  refundInsert?: Omit<RefundRecord, "createdAt" | "updatedAt" | "status" | "pspReference" | "failureCode">;
  refundSettlement?: {
    id: RefundId;
    status: "SUCCEEDED" | "FAILED";
    pspReference: string | null;
    failureCode: string | null;
    /** The refund as read before, when the caller has it: the store can then predict the settled row. */
    asRead?: RefundRecord;
  };
  journal?: { draft: JournalEntryDraft; refundId: RefundId | null };
  /**
   * Multiple currencies (issue 18): when `journal` is the payment-currency leg of a conversion, its settlement-
   * currency leg and the record linking the two (fx_conversions), written in the same statement.
   */
  fxConversion?: { draft: FxConversionDraft; refundId: RefundId | null };
  /** A refund to read back with the result when the change neither inserts nor settles one. */
  returnRefund?: RefundId;
  outbox: OutboxDraft[];
  idempotency?: IdempotencyLink;
  /**
   * The operator_audit_log row (target type `payment`) of an operator's command, written by the same
   * statement as the change, so the operator's action and its effect commit together or not at all.
   */
  operatorAudit?: AuditDraft;
}

export interface NewPaymentMethod {
  record: PaymentMethodRecord;
  encryptedPan: EncryptedPan;
  idempotency: IdempotencyLink<PaymentMethodRecord>;
}

export interface PaymentStore {
  insertPaymentMethod(input: NewPaymentMethod): Promise<PaymentMethodRecord>;
  /**
   * A stored card with its encrypted number. With `cardContextFor`, the store may also answer the card's fraud
   * context for that e-mail and IP (what `RiskDataStore.cardContext` reads for the card's fingerprint and BIN),
   * read in the same round trip (issue 23); the risk scorer reads it itself when it is absent.
   */
  findPaymentMethodWithPan(
    actor: MerchantActor,
    id: PaymentMethodId,
    cardContextFor?: CardContextRequest,
  ): Promise<{ method: PaymentMethodRecord; encryptedPan: EncryptedPan; cardContext?: CardContext } | null>;
  /** A stored card's funding type (issue 18: fee rules per funding type); null when there is no such card. */
  paymentMethodFundingType(actor: MerchantActor, id: PaymentMethodId): Promise<FundingType | null>;
  /** Fees and risk thresholds of the actor's merchant. */
  merchantSettings(actor: MerchantActor): Promise<MerchantSettings>;
  /** The merchant and mode of a payment, for operators who act across merchants. */
  findPaymentScope(id: PaymentId): Promise<{ merchantId: MerchantId; mode: Mode } | null>;
  /** For PSP notifications: the payment a PSP reference belongs to (the payment's own or one of its attempts'). */
  findPaymentByPspReference(pspName: string, pspReference: string): Promise<PaymentRecord | null>;
  /** A payment's attempts, newest first (bounded). */
  attemptsOf(paymentId: PaymentId): Promise<StoredAttempt[]>;
  /** The risk decision taken for a payment, if any. */
  riskDecisionOf(paymentId: PaymentId): Promise<RiskDecision | null>;
  /**
   * Attempts whose outcome must be asked for, not escalated ones only, oldest first: UNKNOWN ones that are due;
   * PENDING ones whose process is gone (see StoredAttempt.ownerGone) or that are older than `staleBefore`
   * (attempts with no recorded owner); and capture, void and refund attempts the PSP ACKNOWLEDGED but never
   * decided, once due: first when acknowledged before `acknowledgedBefore`, then on the resolver's schedule.
   */
  attemptsToResolve(
    now: Date,
    staleBefore: Date,
    acknowledgedBefore: Date,
    limit: number,
  ): Promise<
    Array<
      StoredAttempt & { paymentId: PaymentId; merchantId: MerchantId; mode: Mode; currency: CurrencyCode }
    >
  >;
  /** After an inconclusive try: when to ask again, or give up and leave it to operators. */
  rescheduleResolution(
    attemptId: PspAttemptId,
    next: { resolveCount: number; nextResolveAt: Date | null; escalate: boolean },
  ): Promise<void>;
  /**
   * Completes a request of one of `operations` still IN_PROGRESS for this object (its process died) with the
   * given response.
   */
  completeIdempotencyFor(resourceId: string, operations: readonly string[], response: unknown): Promise<void>;
  /**
   * 3-D Secure: payments whose completion call got no answer (REQUIRES_ACTION still claimed for it, i.e.
   * pendingOperation AUTHORIZE) and that have not changed since `staleBefore`, oldest change first.
   */
  unknownCompletions(
    staleBefore: Date,
    limit: number,
  ): Promise<Array<{ paymentId: PaymentId; merchantId: MerchantId; mode: Mode }>>;
  /** 3-D Secure: payments whose challenge is past its deadline (REQUIRES_ACTION), oldest first. */
  expiredActions(
    now: Date,
    limit: number,
  ): Promise<Array<{ paymentId: PaymentId; merchantId: MerchantId; mode: Mode }>>;
  /** Payments held for review past their deadline, oldest first. */
  expiredReviewHolds(
    now: Date,
    limit: number,
  ): Promise<Array<{ paymentId: PaymentId; merchantId: MerchantId; mode: Mode }>>;
  insertPayment(input: NewPayment): Promise<PaymentRecord>;
  findPayment(actor: MerchantActor, id: PaymentId): Promise<PaymentRecord | null>;
  findRefund(actor: MerchantActor, id: RefundId): Promise<RefundRecord | null>;
  /** Applies the change if the payment still has the expected version and status; null when it moved on (a lost race). */
  applyPaymentChange(actor: MerchantActor, change: PaymentChange): Promise<PaymentChangeResult | null>;
}
