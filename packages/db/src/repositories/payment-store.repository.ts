// The Postgres implementation of the core's PaymentStore port. Each method is
// one transaction; a payment is only ever updated conditionally on the version
// and status its caller read (the database trigger checks the transition too).

import { DomainError } from "@paycore/core/errors/domain-error";
import type { RiskDecision } from "@paycore/core/fraud/risk-types";
import { DEFAULT_RISK_SETTINGS } from "@paycore/core/fraud/risk-types";
import type {
  IdempotencyRecordId,
  MerchantId,
  PaymentId,
  PaymentMethodId,
  PspAttemptId,
  RefundId,
} from "@paycore/core/ids/ids";
import { newId } from "@paycore/core/ids/ids";
import { assertBalanced, LEDGER_ACCOUNTS, type LedgerAccountCode } from "@paycore/core/ledger/postings";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type {
  MerchantActor,
  Mode,
  OutboxDraft,
  PaymentChangeResult,
  PaymentEventDraft,
  PaymentMethodRecord,
  PaymentRecord,
  RefundRecord,
} from "@paycore/core/payments/payment-record";
import type {
  MerchantSettings,
  NewPayment,
  NewPaymentMethod,
  PaymentChange,
  PaymentStore,
  StoredAttempt,
} from "@paycore/core/ports/payment-store";
import { TtlCache } from "@paycore/core/ttl-cache";
import type { EncryptedPan } from "@paycore/core/vault/card-vault";
import type { DatabaseClient, Prisma } from "../client";
import {
  paymentMethodSelect,
  paymentSelect,
  refundSelect,
  toPaymentMethodRecord,
  toPaymentRecord,
  toRefundRecord,
} from "../mappers/payment.mapper";

type Transaction = Prisma.TransactionClient;

/** Thrown inside a transaction to roll it back when the payment moved on; never escapes this file. */
class LostRace extends Error {}

/** Ledger accounts are created once per merchant, mode, code and currency and never change: cached in-process. */
const ACCOUNT_CACHE_MAX = 100_000;

export class PrismaPaymentStore implements PaymentStore {
  private readonly accountIds = new Map<string, string>();
  /** Fees and risk thresholds change rarely: a change takes effect within this cache's 30 s. */
  private readonly settingsCache = new TtlCache<string, MerchantSettings>(30_000, 10_000);

  constructor(private readonly db: DatabaseClient) {}

  async insertPaymentMethod(input: NewPaymentMethod): Promise<PaymentMethodRecord> {
    const { record, encryptedPan, idempotency } = input;
    return this.db.$transaction(async (tx) => {
      await claimIdempotencyRecord(tx, idempotency.recordId, idempotency.lockedUntil, record.id);
      const row = await tx.paymentMethod.create({
        data: {
          id: record.id,
          merchantId: record.merchantId,
          mode: record.mode,
          brand: record.brand,
          last4: record.last4,
          expMonth: record.expMonth,
          expYear: record.expYear,
          fingerprint: record.fingerprint,
          bin: record.bin,
          cardCountry: record.cardCountry,
          panCiphertext: new Uint8Array(encryptedPan.ciphertext),
          panNonce: new Uint8Array(encryptedPan.nonce),
          panAuthTag: new Uint8Array(encryptedPan.authTag),
          keyVersion: encryptedPan.keyVersion,
          createdAt: record.createdAt,
        },
        select: paymentMethodSelect,
      });
      const method = toPaymentMethodRecord(row);
      if (idempotency.complete) {
        await tx.idempotencyRecord.update({
          where: { id: idempotency.recordId },
          data: { status: "COMPLETED", response: idempotency.complete(method) as Prisma.InputJsonValue },
          select: { id: true },
        });
      }
      return method;
    });
  }

  async findPaymentMethodWithPan(
    actor: MerchantActor,
    id: PaymentMethodId,
  ): Promise<{ method: PaymentMethodRecord; encryptedPan: EncryptedPan } | null> {
    const row = await this.db.paymentMethod.findFirst({
      where: { id, merchantId: actor.merchantId, mode: actor.mode },
      select: {
        ...paymentMethodSelect,
        panCiphertext: true,
        panNonce: true,
        panAuthTag: true,
        keyVersion: true,
      },
    });
    if (row === null) return null;
    return {
      method: toPaymentMethodRecord(row),
      encryptedPan: {
        ciphertext: Buffer.from(row.panCiphertext),
        nonce: Buffer.from(row.panNonce),
        authTag: Buffer.from(row.panAuthTag),
        keyVersion: row.keyVersion,
      },
    };
  }

