// The operator console's overview: what needs attention now, and daily charts
// over a bounded window. One SQL query per chart, grouped by UTC day with
// date_trunc and bounded by explicit [from, to) timestamps. Amount sums are
// never cast to bigint in SQL: numeric, as text, into a JS bigint.

import type { DatabaseClient } from "../client";

export interface AttentionCounts {
  /** Payments held for a fraud review decision. */
  requiresReview: number;
  /** Payments still PENDING longer than the threshold (an unknown PSP outcome, or a stuck flow). */
  stalePending: number;
  /** PSP attempts the resolver gave up on, not settled since (by the PSP or an operator). */
  escalatedAttempts: number;
  /** Dead letters neither replayed nor dismissed. */
  deadLetters: number;
}

export interface OverviewWindow {
  /** Inclusive start, at a UTC midnight. */
  from: Date;
  /** Exclusive end. */
  to: Date;
}

export interface DailyVolumeRow {
  day: Date;
  currency: string;
  count: number;
  amountMinor: bigint;
}

export interface DailyApprovalRow {
  day: Date;
  approved: number;
  decided: number;
}

export interface DailyRefundRow {
  day: Date;
  currency: string;
  refundedMinor: bigint;
  capturedMinor: bigint;
}

export interface DailyPspRow {
  day: Date;
  pspName: string;
  succeeded: number;
  settled: number;
}

const DAY_MS = 86_400_000;

/** The last `days` UTC days, today included: [midnight `days - 1` days ago, next midnight). */
export function overviewWindow(now: Date, days: number): OverviewWindow {
  const to = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
  return { from: new Date(to.getTime() - days * DAY_MS), to };
}

export class ConsoleOverviewRepository {
  constructor(private readonly db: DatabaseClient) {}

  async attention(now: Date, pendingOlderThanMs: number): Promise<AttentionCounts> {
    const pendingBefore = new Date(now.getTime() - pendingOlderThanMs);
    const rows = await this.db.$queryRaw<
      Array<{ requires_review: bigint; stale_pending: bigint; escalated: bigint; dead_letters: bigint }>
    >`
      SELECT
        (SELECT COUNT(*) FROM payments WHERE status = 'REQUIRES_REVIEW'::"PaymentStatus")::bigint AS requires_review,
        (SELECT COUNT(*) FROM payments
          WHERE status = 'PENDING'::"PaymentStatus" AND created_at < ${pendingBefore})::bigint AS stale_pending,
        (SELECT COUNT(*) FROM psp_attempts WHERE escalated_at IS NOT NULL
            AND status IN ('PENDING', 'UNKNOWN', 'ACKNOWLEDGED'))::bigint AS escalated,
        (SELECT COUNT(*) FROM dead_letters WHERE replayed_at IS NULL AND dismissed_at IS NULL)::bigint
          AS dead_letters`;
    const row = rows[0];
    return {
      requiresReview: Number(row?.requires_review ?? 0n),
      stalePending: Number(row?.stale_pending ?? 0n),
      escalatedAttempts: Number(row?.escalated ?? 0n),
      deadLetters: Number(row?.dead_letters ?? 0n),
    };
  }

  /**
   * Volume: live-mode payments created per day and currency that captured money, how many, and the amount they
   * captured. Test payments and authorizations that were never captured are not money received; counting them
   * let anyone with a test key move (and, through a ::bigint cast, break) the figures. The sum is numeric,
   * returned as text: a day's volume may exceed a signed 64-bit integer.
   */
  async dailyVolume(window: OverviewWindow): Promise<DailyVolumeRow[]> {
    const rows = await this.db.$queryRaw<
      Array<{ day: Date; currency: string; count: bigint; amount_minor: string }>
    >`
      SELECT date_trunc('day', created_at, 'UTC') AS day, currency,
             COUNT(*)::bigint AS count, SUM(amount_captured_minor)::text AS amount_minor
        FROM payments
       WHERE created_at >= ${window.from} AND created_at < ${window.to}
         AND mode = 'LIVE'::"Mode" AND amount_captured_minor > 0
       GROUP BY 1, 2
       ORDER BY 1, 2`;
    return rows.map((row) => ({
      day: row.day,
      currency: row.currency,
      count: Number(row.count),
      amountMinor: BigInt(row.amount_minor),
    }));
  }

  /** Per day: payments approved (authorized, captured or refunded since) over all decided ones. */
  async dailyApproval(window: OverviewWindow): Promise<DailyApprovalRow[]> {
    const rows = await this.db.$queryRaw<Array<{ day: Date; approved: bigint; decided: bigint }>>`
      SELECT date_trunc('day', created_at, 'UTC') AS day,
             COUNT(*) FILTER (WHERE status IN ('AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED'))::bigint
               AS approved,
             COUNT(*)::bigint AS decided
        FROM payments
       WHERE created_at >= ${window.from} AND created_at < ${window.to}
         AND status NOT IN ('PENDING', 'REQUIRES_REVIEW')
       GROUP BY 1
       ORDER BY 1`;
    return rows.map((row) => ({
      day: row.day,
      approved: Number(row.approved),
      decided: Number(row.decided),
    }));
  }

  /** Per day and currency: refunded over captured amounts of the payments created that day (sums as numeric). */
  async dailyRefunds(window: OverviewWindow): Promise<DailyRefundRow[]> {
    const rows = await this.db.$queryRaw<
      Array<{ day: Date; currency: string; refunded_minor: string; captured_minor: string }>
    >`
      SELECT date_trunc('day', created_at, 'UTC') AS day, currency,
             SUM(amount_refunded_minor)::text AS refunded_minor,
             SUM(amount_captured_minor)::text AS captured_minor
        FROM payments
       WHERE created_at >= ${window.from} AND created_at < ${window.to}
         AND amount_captured_minor > 0
       GROUP BY 1, 2
       ORDER BY 1, 2`;
    return rows.map((row) => ({
      day: row.day,
      currency: row.currency,
      refundedMinor: BigInt(row.refunded_minor),
      capturedMinor: BigInt(row.captured_minor),
    }));
  }

  /** Per day and PSP: attempts that succeeded over all settled ones (succeeded or failed). */
  async dailyPspSuccess(window: OverviewWindow): Promise<DailyPspRow[]> {
    const rows = await this.db.$queryRaw<
      Array<{ day: Date; psp_name: string; succeeded: bigint; settled: bigint }>
    >`
      SELECT date_trunc('day', created_at, 'UTC') AS day, psp_name,
             COUNT(*) FILTER (WHERE status = 'SUCCEEDED')::bigint AS succeeded,
             COUNT(*)::bigint AS settled
        FROM psp_attempts
       WHERE created_at >= ${window.from} AND created_at < ${window.to}
         AND status IN ('SUCCEEDED', 'FAILED')
       GROUP BY 1, 2
       ORDER BY 1, 2`;
    return rows.map((row) => ({
      day: row.day,
      pspName: row.psp_name,
      succeeded: Number(row.succeeded),
      settled: Number(row.settled),
    }));
  }
}
