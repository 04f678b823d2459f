// Read paths of the merchant API: lists, timelines, ledger entries and
// balances. Every query is scoped by merchant and mode.

import type { RiskSignal } from "@paycore/core/fraud/risk-types";
import type { PaymentId, PaymentMethodId, RefundId } from "@paycore/core/ids/ids";
import {
  balanceFromTotals,
  type EntryDirection,
  type LedgerAccountCode,
} from "@paycore/core/ledger/postings";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type {
  EventSource,
  MerchantActor,
  PaymentMethodRecord,
  PaymentRecord,
  RefundRecord,
} from "@paycore/core/payments/payment-record";
import type { PaymentStatus } from "@paycore/core/payments/payment-state-machine";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { DatabaseClient, Prisma } from "../client";
import type { Payment, PaymentMethod, Refund } from "../generated/prisma/client";
import {
  paymentMethodSelect,
  paymentSelect,
  refundSelect,
  toPaymentMethodRecord,
  toPaymentRecord,
  toRefundRecord,
} from "../mappers/payment.mapper";
import type { Sql } from "../sql";
import {
  PAYMENT_COLUMNS_OF_P,
  PAYMENT_METHOD_COLUMNS,
  PAYMENT_METHOD_COLUMNS_OF_PM,
  REFUND_COLUMNS,
} from "./payment-sql";

type PaymentMethodRow = Pick<PaymentMethod, keyof typeof paymentMethodSelect>;
type PaymentRow = Pick<Payment, keyof typeof paymentSelect>;

/**
 * A payment by id with its card in one round trip (the API's `payment(id)`, whose clients mostly ask for the card's
 * brand and last four): the card is a primary-key probe for Postgres, a round trip saved for the API.
 */
const PAYMENT_WITH_METHOD = `
SELECT ${PAYMENT_COLUMNS_OF_P}, ${PAYMENT_METHOD_COLUMNS_OF_PM}
  FROM payments p
  LEFT JOIN payment_methods pm ON pm.id = p.payment_method_id AND pm.merchant_id = p.merchant_id AND pm.mode = p.mode
 WHERE p.id = $1 AND p.merchant_id = $2 AND p.mode = $3::"Mode"`;

/** `method…` columns of a joined row back to a card row (null when the payment has no card). */
function methodOf(row: Record<string, unknown>): PaymentMethodRow | null {
  if (row.methodId === null || row.methodId === undefined) return null;
  const method: Record<string, unknown> = {};
  for (const field of Object.keys(paymentMethodSelect)) {
    method[field] = row[`method${field[0]?.toUpperCase()}${field.slice(1)}`];
  }
  return method as PaymentMethodRow;
}
type RefundRow = Pick<Refund, keyof typeof refundSelect>;

export const PAGE_SIZE_MAX = 100;

