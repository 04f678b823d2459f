// The exception workbench's reads (issue 17): escalated attempts waiting for an operator, the disputes queue with
// what is at stake, pending four-eyes requests, and the counts behind the overview's needs-attention sources.
// Bounded lists; amounts as bigint (sums as numeric text, never a 64-bit cast).
import type { Sql } from "../sql";

export const WORKBENCH_LIST_MAX = 200;

/** A count stops here: the console says "10,000+" rather than scanning the whole table to be exact. */
export const WORKBENCH_COUNT_CAP = 10_000;

/** The disputes the queue holds: waiting for the merchant or under review. */
const OPEN_DISPUTE = `d.status IN ('INQUIRY', 'NEEDS_RESPONSE', 'UNDER_REVIEW')`;

const bound = (limit: number) => Math.min(Math.max(Math.trunc(limit), 1), WORKBENCH_LIST_MAX);

export interface EscalatedAttemptRow {
  attemptId: string;
  paymentId: string;
  merchantId: string;
  merchantName: string;
  mode: string;
  operation: string;
  pspName: string;
  status: string;
  amountMinor: bigint;
  currency: string;
  pspReference: string | null;
  paymentStatus: string;
  escalatedAt: Date;
  createdAt: Date;
}

export interface DisputeQueueRow {
  id: string;
  paymentId: string;
  merchantId: string;
  merchantName: string;
  mode: string;
  status: string;
  stage: string;
  reason: string;
  reasonCode: string | null;
  amountMinor: bigint;
  currency: string;
  feeMinor: bigint;
  fundsWithdrawn: boolean;
  evidenceDueBy: Date | null;
  evidenceSubmittedAt: Date | null;
  pspName: string;
  createdAt: Date;
}

export interface PendingApprovalRow {
  id: string;
  kind: string;
  targetId: string;
  payload: Record<string, unknown>;
  amountMinor: bigint;
  currency: string;
  reason: string;
  requestedBy: string;
  createdAt: Date;
}

/** The counts of the needs-attention sources the workbench owns. */
export interface WorkbenchAttentionCounts {
  openDeadLetters: number;
  escalatedAttempts: number;
  disputesNeedingResponse: number;
  pendingApprovals: number;
}

export class WorkbenchQueryRepository {
  constructor(private readonly sql: Sql) {}

  /** Attempts the resolver gave up on and nobody settled yet, oldest escalation first. */
  async escalatedAttempts(limit = 100): Promise<EscalatedAttemptRow[]> {
    const rows = await this.sql.query<{
      id: string;
      payment_id: string;
      merchant_id: string;
      merchant_name: string;
      mode: string;
      operation: string;
      psp_name: string;
      status: string;
      amount_minor: bigint;
      currency: string;
      psp_reference: string | null;
      payment_status: string;
      escalated_at: Date;
      created_at: Date;
    }>(
      `SELECT a.id, a.payment_id, a.merchant_id, m.name AS merchant_name, p.mode::text AS mode,
              a.operation::text AS operation, a.psp_name, a.status::text AS status, a.amount_minor,
              a.currency::text AS currency, a.psp_reference, p.status::text AS payment_status, a.escalated_at,
              a.created_at
         FROM psp_attempts a
         JOIN payments p ON p.id = a.payment_id
         JOIN merchants m ON m.id = a.merchant_id
        WHERE a.escalated_at IS NOT NULL AND a.status IN ('PENDING', 'UNKNOWN', 'ACKNOWLEDGED')
        ORDER BY a.escalated_at, a.id LIMIT $1`,
      [bound(limit)],
    );
    return rows.map((row) => ({
      attemptId: row.id,
      paymentId: row.payment_id,
      merchantId: row.merchant_id,
      merchantName: row.merchant_name,
      mode: row.mode,
      operation: row.operation,
      pspName: row.psp_name,
      status: row.status,
      amountMinor: row.amount_minor,
      currency: row.currency.trim(),
      pspReference: row.psp_reference,
      paymentStatus: row.payment_status,
      escalatedAt: row.escalated_at,
      createdAt: row.created_at,
    }));
  }