  async merchantSettings(actor: MerchantActor): Promise<MerchantSettings> {
    return this.settingsCache.getOrLoad(actor.merchantId, () => this.loadMerchantSettings(actor));
  }

  private async loadMerchantSettings(actor: MerchantActor): Promise<MerchantSettings> {
    const merchant = await this.db.merchant.findUniqueOrThrow({
      where: { id: actor.merchantId },
      select: {
        feeRateBps: true,
        feeFixedMinor: true,
        riskReviewThreshold: true,
        riskDeclineThreshold: true,
      },
    });
    return {
      fee: { rateBps: merchant.feeRateBps, fixedMinor: merchant.feeFixedMinor },
      risk: {
        ...DEFAULT_RISK_SETTINGS,
        reviewThreshold: merchant.riskReviewThreshold,
        declineThreshold: merchant.riskDeclineThreshold,
      },
    };
  }

  async findPaymentScope(id: PaymentId): Promise<{ merchantId: MerchantId; mode: Mode } | null> {
    const row = await this.db.payment.findUnique({ where: { id }, select: { merchantId: true, mode: true } });
    return row && { merchantId: row.merchantId as MerchantId, mode: row.mode };
  }

  async findPaymentByPspReference(pspName: string, pspReference: string): Promise<PaymentRecord | null> {
    const direct = await this.db.payment.findFirst({
      where: { pspName, pspReference },
      select: paymentSelect,
    });
    if (direct) return toPaymentRecord(direct);
    const attempt = await this.db.pspAttempt.findFirst({
      where: { pspName, pspReference },
      select: { payment: { select: paymentSelect } },
    });
    return attempt ? toPaymentRecord(attempt.payment) : null;
  }