/** A PSP attempt's columns as the API shows them (`PspAttemptView`). */
const ATTEMPT_VIEW_SELECT = {
  id: true,
  operation: true,
  pspName: true,
  status: true,
  amountMinor: true,
  pspReference: true,
  errorCode: true,
  refundId: true,
  routing: true,
  escalatedAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** The same with the attempt's payment, for the batched reads that group attempts by payment. */
export const ATTEMPT_SELECT = { ...ATTEMPT_VIEW_SELECT, paymentId: true } as const;

export interface PaymentFilter {
  statuses?: PaymentStatus[] | null;
  createdFrom?: Date | null;
  createdBefore?: Date | null;
}

/** Keyset pagination on (createdAt desc, id desc): stable under inserts, no OFFSET scans. */
export interface PaymentCursor {
  createdAt: Date;
  id: string;
}

export interface PaymentEventRecord {
  id: bigint;
  type: string;
  oldStatus: PaymentStatus | null;
  newStatus: PaymentStatus | null;
  source: EventSource;
  actor: string | null;
  data: unknown;
  createdAt: Date;
}

export interface JournalEntryRecord {
  id: string;
  kind: string;
  currency: CurrencyCode;
  refundId: string | null;
  createdAt: Date;
  lines: Array<{ account: LedgerAccountCode; direction: EntryDirection; amountMinor: bigint }>;
}

export interface RiskAssessmentView {
  paymentId: PaymentId;
  score: number;
  decision: "APPROVE" | "REVIEW" | "DECLINE";
  degraded: boolean;
  signals: RiskSignal[];
}

export interface PspAttemptView {
  id: string;
  operation: "AUTHORIZE" | "CAPTURE" | "VOID" | "REFUND";
  pspName: string;
  status: "PENDING" | "ACKNOWLEDGED" | "SUCCEEDED" | "FAILED" | "UNKNOWN";
  amountMinor: bigint;
  pspReference: string | null;
  errorCode: string | null;
  refundId: string | null;
  routing: unknown;
  escalatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BalanceRecord {
  currency: CurrencyCode;
  /** merchant_balance: what may be paid out now. */
  availableMinor: bigint;
  /** merchant_pending: captured, waiting for the PSP's settlement delay. */
  pendingMinor: bigint;
  /** merchant_reserved: held back under a reserve. */
  reservedMinor: bigint;
  feesMinor: bigint;
}

/** A journal entry with its lines, as both the single and the batched read select it. */
export const JOURNAL_ENTRY_SELECT = {
  id: true,
  paymentId: true,
  kind: true,
  currency: true,
  refundId: true,
  createdAt: true,
  lines: {
    orderBy: { id: "asc" },
    select: { direction: true, amountMinor: true, account: { select: { code: true } } },
  },
} as const;

export function toJournalEntry(
  entry: Omit<Prisma.JournalEntryGetPayload<{ select: typeof JOURNAL_ENTRY_SELECT }>, "paymentId">,
): JournalEntryRecord {
  return {
    id: entry.id,
    kind: entry.kind,
    currency: entry.currency as CurrencyCode,
    refundId: entry.refundId,
    createdAt: entry.createdAt,
    lines: entry.lines.map((line) => ({
      account: line.account.code as LedgerAccountCode,
      direction: line.direction,
      amountMinor: line.amountMinor,
    })),
  };
}

export class PaymentQueryRepository {
  constructor(
    private readonly db: DatabaseClient,
    /** The merchant API's hot nested reads (cards, refunds of a page) go through node-postgres, not Prisma. */
    private readonly sql: Sql,
    private readonly pii: PiiVault,
  ) {}

  async listPayments(
    actor: MerchantActor,
    filter: PaymentFilter,
    page: { first: number; after: PaymentCursor | null },
  ): Promise<{ payments: PaymentRecord[]; hasNextPage: boolean }> {
    const take = Math.min(Math.max(page.first, 1), PAGE_SIZE_MAX);
    const where: Prisma.PaymentWhereInput = {
      merchantId: actor.merchantId,
      mode: actor.mode,
      ...(filter.statuses && filter.statuses.length > 0 ? { status: { in: filter.statuses } } : {}),
      createdAt: {
        ...(filter.createdFrom ? { gte: filter.createdFrom } : {}),
        ...(filter.createdBefore ? { lt: filter.createdBefore } : {}),
      },
      ...(page.after
        ? {
            OR: [
              { createdAt: { lt: page.after.createdAt } },
              { createdAt: page.after.createdAt, id: { lt: page.after.id } },
            ],
          }
        : {}),
    };
    const rows = await this.db.payment.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: take + 1,
      select: paymentSelect,
    });
    return {
      payments: rows.slice(0, take).map((row) => toPaymentRecord(row, this.pii)),
      hasNextPage: rows.length > take,
    };
  }

  async paymentsByIds(actor: MerchantActor, ids: readonly PaymentId[]): Promise<PaymentRecord[]> {
    const rows = await this.db.payment.findMany({
      where: { id: { in: [...ids] }, merchantId: actor.merchantId, mode: actor.mode },
      select: paymentSelect,
    });
    return rows.map((row) => toPaymentRecord(row, this.pii));
  }

  async refundsByPaymentIds(actor: MerchantActor, paymentIds: readonly PaymentId[]): Promise<RefundRecord[]> {
    if (paymentIds.length === 0) return [];
    const rows = await this.sql.query<RefundRow>(
      `SELECT ${REFUND_COLUMNS} FROM refunds
        WHERE payment_id = ANY($1::text[]) AND merchant_id = $2 AND mode = $3::"Mode"
        ORDER BY created_at, id`,
      [[...paymentIds], actor.merchantId, actor.mode],
    );
    return rows.map(toRefundRecord);
  }

  async riskByPaymentIds(
    actor: MerchantActor,
    paymentIds: readonly PaymentId[],
  ): Promise<RiskAssessmentView[]> {
    const rows = await this.db.riskAssessment.findMany({
      where: {
        paymentId: { in: [...paymentIds] },
        merchantId: actor.merchantId,
        payment: { mode: actor.mode },
      },
      select: { paymentId: true, score: true, decision: true, degraded: true, signals: true },
    });
    return rows.map((row) => ({
      paymentId: row.paymentId as PaymentId,
      score: row.score,
      decision: row.decision,
      degraded: row.degraded,
      signals: row.signals as unknown as RiskSignal[],
    }));
  }

  /** A payment's PSP attempts, oldest first (bounded). */
  async attemptsOf(actor: MerchantActor, paymentId: PaymentId, limit = 100): Promise<PspAttemptView[]> {
    return this.db.pspAttempt.findMany({
      where: { paymentId, merchantId: actor.merchantId, payment: { mode: actor.mode } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: limit,
      select: ATTEMPT_VIEW_SELECT,
    });
  }

  async findRefund(actor: MerchantActor, id: RefundId): Promise<RefundRecord | null> {
    const row = await this.db.refund.findFirst({
      where: { id, merchantId: actor.merchantId, mode: actor.mode },
      select: refundSelect,
    });
    return row === null ? null : toRefundRecord(row);
  }

  /** The payment and its card (null for a bank transfer), or null when the caller has no such payment. */
  async paymentWithMethodById(
    actor: MerchantActor,
    id: PaymentId,
  ): Promise<{ payment: PaymentRecord; method: PaymentMethodRecord | null } | null> {
    const [row] = await this.sql.query<PaymentRow & Record<string, unknown>>(PAYMENT_WITH_METHOD, [
      id,
      actor.merchantId,
      actor.mode,
    ]);
    if (row === undefined) return null;
    const method = methodOf(row);
    return { payment: toPaymentRecord(row, this.pii), method: method && toPaymentMethodRecord(method) };
  }

  async paymentMethodsByIds(
    actor: MerchantActor,
    ids: readonly PaymentMethodId[],
  ): Promise<PaymentMethodRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.query<PaymentMethodRow>(
      `SELECT ${PAYMENT_METHOD_COLUMNS} FROM payment_methods
        WHERE id = ANY($1::text[]) AND merchant_id = $2 AND mode = $3::"Mode"`,
      [[...ids], actor.merchantId, actor.mode],
    );
    return rows.map(toPaymentMethodRecord);
  }

  async eventsOf(actor: MerchantActor, paymentId: PaymentId, limit = 500): Promise<PaymentEventRecord[]> {
    return this.db.paymentEvent.findMany({
      where: { paymentId, merchantId: actor.merchantId, payment: { mode: actor.mode } },
      orderBy: { id: "asc" },
      take: limit,
      select: {
        id: true,
        type: true,
        oldStatus: true,
        newStatus: true,
        source: true,
        actor: true,
        data: true,
        createdAt: true,
      },
    });
  }

  async journalEntriesOf(
    actor: MerchantActor,
    paymentId: PaymentId,
    limit = 500,
  ): Promise<JournalEntryRecord[]> {
    const entries = await this.db.journalEntry.findMany({
      where: { paymentId, merchantId: actor.merchantId, mode: actor.mode },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: limit,
      select: JOURNAL_ENTRY_SELECT,
    });
    return entries.map(({ paymentId: _paymentId, ...entry }) => toJournalEntry(entry));
  }

  /**
   * The PSP attempts of a batch of payments, oldest first, at most `perPaymentMax` each: one query to pick the
   * ids within the bound, one to read them, however many payments the batch holds.
   */
  async attemptsByPaymentIds(
    actor: MerchantActor,
    paymentIds: readonly PaymentId[],
    perPaymentMax = 100,
  ): Promise<Array<PspAttemptView & { paymentId: PaymentId }>> {
    if (paymentIds.length === 0) return [];
    const picked = await this.db.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM (
        SELECT a.id, row_number() OVER (PARTITION BY a.payment_id ORDER BY a.created_at, a.id) AS n
          FROM psp_attempts a JOIN payments p ON p.id = a.payment_id
         WHERE a.payment_id = ANY(${[...paymentIds]}::text[]) AND a.merchant_id = ${actor.merchantId}
           AND p.mode = ${actor.mode}::"Mode"
      ) ranked WHERE n <= ${perPaymentMax}`;
    const rows = await this.db.pspAttempt.findMany({
      where: { id: { in: picked.map((row) => row.id) } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: ATTEMPT_SELECT,
    });
    return rows.map((row) => ({ ...row, paymentId: row.paymentId as PaymentId }));
  }

  /**
   * The audit trails of a batch of payments, oldest first, at most `perPaymentMax` events each, each with its
   * ordinal within its payment (1, 2, …): the event's own id is a platform-wide sequence number.
   */
  async eventsByPaymentIds(
    actor: MerchantActor,
    paymentIds: readonly PaymentId[],
    perPaymentMax = 500,
  ): Promise<Array<PaymentEventRecord & { paymentId: PaymentId; ordinal: number }>> {
    if (paymentIds.length === 0) return [];
    const picked = await this.db.$queryRaw<Array<{ id: bigint; n: bigint }>>`
      SELECT id, n FROM (
        SELECT e.id, row_number() OVER (PARTITION BY e.payment_id ORDER BY e.id) AS n
          FROM payment_events e JOIN payments p ON p.id = e.payment_id
         WHERE e.payment_id = ANY(${[...paymentIds]}::text[]) AND e.merchant_id = ${actor.merchantId}
           AND p.mode = ${actor.mode}::"Mode"
      ) ranked WHERE n <= ${perPaymentMax}`;
    const ordinals = new Map(picked.map((row) => [BigInt(row.id), Number(row.n)]));
    const rows = await this.db.paymentEvent.findMany({
      where: { id: { in: [...ordinals.keys()] } },
      orderBy: { id: "asc" },
      select: {
        id: true,
        paymentId: true,
        type: true,
        oldStatus: true,
        newStatus: true,
        source: true,
        actor: true,
        data: true,
        createdAt: true,
      },
    });
    return rows.map((row) => ({
      ...row,
      paymentId: row.paymentId as PaymentId,
      ordinal: ordinals.get(row.id) ?? 0,
    }));
  }

  /** The journal entries of a batch of payments with their lines, oldest first, at most `perPaymentMax` each. */
  async journalEntriesByPaymentIds(
    actor: MerchantActor,
    paymentIds: readonly PaymentId[],
    perPaymentMax = 500,
  ): Promise<Array<JournalEntryRecord & { paymentId: PaymentId }>> {
    if (paymentIds.length === 0) return [];
    const picked = await this.db.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM (
        SELECT j.id, row_number() OVER (PARTITION BY j.payment_id ORDER BY j.created_at, j.id) AS n
          FROM journal_entries j
         WHERE j.payment_id = ANY(${[...paymentIds]}::text[]) AND j.merchant_id = ${actor.merchantId}
           AND j.mode = ${actor.mode}::"Mode"
      ) ranked WHERE n <= ${perPaymentMax}`;
    const entries = await this.db.journalEntry.findMany({
      where: { id: { in: picked.map((row) => row.id) } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: JOURNAL_ENTRY_SELECT,
    });
    return entries.map((entry) => ({ ...toJournalEntry(entry), paymentId: entry.paymentId as PaymentId }));
  }

  /**
   * The merchant balance per currency, derived from the ledger lines (never stored separately). Sums are numeric
   * and come back as text: lines are int64 each, but their sum over a merchant's history need not be.
   */
  async balances(actor: MerchantActor): Promise<BalanceRecord[]> {
    const rows = await this.db.$queryRaw<
      Array<{ currency: string; code: string; debits: string; credits: string }>
    >`
      SELECT a.currency, a.code,
             COALESCE(SUM(l.amount_minor) FILTER (WHERE l.direction = 'DEBIT'), 0)::text AS debits,
             COALESCE(SUM(l.amount_minor) FILTER (WHERE l.direction = 'CREDIT'), 0)::text AS credits
        FROM ledger_accounts a
        LEFT JOIN ledger_lines l ON l.account_id = a.id
       WHERE a.merchant_id = ${actor.merchantId} AND a.mode = ${actor.mode}::"Mode"
         AND a.code IN ('merchant_balance', 'merchant_pending', 'merchant_reserved', 'fee_revenue')
       GROUP BY a.currency, a.code
       ORDER BY a.currency`;
    const byCurrency = new Map<string, BalanceRecord>();
    for (const row of rows) {
      const currency = row.currency as CurrencyCode;
      const balance = byCurrency.get(currency) ?? {
        currency,
        availableMinor: 0n,
        pendingMinor: 0n,
        reservedMinor: 0n,
        feesMinor: 0n,
      };
      const amount = balanceFromTotals(row.code as LedgerAccountCode, {
        debitsMinor: BigInt(row.debits),
        creditsMinor: BigInt(row.credits),
      });
      if (row.code === "merchant_balance") balance.availableMinor = amount;
      else if (row.code === "merchant_pending") balance.pendingMinor = amount;
      else if (row.code === "merchant_reserved") balance.reservedMinor = amount;
      else balance.feesMinor = amount;
      byCurrency.set(currency, balance);
    }
    return [...byCurrency.values()];
  }
}
