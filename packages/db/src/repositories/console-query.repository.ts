// Read paths of the operator console: payments across every merchant, with
// filters and a search box, the fraud review queue, and the webhooks that
// mention a payment. Per-payment detail reuses PaymentQueryRepository once the
// payment's merchant and mode are known.

import type { RiskSignal } from "@paycore/core/fraud/risk-types";
import type { MerchantId, PaymentId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { PaymentStatus } from "@paycore/core/payments/payment-state-machine";
import type { DatabaseClient, Prisma } from "../client";

export const CONSOLE_PAGE_SIZE_MAX = 100;
export const REVIEW_QUEUE_MAX = 100;
export const WEBHOOKS_PER_PAYMENT_MAX = 50;
export const MERCHANT_LIST_MAX = 500;

export interface ConsolePaymentFilter {
  statuses: PaymentStatus[];
  merchantId: string | null;
  currency: string | null;
  amountMinMinor: bigint | null;
  amountMaxMinor: bigint | null;
  createdFrom: Date | null;
  createdBefore: Date | null;
  /** A payment id, a PSP reference, a card's last 4 digits or a customer email: each an indexed equality. */
  search: string | null;
}

export interface ConsolePaymentCursor {
  createdAt: Date;
  id: string;
}

export interface ConsolePaymentRow {
  id: PaymentId;
  merchantId: MerchantId;
  merchantName: string;
  mode: Mode;
  status: PaymentStatus;
  amountMinor: bigint;
  amountCapturedMinor: bigint;
  amountRefundedMinor: bigint;
  currency: CurrencyCode;
  customerEmail: string | null;
  pspName: string | null;
  pspReference: string | null;
  cardBrand: string;
  cardLast4: string;
  createdAt: Date;
}

export interface ReviewQueueRow extends ConsolePaymentRow {
  reviewExpiresAt: Date | null;
  /** A decision already sent to the PSP and not settled yet (VOID after a rejection, CAPTURE after approval). */
  pendingOperation: "AUTHORIZE" | "CAPTURE" | "VOID" | "REFUND" | null;
  riskScore: number | null;
  riskSignals: RiskSignal[];
}

export interface WebhookEventRow {
  id: bigint;
  pspName: string;
  eventId: string;
  eventType: string;
  receivedAt: Date;
  processedAt: Date | null;
}

export interface MerchantSummary {
  id: MerchantId;
  name: string;
}

const rowSelect = {
  id: true,
  merchantId: true,
  mode: true,
  status: true,
  amountMinor: true,
  amountCapturedMinor: true,
  amountRefundedMinor: true,
  currency: true,
  customerEmail: true,
  pspName: true,
  pspReference: true,
  createdAt: true,
  merchant: { select: { name: true } },
  paymentMethod: { select: { brand: true, last4: true } },
} as const;

type Row = Prisma.PaymentGetPayload<{ select: typeof rowSelect }>;

function toRow(row: Row): ConsolePaymentRow {
  return {
    id: row.id as PaymentId,
    merchantId: row.merchantId as MerchantId,
    merchantName: row.merchant.name,
    mode: row.mode,
    status: row.status,
    amountMinor: row.amountMinor,
    amountCapturedMinor: row.amountCapturedMinor,
    amountRefundedMinor: row.amountRefundedMinor,
    currency: row.currency as CurrencyCode,
    customerEmail: row.customerEmail,
    pspName: row.pspName,
    pspReference: row.pspReference,
    // A bank-transfer payment (issue 18) has no card.
    cardBrand: row.paymentMethod?.brand ?? "bank transfer",
    cardLast4: row.paymentMethod?.last4 ?? "",
    createdAt: row.createdAt,
  };
}

/** What the search box matches, decided by the shape of the text so each search is one indexed equality. */
function searchCondition(search: string): Prisma.PaymentWhereInput {
  if (/^pay_[0-9A-Z]{26}$/.test(search)) return { id: search };
  if (/^\d{4}$/.test(search)) return { paymentMethod: { last4: search } };
  if (search.includes("@")) return { customerEmail: search.toLowerCase() };
  return { pspReference: search };
}

export class ConsoleQueryRepository {
  constructor(private readonly db: DatabaseClient) {}

  /** Newest first, keyset-paginated on (createdAt desc, id desc). */
  async searchPayments(
    filter: ConsolePaymentFilter,
    page: { first: number; after: ConsolePaymentCursor | null },
  ): Promise<{ payments: ConsolePaymentRow[]; hasNextPage: boolean }> {
    const take = Math.min(Math.max(page.first, 1), CONSOLE_PAGE_SIZE_MAX);
    const search = filter.search?.trim() || null;
    const and: Prisma.PaymentWhereInput[] = [];
    if (filter.statuses.length > 0) and.push({ status: { in: filter.statuses } });
    if (filter.merchantId) and.push({ merchantId: filter.merchantId });
    if (filter.currency) and.push({ currency: filter.currency });
    if (filter.amountMinMinor !== null) and.push({ amountMinor: { gte: filter.amountMinMinor } });
    if (filter.amountMaxMinor !== null) and.push({ amountMinor: { lte: filter.amountMaxMinor } });
    if (filter.createdFrom) and.push({ createdAt: { gte: filter.createdFrom } });
    if (filter.createdBefore) and.push({ createdAt: { lt: filter.createdBefore } });
    if (search) and.push(searchCondition(search));
    if (page.after) {
      and.push({
        OR: [
          { createdAt: { lt: page.after.createdAt } },
          { createdAt: page.after.createdAt, id: { lt: page.after.id } },
        ],
      });
    }
    const rows = await this.db.payment.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: take + 1,
      select: rowSelect,
    });
    return { payments: rows.slice(0, take).map(toRow), hasNextPage: rows.length > take };
  }

  async findPayment(id: PaymentId): Promise<ConsolePaymentRow | null> {
    const row = await this.db.payment.findUnique({ where: { id }, select: rowSelect });
    return row && toRow(row);
  }

  /** Payments held for review, oldest first (the first to expire), with their risk signals. */
  async reviewQueue(limit = REVIEW_QUEUE_MAX): Promise<ReviewQueueRow[]> {
    const rows = await this.db.payment.findMany({
      where: { status: "REQUIRES_REVIEW" },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: Math.min(Math.max(limit, 1), REVIEW_QUEUE_MAX),
      select: {
        ...rowSelect,
        reviewExpiresAt: true,
        pendingOperation: true,
        risk: { select: { score: true, signals: true } },
      },
    });
    return rows.map((row) => ({
      ...toRow(row),
      reviewExpiresAt: row.reviewExpiresAt,
      pendingOperation: row.pendingOperation,
      riskScore: row.risk?.score ?? null,
      riskSignals: (row.risk?.signals ?? []) as unknown as RiskSignal[],
    }));
  }

  /**
   * Webhooks whose payload mentions this PSP reference, newest first. Payloads have each PSP's own shape, so
   * this is a text match over that PSP's events received since the payment was created: fine for a detail
   * page, not for a list.
   */
  async webhooksMentioning(
    pspName: string,
    pspReference: string,
    since: Date,
    limit = WEBHOOKS_PER_PAYMENT_MAX,
  ): Promise<WebhookEventRow[]> {
    const pattern = `%${pspReference.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.db.$queryRaw<
      Array<{
        id: bigint;
        psp_name: string;
        event_id: string;
        event_type: string;
        received_at: Date;
        processed_at: Date | null;
      }>
    >`
      SELECT id, psp_name, event_id, event_type, received_at, processed_at
        FROM psp_webhook_events
       WHERE psp_name = ${pspName} AND received_at >= ${since} AND payload::text LIKE ${pattern}
       ORDER BY id DESC
       LIMIT ${Math.min(Math.max(limit, 1), WEBHOOKS_PER_PAYMENT_MAX)}`;
    return rows.map((row) => ({
      id: row.id,
      pspName: row.psp_name,
      eventId: row.event_id,
      eventType: row.event_type,
      receivedAt: row.received_at,
      processedAt: row.processed_at,
    }));
  }

  /** Merchants by name, for filters and pickers. */
  async merchants(limit = MERCHANT_LIST_MAX): Promise<MerchantSummary[]> {
    const rows = await this.db.merchant.findMany({
      orderBy: [{ name: "asc" }, { id: "asc" }],
      take: Math.min(Math.max(limit, 1), MERCHANT_LIST_MAX),
      select: { id: true, name: true },
    });
    return rows.map((row) => ({ id: row.id as MerchantId, name: row.name }));
  }
}
