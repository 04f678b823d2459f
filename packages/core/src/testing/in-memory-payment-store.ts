// An in-memory fake of the PaymentStore port, for unit tests of the payment use cases only. It copies the
// Postgres store's rules that the commands rely on (packages/db/src/repositories/payment-store.repository.ts):
// a change applies only while the payment still has the version and status it was decided on (else null, a
// lost race, nothing written); a change and its idempotency link apply together or not at all; records are
// copies, so a caller never holds the store's own rows. It proves nothing about Postgres: integration tests do.
import { invariant } from "../errors/domain-error";
import { DEFAULT_RISK_SETTINGS } from "../fraud/risk-types";
import type { MerchantId, PaymentId, PaymentMethodId, PspAttemptId, RefundId } from "../ids/ids";
import { DEFAULT_FEE_SCHEDULE } from "../ledger/fees";
import type { JournalEntryDraft } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import { liveLimitExceeded } from "../onboarding/onboarding";
import type {
  MerchantActor,
  Mode,
  OutboxDraft,
  PaymentChangeResult,
  PaymentEventDraft,
  PaymentMethodRecord,
  PaymentRecord,
  RefundRecord,
} from "../payments/payment-record";
import type { AuditDraft } from "../ports/audit";
import type {
  MerchantSettings,
  NewPayment,
  NewPaymentMethod,
  PaymentChange,
  PaymentStore,
  RiskAssessmentDraft,
  StoredAttempt,
} from "../ports/payment-store";
import type { EncryptedPan } from "../vault/card-vault";
import type { FundingType } from "../vault/funding-type";
import type { InMemoryIdempotencyStore } from "./in-memory-idempotency";

interface AttemptRow extends StoredAttempt {
  paymentId: PaymentId;
  currency: CurrencyCode;
  nextResolveAt: Date | null;
  escalated: boolean;
  updatedAt: Date;
}

