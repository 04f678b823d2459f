// Read paths of the operator console: one payment's row (the list's search is
// payment-search.repository.ts), the fraud review queue, and the webhooks that
// mention a payment. Per-payment detail reuses PaymentQueryRepository once the
// payment's merchant and mode are known.

import type { RiskSignal } from "@paycore/core/fraud/risk-types";
import type { MerchantId, PaymentId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { PaymentStatus } from "@paycore/core/payments/payment-state-machine";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { DatabaseClient, Prisma } from "../client";

export const REVIEW_QUEUE_MAX = 100;
export const WEBHOOKS_PER_PAYMENT_MAX = 50;
export const MERCHANT_LIST_MAX = 500;

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
  description: string | null;
  pspName: string | null;
  pspReference: string | null;
  /** Why a declined or failed payment was: the PSP's code and message as recorded. */
  failureCode: string | null;
  failureMessage: string | null;
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
  description: true,
  pspName: true,
  pspReference: true,
  failureCode: true,
  failureMessage: true,
  createdAt: true,
  merchant: { select: { name: true } },
  paymentMethod: { select: { brand: true, last4: true } },
} as const;

type Row = Prisma.PaymentGetPayload<{ select: typeof rowSelect }>;

function toRow(row: Row, pii: PiiVault): ConsolePaymentRow {
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
    customerEmail: pii.open("email", row.merchantId, row.customerEmail),
    description: row.description,
    pspName: row.pspName,
    pspReference: row.pspReference,
    failureCode: row.failureCode,
    failureMessage: row.failureMessage,
    // A bank-transfer payment (issue 18) has no card.
    cardBrand: row.paymentMethod?.brand ?? "bank transfer",
    cardLast4: row.paymentMethod?.last4 ?? "",
    createdAt: row.createdAt,
  };
}

export class ConsoleQueryRepository {
  constructor(
    private readonly db: DatabaseClient,
    /** Opens the sealed e-mail (issue 22). */
    private readonly pii: PiiVault,
  ) {}

  async findPayment(id: PaymentId): Promise<ConsolePaymentRow | null> {
    const row = await this.db.payment.findUnique({ where: { id }, select: rowSelect });
    return row && toRow(row, this.pii);
  }

  /**
   * Payments held for review, oldest first (the first to expire), with their risk signals. `after` continues
   * from a row of the previous page (keyset on created_at, id), as the CSV export walks the whole queue.
   */
  async reviewQueue(
    limit = REVIEW_QUEUE_MAX,
    after: { createdAt: Date; id: string } | null = null,
  ): Promise<ReviewQueueRow[]> {
    const rows = await this.db.payment.findMany({
      where: {
        status: "REQUIRES_REVIEW",
        ...(after
          ? {
              OR: [
                { createdAt: { gt: after.createdAt } },
                { createdAt: after.createdAt, id: { gt: after.id } },
              ],
            }
          : {}),
      },
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
      ...toRow(row, this.pii),
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