  /**
   * Disputes waiting for the merchant or under review, soonest evidence due date first, with what is at stake:
   * the disputed amount and the dispute fee, and whether the funds are already withdrawn.
   */
  async disputesQueue(limit = 100): Promise<DisputeQueueRow[]> {
    const rows = await this.sql.query<{
      id: string;
      payment_id: string;
      merchant_id: string;
      merchant_name: string;
      mode: string;
      status: string;
      stage: string;
      reason: string;
      reason_code: string | null;
      amount_minor: bigint;
      currency: string;
      fee_minor: bigint;
      funds_withdrawn: boolean;
      evidence_due_by: Date | null;
      evidence_submitted_at: Date | null;
      psp_name: string;
      created_at: Date;
    }>(
      `SELECT d.id, d.payment_id, d.merchant_id, m.name AS merchant_name, d.mode::text AS mode,
              d.status::text AS status, d.stage, d.reason, d.reason_code, d.amount_minor,
              d.currency::text AS currency, d.fee_minor, d.funds_withdrawn, d.evidence_due_by,
              d.evidence_submitted_at, d.psp_name, d.created_at
         FROM disputes d JOIN merchants m ON m.id = d.merchant_id
        WHERE ${OPEN_DISPUTE}
        ORDER BY d.evidence_due_by ASC NULLS LAST, d.id LIMIT $1`,
      [bound(limit)],
    );
    return rows.map((row) => ({
      id: row.id,
      paymentId: row.payment_id,
      merchantId: row.merchant_id,
      merchantName: row.merchant_name,
      mode: row.mode,
      status: row.status,
      stage: row.stage,
      reason: row.reason,
      reasonCode: row.reason_code,
      amountMinor: row.amount_minor,
      currency: row.currency.trim(),
      feeMinor: row.fee_minor,
      fundsWithdrawn: row.funds_withdrawn,
      evidenceDueBy: row.evidence_due_by,
      evidenceSubmittedAt: row.evidence_submitted_at,
      pspName: row.psp_name,
      createdAt: row.created_at,
    }));
  }

  /** How many disputes the queue holds, counted up to `cap` (`capped`: at least that many). */
  async disputesQueueCount(cap = WORKBENCH_COUNT_CAP): Promise<{ count: number; capped: boolean }> {
    const limit = Math.min(Math.max(Math.trunc(cap), 1), WORKBENCH_COUNT_CAP);
    const [row] = await this.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM disputes d WHERE ${OPEN_DISPUTE} LIMIT $1) matching`,
      [limit + 1],
    );
    const n = Number(row?.n ?? 0);
    return n > limit ? { count: limit, capped: true } : { count: n, capped: false };
  }

  /** Four-eyes requests still waiting, oldest first (of one kind, or all). */
  async pendingApprovals(kind: string | null, limit = 100): Promise<PendingApprovalRow[]> {
    const rows = await this.sql.query<{
      id: string;
      kind: string;
      target_id: string;
      payload: Record<string, unknown>;
      amount_minor: bigint;
      currency: string;
      reason: string;
      requested_by: string;
      created_at: Date;
    }>(
      `SELECT id, kind, target_id, payload, amount_minor, currency::text AS currency, reason, requested_by,
              created_at
         FROM approval_requests
        WHERE status = 'PENDING' AND ($1::text IS NULL OR kind = $1)
        ORDER BY created_at, id LIMIT $2`,
      [kind, bound(limit)],
    );
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      targetId: row.target_id,
      payload: row.payload,
      amountMinor: row.amount_minor,
      currency: row.currency.trim(),
      reason: row.reason,
      requestedBy: row.requested_by,
      createdAt: row.created_at,
    }));
  }

  async attentionCounts(): Promise<WorkbenchAttentionCounts> {
    const [row] = await this.sql.query<{
      dead_letters: bigint;
      escalated: bigint;
      disputes: bigint;
      approvals: bigint;
    }>(
      `SELECT
         (SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL AND dismissed_at IS NULL)::bigint
           AS dead_letters,
         (SELECT count(*) FROM psp_attempts
           WHERE escalated_at IS NOT NULL AND status IN ('PENDING', 'UNKNOWN', 'ACKNOWLEDGED'))::bigint AS escalated,
         (SELECT count(*) FROM disputes WHERE status IN ('INQUIRY', 'NEEDS_RESPONSE'))::bigint AS disputes,
         (SELECT count(*) FROM approval_requests WHERE status = 'PENDING')::bigint AS approvals`,
    );
    return {
      openDeadLetters: Number(row?.dead_letters ?? 0n),
      escalatedAttempts: Number(row?.escalated ?? 0n),
      disputesNeedingResponse: Number(row?.disputes ?? 0n),
      pendingApprovals: Number(row?.approvals ?? 0n),
    };
  }
}
