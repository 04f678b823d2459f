// The figures behind the metrics' backlog and age gauges (issue 22), read by
// the metrics-refresh worker every 30 s, never per scrape. Each count runs on a
// partial or status index (outbox_messages_unpublished_idx,
// webhook_deliveries_due_idx, psp_attempts_unsettled_idx and
// psp_attempts_acknowledged_idx, recon_items_open_idx,
// disputes_status_evidence_due_by_idx, payouts_to_send_idx for PENDING), so
// the query costs what the backlogs hold, not what the tables hold. Only open
// payouts and disputes are counted: final states grow without bound.
import type { Sql } from "../sql";

export interface AttemptAgeRow {
  status: "UNKNOWN" | "ACKNOWLEDGED";
  /** Seconds since the attempt was created (UNKNOWN) or acknowledged (ACKNOWLEDGED, its last update). */
  ageSeconds: number;
}

export interface OperationalFigures {
  outboxBacklog: number;
  outboxOldestSeconds: number;
  webhookDeliveryBacklog: number;
  /** Unsettled attempts grouped by status and age bucket upper bound (seconds; Infinity for the last). */
  attemptsByAge: Array<{ status: "UNKNOWN" | "ACKNOWLEDGED"; ageBucketMaxSeconds: number; count: number }>;
  reconOpenByCategory: Array<{ category: string; count: number }>;
  openPayoutsByStatus: Array<{ status: string; count: number }>;
  openDisputesByStatus: Array<{ status: string; count: number }>;
}

/** Recon categories and statuses are code constants; this caps the rows read anyway. */
const GROUPS_MAX = 100;

export class OperationalFiguresRepository {
  constructor(private readonly sql: Sql) {}

  /** `ageBucketsSeconds`: ascending upper bounds; an attempt older than the last falls in an open bucket. */
  async read(ageBucketsSeconds: readonly number[]): Promise<OperationalFigures> {
    const bounds = ageBucketsSeconds.filter((bound) => Number.isFinite(bound));
    const [totals] = await this.sql.query<{
      outbox_backlog: bigint;
      outbox_oldest_seconds: string | null;
      webhook_backlog: bigint;
    }>(
      `SELECT
         (SELECT count(*) FROM outbox_messages WHERE published_at IS NULL)::bigint AS outbox_backlog,
         (SELECT extract(epoch FROM now() - min(created_at))::text FROM outbox_messages WHERE published_at IS NULL)
           AS outbox_oldest_seconds,
         (SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING')::bigint AS webhook_backlog`,
    );
    // width_bucket over the bounds: 0 .. bounds.length, the last index the open bucket.
    const attempts = await this.sql.query<{
      status: "UNKNOWN" | "ACKNOWLEDGED";
      bucket: number;
      count: bigint;
    }>(
      `SELECT status::text AS status,
              width_bucket(extract(epoch FROM now() - CASE WHEN status = 'ACKNOWLEDGED' THEN updated_at ELSE created_at END),
                           $1::float8[])::int AS bucket,
              count(*)::bigint AS count
         FROM psp_attempts
        WHERE status IN ('UNKNOWN', 'ACKNOWLEDGED')
        GROUP BY 1, 2`,
      [bounds],
    );
    const recon = await this.sql.query<{ category: string; count: bigint }>(
      `SELECT category, count(*)::bigint AS count FROM recon_items WHERE status = 'OPEN'
        GROUP BY category ORDER BY category LIMIT ${GROUPS_MAX}`,
    );
    const payouts = await this.sql.query<{ status: string; count: bigint }>(
      `SELECT status::text AS status, count(*)::bigint AS count FROM payouts
        WHERE status IN ('PENDING', 'IN_TRANSIT') GROUP BY 1`,
    );
    const disputes = await this.sql.query<{ status: string; count: bigint }>(
      `SELECT status::text AS status, count(*)::bigint AS count FROM disputes
        WHERE status IN ('INQUIRY', 'NEEDS_RESPONSE', 'UNDER_REVIEW') GROUP BY 1`,
    );
    return {
      outboxBacklog: Number(totals?.outbox_backlog ?? 0n),
      outboxOldestSeconds: totals?.outbox_oldest_seconds ? Number(totals.outbox_oldest_seconds) : 0,
      webhookDeliveryBacklog: Number(totals?.webhook_backlog ?? 0n),
      attemptsByAge: attempts.map((row) => ({
        status: row.status,
        // width_bucket: 0 below the first bound (a clock skew's negative age counts as the youngest bucket).
        ageBucketMaxSeconds: bounds[Math.max(row.bucket, 0)] ?? Number.POSITIVE_INFINITY,
        count: Number(row.count),
      })),
      reconOpenByCategory: recon.map((row) => ({ category: row.category, count: Number(row.count) })),
      openPayoutsByStatus: payouts.map((row) => ({ status: row.status, count: Number(row.count) })),
      openDisputesByStatus: disputes.map((row) => ({ status: row.status, count: Number(row.count) })),
    };
  }
}