  async attemptsOf(paymentId: PaymentId): Promise<StoredAttempt[]> {
    const rows = await this.db.pspAttempt.findMany({
      where: { paymentId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 100,
      select: {
        id: true,
        operation: true,
        pspName: true,
        idempotencyKey: true,
        amountMinor: true,
        status: true,
        pspReference: true,
        refundId: true,
        resolveCount: true,
        createdAt: true,
      },
    });
    return rows.map((row) => ({
      ...row,
      id: row.id as PspAttemptId,
      refundId: row.refundId as RefundId | null,
    }));
  }

  async attemptsToResolve(now: Date, staleBefore: Date, limit: number) {
    const rows = await this.db.pspAttempt.findMany({
      where: {
        escalatedAt: null,
        OR: [
          { status: "UNKNOWN", OR: [{ nextResolveAt: null }, { nextResolveAt: { lte: now } }] },
          { status: "PENDING", createdAt: { lt: staleBefore } },
        ],
      },
      orderBy: { createdAt: "asc" },
      take: limit,
      select: {
        id: true,
        operation: true,
        pspName: true,
        idempotencyKey: true,
        amountMinor: true,
        status: true,
        pspReference: true,
        refundId: true,
        resolveCount: true,
        createdAt: true,
        paymentId: true,
        merchantId: true,
        currency: true,
        payment: { select: { mode: true } },
      },
    });
    return rows.map(({ payment, ...row }) => ({
      ...row,
      id: row.id as PspAttemptId,
      refundId: row.refundId as RefundId | null,
      paymentId: row.paymentId as PaymentId,
      merchantId: row.merchantId as MerchantId,
      currency: row.currency as CurrencyCode,
      mode: payment.mode,
    }));
  }

  async rescheduleResolution(
    attemptId: PspAttemptId,
    next: { resolveCount: number; nextResolveAt: Date | null; escalate: boolean },
  ): Promise<void> {
    await this.db.pspAttempt.update({
      where: { id: attemptId },
      data: {
        resolveCount: next.resolveCount,
        nextResolveAt: next.nextResolveAt,
        ...(next.escalate ? { escalatedAt: new Date() } : {}),
        updatedAt: new Date(),
      },
      select: { id: true },
    });
  }

  async completeIdempotencyFor(resourceId: string, response: unknown): Promise<void> {
    await this.db.idempotencyRecord.updateMany({
      where: { resourceId, status: "IN_PROGRESS" },
      data: { status: "COMPLETED", response: response as Prisma.InputJsonValue },
    });
  }

  async riskDecisionOf(paymentId: PaymentId): Promise<RiskDecision | null> {
    const row = await this.db.riskAssessment.findUnique({ where: { paymentId }, select: { decision: true } });
    return row?.decision ?? null;
  }

  async expiredReviewHolds(now: Date, limit: number) {
    const rows = await this.db.payment.findMany({
      where: { status: "REQUIRES_REVIEW", reviewExpiresAt: { lt: now } },
      orderBy: { reviewExpiresAt: "asc" },
      take: limit,
      select: { id: true, merchantId: true, mode: true },
    });
    return rows.map((row) => ({
      paymentId: row.id as PaymentId,
      merchantId: row.merchantId as MerchantId,
      mode: row.mode,
    }));
  }

  async insertPayment(input: NewPayment): Promise<PaymentRecord> {
    const { payment, attempt, event } = input;
    return this.db.$transaction(async (tx) => {
      await claimIdempotencyRecord(tx, input.idempotency.recordId, input.idempotency.lockedUntil, payment.id);
      const row = await tx.payment.create({
        data: {
          id: payment.id,
          merchantId: payment.merchantId,
          mode: payment.mode,
          status: payment.status,
          amountMinor: payment.amountMinor,
          currency: payment.currency,
          amountCapturableMinor: payment.amountCapturableMinor,
          amountCapturedMinor: payment.amountCapturedMinor,
          amountRefundedMinor: payment.amountRefundedMinor,
          amountRefundPendingMinor: payment.amountRefundPendingMinor,
          captureMethod: payment.captureMethod,
          paymentMethodId: payment.paymentMethodId,
          description: payment.description,
          metadata: payment.metadata,
          pspName: payment.pspName,
          pspReference: payment.pspReference,
          failureCode: payment.failureCode,
          failureMessage: payment.failureMessage,
          pendingOperation: payment.pendingOperation,
          cardFingerprint: payment.cardFingerprint,
          customerEmail: payment.customerEmail,
          ipAddress: payment.ipAddress,
          deviceId: payment.deviceId,
          billingCountry: payment.billingCountry,
          geoLatitude: payment.geoLatitude,
          geoLongitude: payment.geoLongitude,
          reviewExpiresAt: payment.reviewExpiresAt,
        },
        select: paymentSelect,
      });
      if (attempt) {
        await tx.pspAttempt.create({
          data: attemptData(attempt, payment.id, payment.merchantId),
          select: { id: true },
        });
      }
      if (input.risk) {
        await tx.riskAssessment.create({
          data: {
            id: input.risk.id,
            paymentId: payment.id,
            merchantId: payment.merchantId,
            score: input.risk.score,
            decision: input.risk.decision,
            signals: input.risk.signals as unknown as Prisma.InputJsonValue,
            degraded: input.risk.degraded,
            velocitySource: input.risk.velocitySource,
          },
          select: { id: true },
        });
      }
      await tx.paymentEvent.createMany({ data: [eventData(event, payment.id, payment.merchantId)] });
      if (input.outbox.length > 0) {
        await tx.outboxMessage.createMany({
          data: input.outbox.map((m) => outboxData(m, payment.merchantId, payment.mode, payment.id)),
        });
      }
      return toPaymentRecord(row);
    });
  }

  async findPayment(actor: MerchantActor, id: PaymentId): Promise<PaymentRecord | null> {
    const row = await this.db.payment.findFirst({
      where: { id, merchantId: actor.merchantId, mode: actor.mode },
      select: paymentSelect,
    });
    return row === null ? null : toPaymentRecord(row);
  }

  async findRefund(actor: MerchantActor, id: RefundId): Promise<RefundRecord | null> {
    const row = await this.db.refund.findFirst({
      where: { id, merchantId: actor.merchantId, mode: actor.mode },
      select: refundSelect,
    });
    return row === null ? null : toRefundRecord(row);
  }

  async applyPaymentChange(actor: MerchantActor, change: PaymentChange): Promise<PaymentChangeResult | null> {
    const accounts = change.journal
      ? await this.ensureAccounts(actor.merchantId, actor.mode, change.journal.draft.currency)
      : null;
    try {
      return await this.db.$transaction(async (tx) => {
        if (change.idempotency?.lockedUntil) {
          const resourceId = change.refundInsert?.id ?? change.paymentId;
          await claimIdempotencyRecord(
            tx,
            change.idempotency.recordId,
            change.idempotency.lockedUntil,
            resourceId,
          );
        }
        const payment = await updatePaymentIfUnchanged(tx, actor, change);
        const merchantId = actor.merchantId;
        if (change.refundInsert) {
          const r = change.refundInsert;
          await tx.refund.create({
            data: {
              id: r.id,
              paymentId: r.paymentId,
              merchantId,
              mode: actor.mode,
              amountMinor: r.amountMinor,
              currency: r.currency,
              reason: r.reason,
            },
            select: { id: true },
          });
        }
        if (change.attemptInsert) {
          await tx.pspAttempt.create({
            data: attemptData(change.attemptInsert, payment.id, merchantId),
            select: { id: true },
          });
        }
        if (change.attemptSettlement) {
          const s = change.attemptSettlement;
          await tx.pspAttempt.update({
            where: { id: s.id, paymentId: payment.id },
            data: {
              status: s.status,
              pspReference: s.pspReference,
              errorCode: s.errorCode,
              errorMessage: s.errorMessage,
              updatedAt: new Date(),
            },
            select: { id: true },
          });
        }
        let refund: RefundRecord | null = null;
        if (change.refundSettlement) {
          const s = change.refundSettlement;
          refund = toRefundRecord(
            await tx.refund.update({
              where: { id: s.id, paymentId: payment.id, status: "PENDING" },
              data: {
                status: s.status,
                pspReference: s.pspReference,
                failureCode: s.failureCode,
                updatedAt: new Date(),
              },
              select: refundSelect,
            }),
          );
        } else if (change.refundInsert || change.returnRefund) {
          const id = change.refundInsert?.id ?? (change.returnRefund as RefundId);
          refund = toRefundRecord(await tx.refund.findUniqueOrThrow({ where: { id }, select: refundSelect }));
        }
        if (change.events.length > 0) {
          await tx.paymentEvent.createMany({
            data: change.events.map((e) => eventData(e, payment.id, merchantId)),
          });
        }
        if (change.journal && accounts) {
          const { draft, refundId } = change.journal;
          assertBalanced(draft);
          const entryId = newId("journalEntry");
          await tx.journalEntry.create({
            data: {
              id: entryId,
              merchantId,
              mode: actor.mode,
              kind: draft.kind,
              paymentId: payment.id,
              refundId,
              currency: draft.currency,
              lines: {
                createMany: {
                  data: draft.lines.map((line) => ({
                    accountId: accounts[line.account],
                    direction: line.direction,
                    amountMinor: line.amountMinor,
                  })),
                },
              },
            },
            select: { id: true },
          });
        }
        if (change.outbox.length > 0) {
          await tx.outboxMessage.createMany({
            data: change.outbox.map((m) => outboxData(m, merchantId, actor.mode, payment.id)),
          });
        }
        const result = { payment, refund };
        if (change.idempotency) {
          const { recordId, complete } = change.idempotency;
          await linkIdempotency(
            tx,
            recordId,
            refund?.id ?? payment.id,
            complete ? complete(result) : undefined,
          );
        }
        return result;
      });
    } catch (error) {
      if (error instanceof LostRace) return null;
      throw error;
    }
  }

  /** The merchant's three accounts in a currency, created on first use. */
  private async ensureAccounts(
    merchantId: MerchantId,
    mode: Mode,
    currency: CurrencyCode,
  ): Promise<Record<LedgerAccountCode, string>> {
    const codes = Object.keys(LEDGER_ACCOUNTS) as LedgerAccountCode[];
    const cacheKey = (code: string) => `${merchantId}:${mode}:${currency}:${code}`;
    const cached = codes.map((code) => this.accountIds.get(cacheKey(code)));
    if (cached.every((id) => id !== undefined)) {
      return Object.fromEntries(codes.map((code, i) => [code, cached[i]])) as Record<
        LedgerAccountCode,
        string
      >;
    }
    await this.db.ledgerAccount.createMany({
      data: codes.map((code) => ({
        id: newId("ledgerAccount"),
        merchantId,
        mode,
        code,
        type: LEDGER_ACCOUNTS[code],
        currency,
      })),
      skipDuplicates: true,
    });
    const rows = await this.db.ledgerAccount.findMany({
      where: { merchantId, mode, currency, code: { in: codes } },
      select: { id: true, code: true },
    });
    if (this.accountIds.size > ACCOUNT_CACHE_MAX) this.accountIds.clear();
    for (const row of rows) this.accountIds.set(cacheKey(row.code), row.id);
    return Object.fromEntries(rows.map((row) => [row.code, row.id])) as Record<LedgerAccountCode, string>;
  }
}

async function updatePaymentIfUnchanged(
  tx: Transaction,
  actor: MerchantActor,
  change: PaymentChange,
): Promise<PaymentRecord> {
  const updated = await tx.payment.updateManyAndReturn({
    where: {
      id: change.paymentId,
      merchantId: actor.merchantId,
      mode: actor.mode,
      version: change.expectedVersion,
      status: change.expectedStatus,
    },
    data: { ...change.patch, version: { increment: 1 } },
    select: paymentSelect,
  });
  const row = updated[0];
  if (row === undefined) throw new LostRace();
  return toPaymentRecord(row);
}

/**
 * Links an idempotency record to the object its request creates, in the transaction that creates it, and only
 * while the request still holds the record's lock: a request that lost its lock to a take-over (it stalled past
 * the lock) must not create a second object under the same key.
 */
async function claimIdempotencyRecord(
  tx: Transaction,
  recordId: IdempotencyRecordId,
  lockedUntil: Date | undefined,
  resourceId: string,
): Promise<void> {
  const { count } = await tx.idempotencyRecord.updateMany({
    where: { id: recordId, resourceId: null, status: "IN_PROGRESS", ...(lockedUntil ? { lockedUntil } : {}) },
    data: { resourceId },
  });
  if (count !== 1) {
    throw new DomainError(
      "IDEMPOTENCY_IN_PROGRESS",
      "Another request took over this idempotency key; retry to get its result.",
      { field: ["idempotencyKey"], retryable: true },
    );
  }
}

async function linkIdempotency(
  tx: Transaction,
  recordId: IdempotencyRecordId,
  resourceId: string,
  response: unknown,
): Promise<void> {
  await tx.idempotencyRecord.update({
    where: { id: recordId },
    data:
      response === undefined
        ? { resourceId }
        : { resourceId, status: "COMPLETED", response: response as Prisma.InputJsonValue },
    select: { id: true },
  });
}

function attemptData(
  attempt: NonNullable<NewPayment["attempt"]>,
  paymentId: PaymentId,
  merchantId: MerchantId,
) {
  return {
    id: attempt.id,
    paymentId,
    refundId: attempt.refundId,
    merchantId,
    operation: attempt.operation,
    pspName: attempt.pspName,
    idempotencyKey: attempt.idempotencyKey,
    amountMinor: attempt.amountMinor,
    currency: attempt.currency,
    ...(attempt.routing ? { routing: attempt.routing as Prisma.InputJsonValue } : {}),
  };
}

function eventData(event: PaymentEventDraft, paymentId: PaymentId, merchantId: MerchantId) {
  return {
    paymentId,
    merchantId,
    type: event.type,
    oldStatus: event.oldStatus,
    newStatus: event.newStatus,
    source: event.source,
    actor: event.actor,
    data: jsonSafe(event.data),
  };
}

function outboxData(message: OutboxDraft, merchantId: MerchantId, mode: Mode, aggregateId: string) {
  return { merchantId, mode, topic: message.topic, aggregateId, payload: jsonSafe(message.payload) };
}

/** Event and outbox payloads hold bigints; JSON holds them as digit strings. */
function jsonSafe(value: Record<string, unknown>): Prisma.InputJsonObject {
  return JSON.parse(
    JSON.stringify(value, (_key, inner) => (typeof inner === "bigint" ? inner.toString() : inner)),
  );
}
