// Risk signals' counts per merchant (issue 22): live payments created since a time, with their decided, declined,
// captured and refunded counts, and disputes opened since then; only merchants still pending or verified (a
// restricted one is already with an operator). Keyset pages by merchant id, bounded.
import type { RiskSignalCounts } from "@paycore/core/onboarding/risk-signals";
import type { Sql } from "../sql";

export class RiskSignalsRepository {
  constructor(private readonly sql: Sql) {}

  async countsSince(
    since: Date,
    minPayments: number,
    afterMerchantId: string,
    limit: number,
  ): Promise<RiskSignalCounts[]> {
    return this.sql.query<RiskSignalCounts>(
      `SELECT p.merchant_id AS "merchantId", count(*)::int AS payments,
              count(*) FILTER (WHERE p.status NOT IN ('PENDING', 'AWAITING_FUNDS', 'REQUIRES_REVIEW'))::int AS decided,
              count(*) FILTER (WHERE p.status = 'DECLINED')::int AS declined,
              count(*) FILTER (WHERE p.amount_captured_minor > 0)::int AS captured,
              count(*) FILTER (WHERE p.amount_refunded_minor > 0)::int AS refunded,
              (SELECT count(*)::int FROM disputes d
                WHERE d.merchant_id = p.merchant_id AND d.mode = 'LIVE' AND d.created_at >= $1) AS disputes
         FROM payments p JOIN merchants m ON m.id = p.merchant_id
        WHERE p.mode = 'LIVE' AND p.created_at >= $1 AND p.merchant_id > $3
          AND m.onboarding_status IN ('PENDING_VERIFICATION', 'VERIFIED')
        GROUP BY p.merchant_id HAVING count(*) >= $2
        ORDER BY p.merchant_id LIMIT $4`,
      [since, minPayments, afterMerchantId, Math.min(Math.max(limit, 1), 500)],
    );
  }
}
