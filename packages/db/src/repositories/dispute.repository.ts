// Disputes, read side: the merchant API's and the console's reads, and the row mapping the store shares.
import type { DisputeReason, DisputeRecord } from "@paycore/core/disputes/dispute";
import type { DisputeStage, DisputeStatus } from "@paycore/core/disputes/dispute-state-machine";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { DatabaseClient } from "../client";

export const DISPUTE_SELECT = {
  id: true,
  paymentId: true,
  merchantId: true,
  mode: true,
  amountMinor: true,
  currency: true,
  status: true,
  stage: true,
  reason: true,
  reasonCode: true,
  pspName: true,
  pspReference: true,
  pspStage: true,
  evidenceDueBy: true,
  fundsWithdrawn: true,
  feeMinor: true,
  evidenceSubmittedAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} as const;

type DisputeRow = {
  [K in keyof typeof DISPUTE_SELECT]: K extends keyof DisputeRecord ? unknown : never;
} & Record<string, unknown>;

export function toDisputeRecord(row: DisputeRow): DisputeRecord {
  return {
    id: row.id as string,
    paymentId: row.paymentId as string,
    merchantId: row.merchantId as string,
    mode: row.mode as "TEST" | "LIVE",
    amountMinor: row.amountMinor as bigint,
    currency: row.currency as CurrencyCode,
    status: row.status as DisputeStatus,
    stage: row.stage as DisputeStage,
    reason: row.reason as DisputeReason,
    reasonCode: row.reasonCode as string | null,
    pspName: row.pspName as string,
    pspReference: row.pspReference as string,
    pspStage: row.pspStage as string,
    evidenceDueBy: row.evidenceDueBy as Date | null,
    fundsWithdrawn: row.fundsWithdrawn as boolean,
    feeMinor: row.feeMinor as bigint,
    evidenceSubmittedAt: row.evidenceSubmittedAt as Date | null,
    version: row.version as number,
    createdAt: row.createdAt as Date,
    updatedAt: row.updatedAt as Date,
  };
}

export interface DisputeEventRecord {
  id: bigint;
  type: string;
  oldStatus: DisputeStatus | null;
  newStatus: DisputeStatus;
  source: string;
  actor: string | null;
  data: unknown;
  createdAt: Date;
}

/** Whether evidence reached the PSP: PENDING (not sent yet), UNKNOWN (sent, no answer: resent), DELIVERED, REJECTED. */
export interface EvidenceDelivery {
  status: "PENDING" | "UNKNOWN" | "DELIVERED" | "REJECTED";
  attempts: number;
  deliveredAt: Date | null;
}

export interface DisputeListFilter {
  statuses?: readonly DisputeStatus[];
  paymentId?: string;
}

/** Page sizes are bounded by the callers (≤ 100); this is the repository's own ceiling. */
const PAGE_MAX = 100;

export class DisputeRepository {
  constructor(private readonly db: DatabaseClient) {}

  async findForMerchant(
    merchantId: string,
    mode: "TEST" | "LIVE",
    id: string,
  ): Promise<DisputeRecord | null> {
    const row = await this.db.dispute.findFirst({ where: { id, merchantId, mode }, select: DISPUTE_SELECT });
    return row ? toDisputeRecord(row) : null;
  }

