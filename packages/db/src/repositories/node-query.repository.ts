// Reads for the merchant API's client comforts: objects by id in batches (the `node`/`nodes` queries and
// `Refund.payment`), and payment pages in both directions with an `updatedAfter` filter. Every query is scoped by
// merchant and mode: another merchant's id is simply not found.

import type { JournalEntryId, PaymentId, PspAttemptId, RefundId } from "@paycore/core/ids/ids";
import type { MerchantActor, PaymentRecord, RefundRecord } from "@paycore/core/payments/payment-record";
import type { PaymentStatus } from "@paycore/core/payments/payment-state-machine";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { DatabaseClient } from "../client";
import type { Payment } from "../generated/prisma/client";
import { type paymentSelect, refundSelect, toPaymentRecord, toRefundRecord } from "../mappers/payment.mapper";
import type { Sql } from "../sql";
import {
  ATTEMPT_SELECT,
  JOURNAL_ENTRY_SELECT,
  type JournalEntryRecord,
  PAGE_SIZE_MAX,
  type PaymentCursor,
  type PspAttemptView,
  toJournalEntry,
} from "./payment-query.repository";
import { PAYMENT_COLUMNS, PAYMENT_COLUMNS_OF_P } from "./payment-sql";

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

type PaymentRow = Pick<Payment, keyof typeof paymentSelect>;

/**
 * The page statement for the filters a request uses: one text per combination of parts present (at most 32 with
 * both directions), each a prepared statement, so no statement carries `$n IS NULL OR …` arms that would keep a
 * generic plan off the index. Every shape reads an index range in the list's order and stops at the page:
 * (merchant_id, mode, created_at DESC, id DESC) without a status filter; with one, the page of each status asked
 * for from (merchant_id, mode, status, created_at DESC, id DESC), merged, so a rare status (three holds among
 * millions of payments) costs one short index range, never the merchant's whole history. See "Read path" in
 * docs/benchmarks.md.
 */
function paymentsPageStatement(filter: PaymentPageFilter, page: PaymentPageRequest, actor: MerchantActor) {
  const values: unknown[] = [actor.merchantId, actor.mode];
  const where = [`p.merchant_id = $1`, `p.mode = $2::"Mode"`];
  const add = (condition: (n: string) => string, value: unknown) => {
    values.push(value);
    where.push(condition(`$${values.length}`));
  };
  const byStatus = filter.statuses !== null && filter.statuses.length > 0;
  if (byStatus) {
    values.push(filter.statuses);
    where.push(`p.status = s.status`);
  }
  if (filter.updatedAfter) add((n) => `p.updated_at > ${n}::timestamptz`, filter.updatedAfter);
  if (filter.createdFrom) add((n) => `p.created_at >= ${n}::timestamptz`, filter.createdFrom);
  if (filter.createdBefore) add((n) => `p.created_at < ${n}::timestamptz`, filter.createdBefore);
  const forward = page.direction === "forward";
  if (page.cursor) {
    values.push(page.cursor.createdAt, page.cursor.id);
    where.push(
      `(p.created_at, p.id) ${forward ? "<" : ">"} ($${values.length - 1}::timestamptz, $${values.length})`,
    );
  }
  const order = forward ? "DESC" : "ASC";
  values.push(Math.min(Math.max(page.size, 1), PAGE_SIZE_MAX) + 1);
  const limit = `$${values.length}::int`;
  const columns = PAYMENT_COLUMNS_OF_P;
  const text = byStatus
    ? `SELECT page.* FROM unnest($3::"PaymentStatus"[]) AS s(status)
 CROSS JOIN LATERAL (SELECT ${columns} FROM payments p WHERE ${where.join(" AND ")}
  ORDER BY p.created_at ${order}, p.id ${order} LIMIT ${limit}) AS page
 ORDER BY page."createdAt" ${order}, page.id ${order} LIMIT ${limit}`
    : `SELECT ${columns} FROM payments p WHERE ${where.join(" AND ")}
 ORDER BY p.created_at ${order}, p.id ${order} LIMIT ${limit}`;
  return { text, values };
}

export class NodeQueryRepository {
  constructor(
    private readonly db: DatabaseClient,
    /** The merchant API's hot reads (payments by id, the payment page) go through node-postgres, not Prisma. */
    private readonly sql: Sql,
    private readonly pii: PiiVault,
  ) {}

  async paymentsByIds(actor: MerchantActor, ids: readonly PaymentId[]): Promise<PaymentRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.query<PaymentRow>(
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = ANY($1::text[]) AND merchant_id = $2 AND mode = $3::"Mode"`,
      [[...ids], actor.merchantId, actor.mode],
    );
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
    const { text, values } = paymentsPageStatement(filter, page, actor);
    // "Changed since" has no plan good for every value: a recent time (the sync's usual question, often with no
    // answer) wants the updated_at index, an old one the list's order. A generic plan reads the merchant's whole
    // history for the first (3.3 s over 200,000 payments), so that shape is planned on every call.
    const rows = filter.updatedAfter
      ? await this.sql.queryPlannedPerCall<PaymentRow>(text, values)
      : await this.sql.query<PaymentRow>(text, values);
    const payments = rows.slice(0, take).map((row) => toPaymentRecord(row, this.pii));
    return {
      payments: page.direction === "forward" ? payments : payments.reverse(),
      hasMore: rows.length > take,
    };
  }
}
