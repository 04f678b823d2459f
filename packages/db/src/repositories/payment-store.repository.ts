// The Postgres implementation of the core's PaymentStore port. Each write is
// one transaction, on the hot path one statement; a payment is only ever
// updated conditionally on the version and status its caller read (the
// database trigger checks the transition too).
// The statements a payment runs on every request (payment-sql.ts) go through
// node-postgres; the rest (resolver, webhooks, review holds) through Prisma.

import { DomainError, invariant } from "@paycore/core/errors/domain-error";
import type { ListHit, RiskDecision } from "@paycore/core/fraud/risk-types";
import { DEFAULT_RISK_SETTINGS } from "@paycore/core/fraud/risk-types";
import { IdempotencyKeyTaken } from "@paycore/core/idempotency/idempotency-service";
import type { MerchantId, PaymentId, PaymentMethodId, PspAttemptId, RefundId } from "@paycore/core/ids/ids";
import { newId } from "@paycore/core/ids/ids";
import {
  assertBalanced,
  type JournalEntryDraft,
  LEDGER_ACCOUNTS,
  type LedgerAccountCode,
} from "@paycore/core/ledger/postings";
import type { CurrencyCode } from "@paycore/core/money/currency";
import { liveLimitExceeded } from "@paycore/core/onboarding/onboarding";
import type {
  MerchantActor,
  Mode,
  PaymentChangeResult,
  PaymentEventDraft,
  PaymentMethodRecord,
  PaymentRecord,
  PspAttemptDraft,
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
import type { CardContext, CardContextRequest } from "@paycore/core/ports/risk-data";
import { TtlCache } from "@paycore/core/ttl-cache";
import type { EncryptedPan } from "@paycore/core/vault/card-vault";
import { type FundingType, parseFundingType } from "@paycore/core/vault/funding-type";
import { formatGeoPoint, type PiiVault } from "@paycore/core/vault/pii-vault";
import type { DatabaseClient, Prisma } from "../client";
import type { Payment, PaymentMethod, Refund } from "../generated/prisma/client";
import type { StatementRunner } from "../group-commit";
import {
  type paymentMethodSelect,
  paymentSelect,
  type refundSelect,
  toPaymentMethodRecord,
  toPaymentRecord,
  toRefundRecord,
} from "../mappers/payment.mapper";
import { type Sql, sqlState } from "../sql";
import { LIVE_VOLUME_SQL } from "./onboarding-store.repository";
import {
  CHANGE_CHECKS,
  type ChangeCheck,
  type ChangeParameter,
  completeIdempotencyText,
  INSERT_LEDGER_ACCOUNTS,
  INSERT_PAYMENT,
  INSERT_PAYMENT_CLAIMING_KEY,
  INSERT_PAYMENT_METHOD,
  LINK_IDEMPOTENCY,
  PATCH_FIELDS,
  paymentChangeStatement,
  SELECT_LEDGER_ACCOUNTS,
  SELECT_MERCHANT_SETTINGS,
  SELECT_PAYMENT,
  SELECT_PAYMENT_METHOD_WITH_PAN,
  SELECT_PAYMENT_METHOD_WITH_PAN_AND_CARD_CONTEXT,
  SELECT_REFUND,
  TRANSACTION_TIME,
  TRANSACTION_TIME_JSON,
} from "./payment-sql";
import { goneAfterInterval, ownerGoneSql } from "./process-instance.repository";

/** Ledger accounts are created once per merchant, mode, code and currency and never change: cached in-process. */
const ACCOUNT_CACHE_MAX = 100_000;

export class PostgresPaymentStore implements PaymentStore {
  /** Responses written from a prediction the committed rows then contradicted (and rewritten): expected 0. */
  mispredictedResponses = 0;
  private readonly accountIds = new Map<string, string>();
  /** Fees and risk thresholds change rarely: a change takes effect within this cache's 30 s. */
  private readonly settingsCache = new TtlCache<string, MerchantSettings>(30_000, 10_000);

  /**
   * @param instanceId this process's id (see ProcessInstanceRepository), recorded as the owner of each attempt
   *   it inserts; null: attempts without owner, judged abandoned only by age (the resolver's staleness).
   * @param writes what runs the hot path's self-contained write statements (a payment's intent, a change with
   *   its predicted response): the group commit (../group-commit.ts) in the runtime, else one statement each.
   */
  constructor(
    private readonly db: DatabaseClient,
    private readonly sql: Sql,
    private readonly instanceId: string | null,
    /** Seals the customer's e-mail and IP on insert and opens them on read (issue 22). */
    private readonly pii: PiiVault,
    private readonly writes: StatementRunner = sql,
  ) {}

  async insertPaymentMethod(input: NewPaymentMethod): Promise<PaymentMethodRecord> {
    const { record, encryptedPan, idempotency } = input;
    const { method, response } = await this.sql.transaction(async (tx) => {
      const [row] = await tx.query<PaymentMethodRow>(INSERT_PAYMENT_METHOD, [
        record.id,
        idempotency.recordId,
        idempotency.lockedUntil ?? null,
        record.merchantId,
        record.mode,
        record.brand,
        record.last4,
        record.expMonth,
        record.expYear,
        record.fingerprint,
        record.bin,
        record.cardCountry,
        encryptedPan.ciphertext,
        encryptedPan.nonce,
        encryptedPan.authTag,
        encryptedPan.keyVersion,
        record.createdAt,
        record.fundingType ?? "unknown",
        idempotency.recordCreatedAt,
      ]);
      if (row === undefined) throw idempotencyTakenOver();
      const method = toPaymentMethodRecord(row);
      const response = idempotency.complete?.response(method);
      if (response !== undefined) {
        await tx.execute(LINK_IDEMPOTENCY, [
          idempotency.recordId,
          method.id,
          json(response),
          idempotency.recordCreatedAt,
        ]);
      }
      return { method, response };
    });
    if (response !== undefined) idempotency.complete?.committed(response);
    return method;
  }

  async paymentMethodFundingType(actor: MerchantActor, id: PaymentMethodId): Promise<FundingType | null> {
    const [row] = await this.sql.query<{ fundingType: string }>(
      `SELECT funding_type AS "fundingType" FROM payment_methods WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`,
      [id, actor.merchantId, actor.mode],
    );
    return row === undefined ? null : (parseFundingType(row.fundingType) ?? "unknown");
  }

  async findPaymentMethodWithPan(
    actor: MerchantActor,
    id: PaymentMethodId,
    cardContextFor?: CardContextRequest,
  ): Promise<{ method: PaymentMethodRecord; encryptedPan: EncryptedPan; cardContext?: CardContext } | null> {
    const [row] =
      cardContextFor === undefined
        ? await this.sql.query<PaymentMethodWithPanRow>(SELECT_PAYMENT_METHOD_WITH_PAN, [
            id,
            actor.merchantId,
            actor.mode,
          ])
        : await this.sql.query<PaymentMethodWithPanRow & { hits: ListHit[]; first_use: boolean }>(
            SELECT_PAYMENT_METHOD_WITH_PAN_AND_CARD_CONTEXT,
            [id, actor.merchantId, actor.mode, cardContextFor.email, cardContextFor.ipAddress],
          );
    if (row === undefined) return null;
    const { hits, first_use: firstUse } = row as Partial<{ hits: ListHit[]; first_use: boolean }>;
    return {
      method: toPaymentMethodRecord(row),
      encryptedPan: {
        ciphertext: row.panCiphertext,
        nonce: row.panNonce,
        authTag: row.panAuthTag,
        keyVersion: row.keyVersion,
      },
      ...(hits !== undefined && firstUse !== undefined
        ? { cardContext: { listHits: hits, firstUseAtMerchant: firstUse } }
        : {}),
    };
  }

  /** Drops this process's cached settings of one merchant: the next payment reads them again. */
  forgetMerchantSettings(merchantId: string): void {
    this.settingsCache.delete(merchantId);
  }

  async merchantSettings(actor: MerchantActor): Promise<MerchantSettings> {
    return this.settingsCache.getOrLoad(actor.merchantId, () => this.loadMerchantSettings(actor));
  }

  private async loadMerchantSettings(actor: MerchantActor): Promise<MerchantSettings> {
    // One statement on node-postgres (issue 23): through Prisma these were four queries, each costing the API
    // more CPU than a payment's own statements, once per merchant every 15 to 27 s (the cache's refresh).
    const [merchant] = await this.sql.query<MerchantSettingsRow>(SELECT_MERCHANT_SETTINGS, [
      actor.merchantId,
    ]);
    invariant(merchant !== undefined, `the merchant ${actor.merchantId} of an authenticated actor exists`);
    return {
      fee: {
        rateBps: merchant.feeRateBps,
        fixedMinor: merchant.feeFixedMinor,
        fixedByCurrency: Object.fromEntries(
          merchant.fixedFees.map((row) => [row.currency, BigInt(row.fixedMinor)]),
        ),
        ...(merchant.fundingFees.length > 0
          ? {
              byFundingType: Object.fromEntries(
                merchant.fundingFees.map((row) => [
                  row.fundingType,
                  {
                    rateBps: row.rateBps,
                    fixedHundredths: row.fixedHundredths === null ? null : BigInt(row.fixedHundredths),
                  },
                ]),
              ),
            }
          : {}),
      },
      settlement: {
        currencies: (merchant.settlementCurrencies ?? []) as CurrencyCode[],
        fxFeeBps: merchant.fxFeeBps ?? 0,
      },
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
    if (direct) return toPaymentRecord(direct, this.pii);
    const attempt = await this.db.pspAttempt.findFirst({
      where: { pspName, pspReference },
      select: { payment: { select: paymentSelect } },
    });
    return attempt ? toPaymentRecord(attempt.payment, this.pii) : null;
  }

  async attemptsOf(paymentId: PaymentId): Promise<StoredAttempt[]> {
    return this.sql.query<StoredAttempt>(
      `SELECT ${attemptColumns("$2")} FROM psp_attempts a WHERE a.payment_id = $1
        ORDER BY a.created_at DESC, a.id DESC LIMIT 100`,
      [paymentId, goneAfterInterval()],
    );
  }

  async attemptsToResolve(now: Date, staleBefore: Date, acknowledgedBefore: Date, limit: number) {
    // Three partial indexes serve the three kinds (unknown and due, pending and abandoned, acknowledged and
    // past their deadline); each branch reads at most `limit` rows.
    return this.sql.query<
      StoredAttempt & { paymentId: PaymentId; merchantId: MerchantId; mode: Mode; currency: CurrencyCode }
    >(
      `SELECT ${attemptColumns("$1")}, a.payment_id AS "paymentId", a.merchant_id AS "merchantId", a.currency,
              p.mode
         FROM psp_attempts a JOIN payments p ON p.id = a.payment_id
        WHERE a.id IN (
          (SELECT id FROM psp_attempts
            WHERE status = 'UNKNOWN' AND escalated_at IS NULL AND (next_resolve_at IS NULL OR next_resolve_at <= $2)
            ORDER BY created_at LIMIT $5)
          UNION ALL
          (SELECT a.id FROM psp_attempts a
            WHERE a.status = 'PENDING' AND a.escalated_at IS NULL
              AND (a.created_at < $3 OR ${ownerGoneSql("$1")})
            ORDER BY a.created_at LIMIT $5)
          UNION ALL
          (SELECT id FROM psp_attempts
            WHERE status = 'ACKNOWLEDGED' AND escalated_at IS NULL AND operation <> 'AUTHORIZE'
              AND (next_resolve_at <= $2 OR (next_resolve_at IS NULL AND updated_at < $4))
            ORDER BY updated_at LIMIT $5))
        ORDER BY a.created_at LIMIT $5`,
      [goneAfterInterval(), now, staleBefore, acknowledgedBefore, limit],
    );
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

  /** This process's attempts' owner id, for the rows it inserts. */
  private attemptRow(attempt: PspAttemptDraft) {
    return { ...attemptJson(attempt), owner_instance_id: this.instanceId };
  }

  async completeIdempotencyFor(
    resourceId: string,
    operations: readonly string[],
    response: unknown,
  ): Promise<void> {
    await this.db.idempotencyRecord.updateMany({
      where: { resourceId, status: "IN_PROGRESS", operation: { in: [...operations] } },
      data: { status: "COMPLETED", response: response as Prisma.InputJsonValue },
    });
  }

  async riskDecisionOf(paymentId: PaymentId): Promise<RiskDecision | null> {
    const row = await this.db.riskAssessment.findUnique({ where: { paymentId }, select: { decision: true } });
    return row?.decision ?? null;
  }

  unknownCompletions(staleBefore: Date, limit: number) {
    // Served by payments_action_expiry_idx (partial: REQUIRES_ACTION only, a few rows at any time).
    return this.sweepOf(
      { status: "REQUIRES_ACTION", pendingOperation: "AUTHORIZE", updatedAt: { lt: staleBefore } },
      { updatedAt: "asc" },
      limit,
    );
  }

  expiredActions(now: Date, limit: number) {
    // Served by payments_action_expiry_idx (partial: REQUIRES_ACTION only).
    return this.sweepOf(
      { status: "REQUIRES_ACTION", actionExpiresAt: { lt: now } },
      { actionExpiresAt: "asc" },
      limit,
    );
  }

  expiredReviewHolds(now: Date, limit: number) {
    return this.sweepOf(
      { status: "REQUIRES_REVIEW", reviewExpiresAt: { lt: now } },
      { reviewExpiresAt: "asc" },
      limit,
    );
  }

  /** The payments a sweep takes up, in its order, as the ids and scope it needs. */
  private async sweepOf(
    where: Prisma.PaymentWhereInput,
    orderBy: Prisma.PaymentOrderByWithRelationInput,
    limit: number,
  ) {
    const rows = await this.db.payment.findMany({
      where,
      orderBy,
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
    const { payment, attempt, risk, event, idempotency } = input;
    const claim = idempotency.insert;
    if (claim) {
      invariant(
        claim.merchantId === payment.merchantId && claim.mode === payment.mode,
        "an idempotency record is claimed in the payment's own merchant and mode",
      );
    }
    const statement = claim ? INSERT_PAYMENT_CLAIMING_KEY : INSERT_PAYMENT;
    const values = [
      payment.id,
      idempotency.recordId,
      idempotency.lockedUntil ?? null,
      payment.merchantId,
      payment.mode,
      payment.status,
      payment.amountMinor,
      payment.currency,
      payment.amountCapturableMinor,
      payment.amountCapturedMinor,
      payment.amountRefundedMinor,
      payment.amountRefundPendingMinor,
      payment.captureMethod,
      payment.paymentMethodId,
      payment.description,
      json(payment.metadata),
      payment.pspName,
      payment.pspReference,
      payment.failureCode,
      payment.failureMessage,
      payment.pendingOperation,
      payment.cardFingerprint,
      this.pii.seal("email", payment.merchantId, payment.customerEmail),
      this.pii.seal("ip", payment.merchantId, payment.ipAddress),
      payment.deviceId,
      payment.billingCountry,
      // The location is sealed (issue 22); the legacy clear columns are no longer written.
      this.pii.seal(
        "geo",
        payment.merchantId,
        payment.geoLatitude !== null && payment.geoLongitude !== null
          ? formatGeoPoint({ latitude: payment.geoLatitude, longitude: payment.geoLongitude })
          : null,
      ),
      payment.reviewExpiresAt,
      json(attempt ? [this.attemptRow(attempt)] : []),
      json(
        risk
          ? [
              {
                id: risk.id,
                score: risk.score,
                decision: risk.decision,
                signals: risk.signals,
                degraded: risk.degraded,
                velocity_source: risk.velocitySource,
              },
            ]
          : [],
      ),
      json([eventJson(event)]),
      json(input.outbox),
      ...(claim ? [claim.key, claim.operation, claim.requestHash, claim.expiresAt, claim.keyKind] : []),
      this.pii.seal("email", payment.merchantId, input.receiptEmail ?? null),
      payment.returnUrl,
      this.pii.blindIndex("email", payment.customerEmail),
      this.pii.blindIndex("email", input.receiptEmail ?? null),
      this.pii.blindIndex("ip", payment.ipAddress),
      // $38 (claimKey) or $43 (CLAIM_KEY_BY_INSERT): the record's partition key.
      idempotency.recordCreatedAt,
    ];
    const cap = input.liveVolumeCapMinor ?? null;
    const [row] =
      cap === null
        ? await this.writes.query<PaymentRow>(statement, values)
        : await this.sql.transaction(async (tx) => {
            // An unverified merchant's live limit (issue 22): one lock per merchant and currency, taken for the
            // transaction, so the sum read next already holds every payment inserted before it (READ COMMITTED
            // reads what committed before each statement) and no other insert can pass it meanwhile.
            await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
              `live-volume:${payment.merchantId}:${payment.currency}`,
            ]);
            const [volume] = await tx.query<{ total: string }>(LIVE_VOLUME_SQL, [
              payment.merchantId,
              payment.currency,
            ]);
            const soFar = BigInt(volume?.total ?? "0");
            if (soFar + payment.amountMinor > cap) throw liveLimitExceeded(payment.currency, cap, soFar);
            return tx.query<PaymentRow>(statement, values);
          });
    // The statement writes nothing unless it could claim or link the key: another request holds it.
    if (row === undefined) throw claim ? new IdempotencyKeyTaken() : idempotencyTakenOver();
    return toPaymentRecord(row, this.pii);
  }

  async findPayment(actor: MerchantActor, id: PaymentId): Promise<PaymentRecord | null> {
    const [row] = await this.sql.query<PaymentRow>(SELECT_PAYMENT, [id, actor.merchantId, actor.mode]);
    return row === undefined ? null : toPaymentRecord(row, this.pii);
  }

  async findRefund(actor: MerchantActor, id: RefundId): Promise<RefundRecord | null> {
    const [row] = await this.sql.query<RefundRow>(SELECT_REFUND, [id, actor.merchantId, actor.mode]);
    return row === undefined ? null : toRefundRecord(row);
  }

  async applyPaymentChange(actor: MerchantActor, change: PaymentChange): Promise<PaymentChangeResult | null> {
    const journal = change.journal
      ? await this.journalRows(actor, change.journal.draft, change.journal.refundId)
      : null;
    // Multiple currencies (issue 18): a conversion's settlement-currency leg joins the journal rows, and its record
    // links the two entries.
    const fxConversion =
      journal && change.fxConversion ? await this.fxConversionRows(actor, change, journal) : null;
    const link = change.idempotency;
    // The response to store is written by the change's own statement when the result can be predicted from the
    // payment as read; otherwise it follows in the same transaction, sent with its COMMIT.
    const predicted = link?.complete ? predictResult(change) : null;
    const predictedResponse = predicted && link?.complete ? json(link.complete.response(predicted)) : null;
    const statement = paymentChangeStatement({
      patch: PATCH_FIELDS.filter((field) => field in change.patch),
      link: link !== undefined,
      claim: link?.lockedUntil !== undefined,
      refundInsert: change.refundInsert !== undefined,
      attemptInsert: change.attemptInsert !== undefined,
      attemptSettlement: change.attemptSettlement !== undefined,
      refundSettlement: change.refundSettlement !== undefined,
      events: change.events.length > 0,
      journal: journal !== null,
      outbox: change.outbox.length > 0,
      returnRefund: change.returnRefund !== undefined,
      operatorAudit: change.operatorAudit !== undefined,
      fxConversion: fxConversion !== null,
    });
    const values = statement.parameters.map((name) =>
      name === "fxConversions"
        ? json(fxConversion ? [fxConversion] : [])
        : changeValue(name, actor, change, journal, predictedResponse, this.instanceId),
    );
    try {
      if (link?.complete && predictedResponse === null) {
        const { complete, recordId, recordCreatedAt } = link;
        const { result, response } = await this.sql.transaction(async (tx) => {
          const [row] = await tx.query<ChangeRow>(statement.text, values);
          const result = changeResult(row, this.pii);
          const response = complete.response(result);
          await tx.executeAndCommit(completeIdempotencyText(recordId, recordCreatedAt, json(response)));
          return { result, response };
        });
        complete.committed(response);
        return result;
      }
      const [row] = await this.writes.query<ChangeRow>(statement.text, values);
      const result = changeResult(row, this.pii);
      if (link?.complete && predictedResponse !== null) {
        const response = link.complete.response(result);
        const stored = json(response);
        const time = JSON.stringify(result.payment.updatedAt.toISOString());
        if (stored !== predictedResponse.replaceAll(TRANSACTION_TIME_JSON, time)) {
          // The committed rows differ from the prediction (never expected; counted): store their response.
          this.mispredictedResponses++;
          await this.sql.execute(LINK_IDEMPOTENCY, [
            link.recordId,
            resourceOf(change),
            stored,
            link.recordCreatedAt,
          ]);
        }
        link.complete.committed(response);
      }
      return result;
    } catch (error) {
      const failed = failedCheck(error);
      if (failed === "payment change") return null;
      if (failed === "idempotency claim") throw idempotencyTakenOver();
      const payment = change.decidedOn.id;
      if (failed === "attempt settlement") {
        throw new Error(`attempt ${change.attemptSettlement?.id} of payment ${payment} not found`, {
          cause: error,
        });
      }
      if (failed === "refund") {
        throw new Error(`no such (pending) refund ${resourceOf(change)} on payment ${payment}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** A journal entry's rows for the change statement; it must balance before it is written. */
  private async journalRows(
    actor: MerchantActor,
    draft: JournalEntryDraft,
    refundId: RefundId | null,
  ): Promise<JournalRows> {
    assertBalanced(draft);
    const accounts = await this.ensureAccounts(actor.merchantId, actor.mode, draft.currency);
    const id = newId("journalEntry");
    return {
      entries: [{ id, kind: draft.kind, refund_id: refundId, currency: draft.currency }],
      lines: draft.lines.map((line) => ({
        entry_id: id,
        account_id: accounts[line.account],
        direction: line.direction,
        amount_minor: line.amountMinor,
      })),
    };
  }

  /**
   * Multiple currencies (issue 18): adds the conversion's settlement-currency leg to `journal` (whose first entry
   * is the payment-currency leg) and returns the fx_conversions row naming both.
   */
  private async fxConversionRows(actor: MerchantActor, change: PaymentChange, journal: JournalRows) {
    const fx = change.fxConversion;
    invariant(fx !== undefined && journal.entries.length === 1, "a conversion has one payment-currency leg");
    const source = journal.entries[0] as JournalRows["entries"][number];
    const { draft } = fx;
    invariant(source.currency === draft.sourceCurrency, "the first leg is in the payment's currency");
    let settlementEntryId: string | null = null;
    if (draft.settlementEntry !== null) {
      invariant(draft.settlementEntry.currency === draft.settlementCurrency, "the second leg is in S");
      const leg = await this.journalRows(actor, draft.settlementEntry, fx.refundId);
      journal.entries.push(...leg.entries);
      journal.lines.push(...leg.lines);
      settlementEntryId = (leg.entries[0] as JournalRows["entries"][number]).id;
    }
    return {
      id: newId("fxConversion"),
      refund_id: fx.refundId,
      kind: draft.kind,
      source_currency: draft.sourceCurrency,
      source_amount_minor: draft.sourceMinor,
      settlement_currency: draft.settlementCurrency,
      settlement_amount_minor: draft.settlementMinor,
      original_settlement_minor: draft.originalSettlementMinor,
      fee_minor: draft.feeMinor,
      fx_fee_minor: draft.fxFeeMinor,
      gain_loss_minor: draft.gainLossMinor,
      rate_numerator: draft.rate.numerator.toString(),
      rate_denominator: draft.rate.denominator.toString(),
      rate_source: draft.rate.source,
      rate_as_of: draft.rate.asOf.toISOString(),
      rate_path: draft.rate.path,
      source_entry_id: source.id,
      settlement_entry_id: settlementEntryId,
    };
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
    await this.sql.execute(INSERT_LEDGER_ACCOUNTS, [
      merchantId,
      mode,
      currency,
      json(codes.map((code) => ({ id: newId("ledgerAccount"), code, type: LEDGER_ACCOUNTS[code] }))),
    ]);
    const rows = await this.sql.query<{ id: string; code: string }>(SELECT_LEDGER_ACCOUNTS, [
      merchantId,
      mode,
      currency,
      codes,
    ]);
    if (this.accountIds.size > ACCOUNT_CACHE_MAX) this.accountIds.clear();
    for (const row of rows) this.accountIds.set(cacheKey(row.code), row.id);
    return Object.fromEntries(rows.map((row) => [row.code, row.id])) as Record<LedgerAccountCode, string>;
  }
}

/**
 * A request that stalled past its idempotency lock lost the key to a take-over: it must not create a second
 * object under the same key. The write statements link the key in the transaction that creates the object, and
 * only while the request still holds the lock.
 */
function idempotencyTakenOver(): DomainError {
  return new DomainError(
    "IDEMPOTENCY_IN_PROGRESS",
    "Another request took over this idempotency key; retry to get its result.",
    { field: ["idempotencyKey"], retryable: true },
  );
}

type PaymentRow = Pick<Payment, keyof typeof paymentSelect>;
type PaymentMethodRow = Pick<PaymentMethod, keyof typeof paymentMethodSelect>;
type RefundRow = Pick<Refund, keyof typeof refundSelect>;
/** SELECT_MERCHANT_SETTINGS's row: bigints inside JSON come as digit strings. */
interface MerchantSettingsRow {
  feeRateBps: number;
  feeFixedMinor: bigint;
  riskReviewThreshold: number;
  riskDeclineThreshold: number;
  fixedFees: Array<{ currency: string; fixedMinor: string }>;
  fundingFees: Array<{ fundingType: string; rateBps: number; fixedHundredths: string | null }>;
  /** Null without a merchant_settlement row. */
  settlementCurrencies: string[] | null;
  fxFeeBps: number | null;
}

type PaymentMethodWithPanRow = PaymentMethodRow & {
  panCiphertext: Buffer;
  panNonce: Buffer;
  panAuthTag: Buffer;
  keyVersion: number;
};
/** The change statement's refund columns, prefixed so that they do not collide with the payment's. */
type PrefixedRefundRow = { [K in keyof RefundRow as `refund${Capitalize<K & string>}`]: RefundRow[K] };

function refundOf(row: PrefixedRefundRow): RefundRow {
  return {
    id: row.refundId,
    paymentId: row.refundPaymentId,
    merchantId: row.refundMerchantId,
    mode: row.refundMode,
    amountMinor: row.refundAmountMinor,
    currency: row.refundCurrency,
    status: row.refundStatus,
    reason: row.refundReason,
    pspReference: row.refundPspReference,
    failureCode: row.refundFailureCode,
    createdAt: row.refundCreatedAt,
    updatedAt: row.refundUpdatedAt,
  };
}

/** A change statement's row: the payment as changed, the refund it returns if any (else nulls). */
type ChangeRow = PaymentRow & PrefixedRefundRow;

function changeResult(row: ChangeRow | undefined, pii: PiiVault): PaymentChangeResult {
  invariant(row !== undefined, "the change statement returns one row");
  return {
    payment: toPaymentRecord(row, pii),
    refund: row.refundId === null || row.refundId === undefined ? null : toRefundRecord(refundOf(row)),
  };
}

/** Which of the change statement's checks raised, if that is what failed. */
function failedCheck(error: unknown): ChangeCheck | undefined {
  if (sqlState(error) !== "P0002") return undefined;
  const message = (error as Error).message;
  return CHANGE_CHECKS.find((check) => message.startsWith(`${check} changed`));
}

/**
 * The result a change will have, when it can be told from the rows as read: the patch applied, the version
 * advanced, updated at the transaction's time (TRANSACTION_TIME); a refund settled from PENDING takes the
 * settlement's status, reference and failure code. Null when the result holds a refund whose row as read the
 * change does not carry (one read back, inserted, or settled by a caller that did not read it).
 */
function predictResult(change: PaymentChange): PaymentChangeResult | null {
  const { decidedOn, refundSettlement } = change;
  if (change.refundInsert || change.returnRefund) return null;
  if (refundSettlement && !refundSettlement.asRead) return null;
  const refund = refundSettlement?.asRead;
  return {
    payment: { ...decidedOn, ...change.patch, version: decidedOn.version + 1, updatedAt: TRANSACTION_TIME },
    refund:
      refundSettlement && refund
        ? {
            ...refund,
            status: refundSettlement.status,
            pspReference: refundSettlement.pspReference,
            failureCode: refundSettlement.failureCode,
            updatedAt: TRANSACTION_TIME,
          }
        : null,
  };
}

/** What a change links its idempotency record to: the refund it makes or settles, else the payment. */
function resourceOf(change: PaymentChange): string {
  return change.refundSettlement?.id ?? change.refundInsert?.id ?? change.returnRefund ?? change.decidedOn.id;
}

/** An attempt's columns as StoredAttempt names them; `goneAfter` is the parameter holding goneAfterInterval(). */
function attemptColumns(goneAfter: string): string {
  return `a.id, a.operation, a.psp_name AS "pspName", a.idempotency_key AS "idempotencyKey",
          a.amount_minor AS "amountMinor", a.status, a.psp_reference AS "pspReference", a.refund_id AS "refundId",
          a.resolve_count AS "resolveCount", a.created_at AS "createdAt", ${ownerGoneSql(goneAfter)} AS "ownerGone"`;
}

function attemptJson(attempt: PspAttemptDraft) {
  return {
    id: attempt.id,
    refund_id: attempt.refundId,
    operation: attempt.operation,
    psp_name: attempt.pspName,
    idempotency_key: attempt.idempotencyKey,
    amount_minor: attempt.amountMinor,
    currency: attempt.currency,
    routing: attempt.routing ?? null,
  };
}

function eventJson(event: PaymentEventDraft) {
  return {
    type: event.type,
    old_status: event.oldStatus,
    new_status: event.newStatus,
    source: event.source,
    actor: event.actor,
    data: event.data,
  };
}

/** The value of one of a change statement's parameters (see paymentChangeStatement). */
function changeValue(
  name: ChangeParameter,
  actor: MerchantActor,
  change: PaymentChange,
  journal: JournalRows | null,
  response: string | null,
  instanceId: string | null,
): unknown {
  switch (name) {
    case "paymentId":
      return change.decidedOn.id;
    case "merchantId":
      return actor.merchantId;
    case "mode":
      return actor.mode;
    case "expectedVersion":
      return change.decidedOn.version;
    case "expectedStatus":
      return change.decidedOn.status;
    case "patch":
      return json(change.patch);
    case "linkRecord":
      return change.idempotency?.recordId ?? null;
    case "linkCreatedAt":
      return change.idempotency?.recordCreatedAt ?? null;
    case "linkResource":
      return resourceOf(change);
    case "claimLockedUntil":
      return change.idempotency?.lockedUntil ?? null;
    case "response":
      return response;
    case "refunds":
      return jsonRows(change.refundInsert, (refund) => ({
        id: refund.id,
        amount_minor: refund.amountMinor,
        currency: refund.currency,
        reason: refund.reason,
      }));
    case "attempts":
      return jsonRows(change.attemptInsert, (attempt) => ({
        ...attemptJson(attempt),
        owner_instance_id: instanceId,
      }));
    case "attemptSettlements":
      return jsonRows(change.attemptSettlement, (settlement) => ({
        id: settlement.id,
        status: settlement.status,
        psp_reference: settlement.pspReference,
        error_code: settlement.errorCode,
        error_message: settlement.errorMessage,
      }));
    case "refundSettlements":
      return jsonRows(change.refundSettlement, (settlement) => ({
        id: settlement.id,
        status: settlement.status,
        psp_reference: settlement.pspReference,
        failure_code: settlement.failureCode,
      }));
    case "events":
      return json(change.events.map(eventJson));
    case "journal":
      return json(journal ? journal.entries : []);
    case "lines":
      return json(journal ? journal.lines : []);
    case "outbox":
      return json(change.outbox);
    case "returnRefund":
      return change.returnRefund ?? null;
    case "operatorAudit": {
      const audit = change.operatorAudit;
      return audit === undefined
        ? null
        : json({
            operator_id: audit.actor.operatorId,
            action: audit.action,
            before: audit.before,
            after: { ...audit.after, actor: audit.actor.name },
          });
    }
    case "fxConversions":
      // Given by applyPaymentChange, which builds the row with the journal's entry ids.
      return json([]);
  }
}

/** The journal entries of one change (one, or a conversion's two legs) and their lines, tagged by entry. */
interface JournalRows {
  entries: Array<{ id: string; kind: string; refund_id: RefundId | null; currency: CurrencyCode }>;
  lines: Array<{ entry_id: string; account_id: string; direction: string; amount_minor: bigint }>;
}

/** An optional row as the jsonb array a statement reads it from: empty, or the one row. */
function jsonRows<T>(value: T | undefined, row: (value: T) => object): string {
  return json(value === undefined ? [] : [row(value)]);
}

/** A jsonb parameter. Amounts are bigints; JSON holds them as digit strings, which Postgres reads back exactly. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, inner) => (typeof inner === "bigint" ? inner.toString() : inner));
}