  /** Newest first, keyset-paginated on (createdAt, id) after the dispute `after`. */
  async listForMerchant(
    merchantId: string,
    mode: "TEST" | "LIVE",
    options: { first: number; after: string | null; filter: DisputeListFilter },
  ): Promise<{ disputes: DisputeRecord[]; hasNextPage: boolean }> {
    const take = Math.min(Math.max(options.first, 1), PAGE_MAX);
    const rows = await this.db.dispute.findMany({
      where: {
        merchantId,
        mode,
        ...(options.filter.statuses?.length ? { status: { in: [...options.filter.statuses] } } : {}),
        ...(options.filter.paymentId ? { paymentId: options.filter.paymentId } : {}),
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      ...(options.after ? { cursor: { id: options.after }, skip: 1 } : {}),
      take: take + 1,
      select: DISPUTE_SELECT,
    });
    return { disputes: rows.slice(0, take).map(toDisputeRecord), hasNextPage: rows.length > take };
  }

  /** The disputes of several payments in one query (the API's dataloader), oldest first per payment. */
  async byPaymentIds(paymentIds: readonly string[]): Promise<Map<string, DisputeRecord[]>> {
    const rows = await this.db.dispute.findMany({
      where: { paymentId: { in: [...paymentIds] } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: DISPUTE_SELECT,
    });
    const byPayment = new Map<string, DisputeRecord[]>();
    for (const row of rows) {
      const list = byPayment.get(row.paymentId) ?? [];
      list.push(toDisputeRecord(row));
      byPayment.set(row.paymentId, list);
    }
    return byPayment;
  }

  /** The console's queue: disputes waiting for the merchant, soonest evidence due date first. */
  async queue(limit: number): Promise<DisputeRecord[]> {
    const rows = await this.db.dispute.findMany({
      where: { status: { in: ["INQUIRY", "NEEDS_RESPONSE", "UNDER_REVIEW"] } },
      orderBy: [{ evidenceDueBy: { sort: "asc", nulls: "last" } }, { id: "asc" }],
      take: Math.min(Math.max(limit, 1), PAGE_MAX),
      select: DISPUTE_SELECT,
    });
    return rows.map(toDisputeRecord);
  }

  async findById(id: string): Promise<DisputeRecord | null> {
    const row = await this.db.dispute.findUnique({ where: { id }, select: DISPUTE_SELECT });
    return row ? toDisputeRecord(row) : null;
  }

  /** Where forwarding each piece of evidence stands (issue 17), by evidence id. */
  async evidenceDeliveries(evidenceIds: readonly bigint[]): Promise<Map<bigint, EvidenceDelivery>> {
    const rows = await this.db.disputeEvidenceForward.findMany({
      where: { evidenceId: { in: [...evidenceIds] } },
      select: { evidenceId: true, status: true, attempts: true, deliveredAt: true },
    });
    return new Map(
      rows.map((row) => [
        row.evidenceId,
        {
          status: row.status as EvidenceDelivery["status"],
          attempts: row.attempts,
          deliveredAt: row.deliveredAt,
        },
      ]),
    );
  }

  /**
   * The latest evidence's forwarding of each dispute named (absent: no evidence yet), in one query however many
   * disputes a page shows (the API's dataloader). Evidence per dispute is bounded by its submissions.
   */
  async latestEvidenceDeliveries(disputeIds: readonly string[]): Promise<Map<string, EvidenceDelivery>> {
    if (disputeIds.length === 0) return new Map();
    const rows = await this.db.disputeEvidenceForward.findMany({
      where: { disputeId: { in: [...disputeIds] } },
      orderBy: { evidenceId: "desc" },
      select: { disputeId: true, status: true, attempts: true, deliveredAt: true },
    });
    const latest = new Map<string, EvidenceDelivery>();
    for (const row of rows) {
      if (latest.has(row.disputeId)) continue;
      latest.set(row.disputeId, {
        status: row.status as EvidenceDelivery["status"],
        attempts: row.attempts,
        deliveredAt: row.deliveredAt,
      });
    }
    return latest;
  }

  async events(disputeId: string, limit = PAGE_MAX): Promise<DisputeEventRecord[]> {
    return this.db.disputeEvent.findMany({
      where: { disputeId },
      orderBy: { id: "asc" },
      take: Math.min(limit, 1000),
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

  /**
   * Disputes whose ledger disagrees with their state (must always be empty): withdrawn minus reinstated equals the
   * amount exactly when the funds are out, and nothing is posted for an inquiry that never reached a chargeback.
   */
  /**
   * disagreeingWithLedger restricted to the disputes that may have changed since a run that found them all in
   * agreement: those named by a journal entry after `after` (the sealing order, see JournalPosition) and those
   * updated at or after `updatedSince`.
   */
  async disagreeingWithLedgerAfter(
    after: { lastTxid: bigint; lastRowId: string },
    updatedSince: Date,
    limit = 100,
  ): Promise<string[]> {
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      WITH touched AS (
        SELECT e.dispute_id AS id FROM journal_entries e
         WHERE e.txid >= ${after.lastTxid}
           AND (e.txid > ${after.lastTxid} OR e.id COLLATE "C" > ${after.lastRowId} COLLATE "C")
           AND e.dispute_id IS NOT NULL
        UNION
        SELECT d.id FROM disputes d WHERE d.updated_at >= ${updatedSince}
      )
      SELECT d.id FROM disputes d JOIN touched t ON t.id = d.id
        LEFT JOIN LATERAL (
          SELECT COALESCE(SUM(l.amount_minor) FILTER (WHERE e.kind = 'dispute.funds_withdrawn'
                                                       AND l.direction = 'CREDIT'
                                                       AND a.code = 'psp_receivable'), 0)::numeric
               - COALESCE(SUM(l.amount_minor) FILTER (WHERE e.kind = 'dispute.funds_reinstated'
                                                       AND l.direction = 'DEBIT'), 0)::numeric AS held,
                 COALESCE(SUM(l.amount_minor) FILTER (WHERE e.kind = 'dispute.funds_withdrawn'
                                                       AND a.code = 'fee_revenue'), 0)::numeric AS fee
            FROM journal_entries e
            JOIN ledger_lines l ON l.journal_entry_id = e.id
            JOIN ledger_accounts a ON a.id = l.account_id
           WHERE e.dispute_id = d.id
        ) j ON true
       WHERE j.held <> CASE WHEN d.funds_withdrawn THEN d.amount_minor ELSE 0 END
          OR j.fee <> d.fee_minor
       LIMIT ${limit}`;
    return rows.map((row) => row.id);
  }

  async disagreeingWithLedger(limit = 100): Promise<string[]> {
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      SELECT d.id FROM disputes d
        LEFT JOIN LATERAL (
          SELECT COALESCE(SUM(l.amount_minor) FILTER (WHERE e.kind = 'dispute.funds_withdrawn'
                                                       AND l.direction = 'CREDIT'
                                                       AND a.code = 'psp_receivable'), 0)::numeric
               - COALESCE(SUM(l.amount_minor) FILTER (WHERE e.kind = 'dispute.funds_reinstated'
                                                       AND l.direction = 'DEBIT'), 0)::numeric AS held,
                 COALESCE(SUM(l.amount_minor) FILTER (WHERE e.kind = 'dispute.funds_withdrawn'
                                                       AND a.code = 'fee_revenue'), 0)::numeric AS fee
            FROM journal_entries e
            JOIN ledger_lines l ON l.journal_entry_id = e.id
            JOIN ledger_accounts a ON a.id = l.account_id
           WHERE e.dispute_id = d.id
        ) j ON true
       WHERE j.held <> CASE WHEN d.funds_withdrawn THEN d.amount_minor ELSE 0 END
          OR j.fee <> d.fee_minor
       LIMIT ${limit}`;
    return rows.map((row) => row.id);
  }
}
