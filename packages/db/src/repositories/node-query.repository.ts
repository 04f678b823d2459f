// Reads for the merchant API's client comforts: objects by id in batches (the `node`/`nodes` queries and
// `Refund.payment`), and payment pages in both directions with an `updatedAfter` filter. Every query is scoped by
// merchant and mode: another merchant's id is simply not found.

import type { JournalEntryId, PaymentId, PspAttemptId, RefundId } from "@paycore/core/ids/ids";
import type { MerchantActor, PaymentRecord, RefundRecord } from "@paycore/core/payments/payment-record";
import type { PaymentStatus } from "@paycore/core/payments/payment-state-machine";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { DatabaseClient, Prisma } from "../client";
import { paymentSelect, refundSelect, toPaymentRecord, toRefundRecord } from "../mappers/payment.mapper";
import {
  ATTEMPT_SELECT,
  JOURNAL_ENTRY_SELECT,
  type JournalEntryRecord,
  PAGE_SIZE_MAX,
  type PaymentCursor,
  type PspAttemptView,
  toJournalEntry,
} from "./payment-query.repository";

export interface PaymentPageFilter {
  statuses: PaymentStatus[] | null;
  createdFrom: Date | null;
  createdBefore: Date | null;
  /** Changed after (exclusive): what a client syncing its copy asks for. */
  updatedAfter: Date | null;
}

/**
 * A page in the list's order (newest first): `forward` takes the `size` items after `cursor`, backward the `size`
 * items just before it (the Relay connection rules). `hasMore` tells whether items lie beyond the page in the
 * direction read.
 */
export interface PaymentPageRequest {
  direction: "forward" | "backward";
  size: number;
  cursor: PaymentCursor | null;
}

export class NodeQueryRepository {
  constructor(
    private readonly db: DatabaseClient,
    private readonly pii: PiiVault,
  ) {}

  async paymentsByIds(actor: MerchantActor, ids: readonly PaymentId[]): Promise<PaymentRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.payment.findMany({
      where: { id: { in: [...ids] }, merchantId: actor.merchantId, mode: actor.mode },
      select: paymentSelect,
    });
    return rows.map((row) => toPaymentRecord(row, this.pii));
  }

  async refundsByIds(actor: MerchantActor, ids: readonly RefundId[]): Promise<RefundRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.refund.findMany({
      where: { id: { in: [...ids] }, merchantId: actor.merchantId, mode: actor.mode },
      select: refundSelect,
    });
    return rows.map(toRefundRecord);
  }

  async attemptsByIds(
    actor: MerchantActor,
    ids: readonly PspAttemptId[],
  ): Promise<Array<PspAttemptView & { paymentId: PaymentId }>> {
    if (ids.length === 0) return [];
    const rows = await this.db.pspAttempt.findMany({
      where: { id: { in: [...ids] }, merchantId: actor.merchantId, payment: { mode: actor.mode } },
      select: ATTEMPT_SELECT,
    });
    return rows.map((row) => ({ ...row, paymentId: row.paymentId as PaymentId }));
  }

  async journalEntriesByIds(
    actor: MerchantActor,
    ids: readonly JournalEntryId[],
  ): Promise<Array<JournalEntryRecord & { paymentId: PaymentId | null }>> {
    if (ids.length === 0) return [];
    const entries = await this.db.journalEntry.findMany({
      where: { id: { in: [...ids] }, merchantId: actor.merchantId, mode: actor.mode },
      select: JOURNAL_ENTRY_SELECT,
    });
    return entries.map((entry) => ({
      ...toJournalEntry(entry),
      paymentId: entry.paymentId as PaymentId | null,
    }));
  }

  /**
   * The current version of each payment named (versions grow by one with every committed change). Not scoped: the
   * subscription that asks authorized each id when it subscribed, and reads the payment itself scoped.
   */
  async versionsByIds(ids: readonly PaymentId[]): Promise<Map<PaymentId, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.payment.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, version: true },
    });
    return new Map(rows.map((row) => [row.id as PaymentId, row.version]));
  }

  /** Keyset paging on (createdAt desc, id desc) in either direction; the page comes back newest first. */
  async paymentsPage(
    actor: MerchantActor,
    filter: PaymentPageFilter,
    page: PaymentPageRequest,
  ): Promise<{ payments: PaymentRecord[]; hasMore: boolean }> {
    const take = Math.min(Math.max(page.size, 1), PAGE_SIZE_MAX);
    const forward = page.direction === "forward";
    const beyond = forward ? "lt" : "gt";
    const where: Prisma.PaymentWhereInput = {
      merchantId: actor.merchantId,
      mode: actor.mode,
      ...(filter.statuses && filter.statuses.length > 0 ? { status: { in: filter.statuses } } : {}),
      ...(filter.updatedAfter ? { updatedAt: { gt: filter.updatedAfter } } : {}),
      createdAt: {
        ...(filter.createdFrom ? { gte: filter.createdFrom } : {}),
        ...(filter.createdBefore ? { lt: filter.createdBefore } : {}),
      },
      ...(page.cursor
        ? {
            OR: [
              { createdAt: { [beyond]: page.cursor.createdAt } },
              { createdAt: page.cursor.createdAt, id: { [beyond]: page.cursor.id } },
            ],
          }
        : {}),
    };
    const order = forward ? "desc" : "asc";
    const rows = await this.db.payment.findMany({
      where,
      orderBy: [{ createdAt: order }, { id: order }],
      take: take + 1,
      select: paymentSelect,
    });
    const payments = rows.slice(0, take).map((row) => toPaymentRecord(row, this.pii));
    return { payments: forward ? payments : payments.reverse(), hasMore: rows.length > take };
  }
}