const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryPaymentStore implements PaymentStore {
  /** What was written, in order, for assertions. */
  readonly events: Array<PaymentEventDraft & { paymentId: PaymentId }> = [];
  readonly journal: Array<{ paymentId: PaymentId; draft: JournalEntryDraft; refundId: RefundId | null }> = [];
  readonly outbox: OutboxDraft[] = [];
  /** Operator audit rows written with a change (PaymentChange.operatorAudit). */
  readonly operatorAudit: AuditDraft[] = [];
  /** Merchant settings by merchant id; the defaults otherwise. */
  readonly settings = new Map<MerchantId, MerchantSettings>();
  private readonly methods = new Map<
    PaymentMethodId,
    { method: PaymentMethodRecord; encryptedPan: EncryptedPan }
  >();
  private readonly payments = new Map<PaymentId, PaymentRecord>();
  private readonly attempts: AttemptRow[] = [];
  private readonly refunds = new Map<RefundId, RefundRecord>();
  private readonly risk = new Map<PaymentId, RiskAssessmentDraft>();

  constructor(
    private readonly idempotency: InMemoryIdempotencyStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Puts a payment as it is, for a test that starts from a given status; its version is kept. */
  seedPayment(payment: PaymentRecord): void {
    this.payments.set(payment.id, copy(payment));
  }

  /** Puts an attempt as it is (a call in flight, an unknown outcome), for a test that starts from it. */
  seedAttempt(paymentId: PaymentId, attempt: StoredAttempt & { currency: CurrencyCode }): void {
    this.attempts.push({
      ...copy(attempt),
      paymentId,
      nextResolveAt: null,
      escalated: false,
      updatedAt: this.now(),
    });
  }

  async insertPaymentMethod(input: NewPaymentMethod): Promise<PaymentMethodRecord> {
    const { record, idempotency } = input;
    const response = idempotency.complete?.response(copy(record));
    this.idempotency.link({ id: idempotency.recordId, createdAt: idempotency.recordCreatedAt }, record.id, {
      lockedUntil: idempotency.lockedUntil,
      response,
    });
    this.methods.set(record.id, { method: copy(record), encryptedPan: copy(input.encryptedPan) });
    if (response !== undefined) idempotency.complete?.committed(response);
    return copy(record);
  }

  async findPaymentMethodWithPan(actor: MerchantActor, id: PaymentMethodId) {
    const stored = this.methods.get(id);
    if (!stored || !ownedBy(stored.method, actor)) return null;
    return copy(stored);
  }

  async paymentMethodFundingType(actor: MerchantActor, id: PaymentMethodId): Promise<FundingType | null> {
    const stored = this.methods.get(id);
    if (!stored || !ownedBy(stored.method, actor)) return null;
    return stored.method.fundingType ?? "unknown";
  }

  async merchantSettings(actor: MerchantActor): Promise<MerchantSettings> {
    return copy(
      this.settings.get(actor.merchantId) ?? { fee: DEFAULT_FEE_SCHEDULE, risk: DEFAULT_RISK_SETTINGS },
    );
  }

  async findPaymentScope(id: PaymentId): Promise<{ merchantId: MerchantId; mode: Mode } | null> {
    const payment = this.payments.get(id);
    return payment ? { merchantId: payment.merchantId, mode: payment.mode } : null;
  }

  async findPaymentByPspReference(pspName: string, pspReference: string): Promise<PaymentRecord | null> {
    for (const payment of this.payments.values()) {
      if (payment.pspName === pspName && payment.pspReference === pspReference) return copy(payment);
    }
    const attempt = this.attempts.find((a) => a.pspName === pspName && a.pspReference === pspReference);
    const payment = attempt ? this.payments.get(attempt.paymentId) : undefined;
    return payment ? copy(payment) : null;
  }

  async attemptsOf(paymentId: PaymentId): Promise<StoredAttempt[]> {
    return this.attempts
      .filter((a) => a.paymentId === paymentId)
      .reverse()
      .map(({ paymentId: _p, currency: _c, nextResolveAt: _n, escalated: _e, updatedAt: _u, ...attempt }) =>
        copy(attempt),
      );
  }

  async riskDecisionOf(paymentId: PaymentId) {
    return this.risk.get(paymentId)?.decision ?? null;
  }

  async attemptsToResolve(now: Date, staleBefore: Date, acknowledgedBefore: Date, limit: number) {
    const due = (a: AttemptRow) => {
      if (a.escalated) return false;
      if (a.status === "UNKNOWN") return a.nextResolveAt === null || a.nextResolveAt <= now;
      if (a.status === "PENDING") return a.ownerGone || a.createdAt < staleBefore;
      if (a.status !== "ACKNOWLEDGED" || a.operation === "AUTHORIZE") return false;
      return a.nextResolveAt === null ? a.updatedAt < acknowledgedBefore : a.nextResolveAt <= now;
    };
    return this.attempts
      .filter(due)
      .slice(0, limit)
      .map((a) => {
        const payment = this.payments.get(a.paymentId);
        invariant(payment !== undefined, "an attempt's payment exists");
        const { nextResolveAt: _n, escalated: _e, updatedAt: _u, ...attempt } = copy(a);
        return { ...attempt, merchantId: payment.merchantId, mode: payment.mode };
      });
  }

  async rescheduleResolution(
    attemptId: PspAttemptId,
    next: { resolveCount: number; nextResolveAt: Date | null; escalate: boolean },
  ): Promise<void> {
    const attempt = this.attempts.find((a) => a.id === attemptId);
    if (!attempt) return;
    attempt.resolveCount = next.resolveCount;
    attempt.nextResolveAt = next.nextResolveAt;
    attempt.escalated = next.escalate;
  }

  async completeIdempotencyFor(resourceId: string, operations: readonly string[], response: unknown) {
    this.idempotency.completeFor(resourceId, operations, response);
  }

  async unknownCompletions(staleBefore: Date, limit: number) {
    return [...this.payments.values()]
      .filter(
        (p) =>
          p.status === "REQUIRES_ACTION" && p.pendingOperation === "AUTHORIZE" && p.updatedAt < staleBefore,
      )
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime())
      .slice(0, limit)
      .map((p) => ({ paymentId: p.id, merchantId: p.merchantId, mode: p.mode }));
  }

  async expiredActions(now: Date, limit: number) {
    return [...this.payments.values()]
      .filter((p) => p.status === "REQUIRES_ACTION" && p.actionExpiresAt !== null && p.actionExpiresAt < now)
      .sort((a, b) => (a.actionExpiresAt?.getTime() ?? 0) - (b.actionExpiresAt?.getTime() ?? 0))
      .slice(0, limit)
      .map((p) => ({ paymentId: p.id, merchantId: p.merchantId, mode: p.mode }));
  }

  async expiredReviewHolds(now: Date, limit: number) {
    return [...this.payments.values()]
      .filter((p) => p.status === "REQUIRES_REVIEW" && p.reviewExpiresAt !== null && p.reviewExpiresAt < now)
      .sort((a, b) => (a.reviewExpiresAt?.getTime() ?? 0) - (b.reviewExpiresAt?.getTime() ?? 0))
      .slice(0, limit)
      .map((p) => ({ paymentId: p.id, merchantId: p.merchantId, mode: p.mode }));
  }

  async insertPayment(input: NewPayment): Promise<PaymentRecord> {
    const now = this.now();
    const payment: PaymentRecord = { ...copy(input.payment), version: 1, createdAt: now, updatedAt: now };
    // The live limit, as Postgres checks it under its lock (one thread here: the check and the insert are atomic).
    const cap = input.liveVolumeCapMinor ?? null;
    if (cap !== null) {
      const soFar = [...this.payments.values()]
        .filter(
          (p) =>
            p.merchantId === payment.merchantId &&
            p.mode === "LIVE" &&
            p.currency === payment.currency &&
            !["DECLINED", "FAILED", "CANCELLED"].includes(p.status),
        )
        .reduce((sum, p) => sum + p.amountMinor, 0n);
      if (soFar + payment.amountMinor > cap) throw liveLimitExceeded(payment.currency, cap, soFar);
    }
    // The claim or link comes first: when the key is held it throws and nothing is written.
    const { idempotency } = input;
    this.idempotency.write(
      {
        recordId: idempotency.recordId,
        recordCreatedAt: idempotency.recordCreatedAt,
        lockedUntil: idempotency.lockedUntil ?? now,
        insert: idempotency.insert,
      },
      payment.id,
    );
    this.payments.set(payment.id, payment);
    if (input.attempt) this.insertAttempt(payment.id, input.attempt, now);
    if (input.risk) this.risk.set(payment.id, copy(input.risk));
    this.events.push({ ...copy(input.event), paymentId: payment.id });
    this.outbox.push(...copy(input.outbox));
    return copy(payment);
  }

  async findPayment(actor: MerchantActor, id: PaymentId): Promise<PaymentRecord | null> {
    const payment = this.payments.get(id);
    return payment && ownedBy(payment, actor) ? copy(payment) : null;
  }

  async findRefund(actor: MerchantActor, id: RefundId): Promise<RefundRecord | null> {
    const refund = this.refunds.get(id);
    return refund && ownedBy(refund, actor) ? copy(refund) : null;
  }

  async applyPaymentChange(actor: MerchantActor, change: PaymentChange): Promise<PaymentChangeResult | null> {
    const current = this.payments.get(change.decidedOn.id);
    // The version check: Postgres updates the row only WHERE version and status are still as read.
    if (!current || !ownedBy(current, actor)) return null;
    if (current.version !== change.decidedOn.version || current.status !== change.decidedOn.status)
      return null;
    this.checkSettlements(change);
    const now = this.now();
    const payment: PaymentRecord = {
      ...current,
      ...copy(change.patch),
      version: current.version + 1,
      updatedAt: now,
    };
    const refund = this.refundAfter(change, actor, now);
    const result = { payment: copy(payment), refund: refund && copy(refund) };
    const link = change.idempotency;
    const response = link?.complete?.response(copy(result));
    // Linking throws when another request took the key over: it runs before anything is written.
    if (link)
      this.idempotency.link({ id: link.recordId, createdAt: link.recordCreatedAt }, resourceOf(change), {
        lockedUntil: link.lockedUntil,
        response,
      });
    this.payments.set(payment.id, payment);
    if (refund) this.refunds.set(refund.id, refund);
    if (change.attemptInsert) this.insertAttempt(payment.id, change.attemptInsert, now);
    if (change.attemptSettlement) this.settleAttempt(change.attemptSettlement, now);
    for (const event of change.events) this.events.push({ ...copy(event), paymentId: payment.id });
    if (change.journal) this.journal.push({ paymentId: payment.id, ...copy(change.journal) });
    this.outbox.push(...copy(change.outbox));
    if (change.operatorAudit) this.operatorAudit.push(copy(change.operatorAudit));
    if (response !== undefined) link?.complete?.committed(response);
    return result;
  }

  /** The Postgres statement fails (and writes nothing) when a settled attempt or refund is missing. */
  private checkSettlements(change: PaymentChange): void {
    const settled = change.attemptSettlement;
    if (settled) {
      invariant(
        this.attempts.some((a) => a.id === settled.id && a.paymentId === change.decidedOn.id),
        `attempt ${settled.id} of payment ${change.decidedOn.id} not found`,
      );
    }
    const refund = change.refundSettlement ? this.refunds.get(change.refundSettlement.id) : undefined;
    if (change.refundSettlement) {
      invariant(refund?.status === "PENDING", `no such (pending) refund ${change.refundSettlement.id}`);
    }
  }

  /** The refund the change inserts, settles or asks for, as it will be after the change. */
  private refundAfter(change: PaymentChange, actor: MerchantActor, now: Date): RefundRecord | null {
    if (change.refundInsert) {
      return {
        ...copy(change.refundInsert),
        status: "PENDING",
        pspReference: null,
        failureCode: null,
        createdAt: now,
        updatedAt: now,
      };
    }
    const settlement = change.refundSettlement;
    if (settlement) {
      const refund = this.refunds.get(settlement.id) as RefundRecord;
      const { status, pspReference, failureCode } = settlement;
      return { ...copy(refund), status, pspReference, failureCode, updatedAt: now };
    }
    const returned = change.returnRefund ? this.refunds.get(change.returnRefund) : undefined;
    invariant(returned === undefined || ownedBy(returned, actor), "a returned refund is the actor's");
    return returned ? copy(returned) : null;
  }

  private insertAttempt(paymentId: PaymentId, draft: NonNullable<PaymentChange["attemptInsert"]>, now: Date) {
    this.attempts.push({
      id: draft.id,
      operation: draft.operation,
      pspName: draft.pspName,
      idempotencyKey: draft.idempotencyKey,
      amountMinor: draft.amountMinor,
      status: "PENDING",
      pspReference: null,
      refundId: draft.refundId,
      resolveCount: 0,
      createdAt: now,
      ownerGone: false,
      paymentId,
      currency: draft.currency,
      nextResolveAt: null,
      escalated: false,
      updatedAt: now,
    });
  }

  private settleAttempt(settlement: NonNullable<PaymentChange["attemptSettlement"]>, now: Date): void {
    const attempt = this.attempts.find((a) => a.id === settlement.id) as AttemptRow;
    attempt.status = settlement.status;
    attempt.pspReference = settlement.pspReference ?? attempt.pspReference;
    attempt.updatedAt = now;
  }
}

function ownedBy(
  row: { merchantId: MerchantId; mode: Mode },
  actor: Pick<MerchantActor, "merchantId" | "mode">,
) {
  return row.merchantId === actor.merchantId && row.mode === actor.mode;
}

/** The object a change's idempotency record is linked to, as the Postgres store names it. */
function resourceOf(change: PaymentChange): string {
  return change.refundSettlement?.id ?? change.refundInsert?.id ?? change.returnRefund ?? change.decidedOn.id;
}
