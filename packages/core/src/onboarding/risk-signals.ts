// Risk signals per merchant (issue 22): over a window of live payments, the refund rate (payments refunded in part
// or whole / payments captured), the dispute rate (disputes opened / payments captured) and the decline rate
// (payments declined / payments decided). Each is compared with its threshold in basis points by exact integer
// arithmetic, only once the merchant has enough payments in the window for a rate to mean something. A tripped rule
// restricts the merchant through the onboarding command, named in its event and audit row.
export interface RiskSignalCounts {
  merchantId: string;
  /** Live payments created in the window. */
  payments: number;
  /** Of those, no longer pending (authorized, captured, declined, failed, …). */
  decided: number;
  declined: number;
  captured: number;
  refunded: number;
  /** Disputes opened in the window. */
  disputes: number;
}

export interface RiskSignalThresholds {
  windowDays: number;
  /** A merchant with fewer live payments in the window is not judged. */
  minPayments: number;
  refundRateMaxBps: number;
  disputeRateMaxBps: number;
  declineRateMaxBps: number;
}

export const DEFAULT_RISK_SIGNAL_THRESHOLDS: RiskSignalThresholds = {
  windowDays: 30,
  minPayments: 20,
  refundRateMaxBps: 1_000,
  disputeRateMaxBps: 100,
  declineRateMaxBps: 5_000,
};

export type RiskSignalRule =
  | "risk_signals.refund_rate"
  | "risk_signals.dispute_rate"
  | "risk_signals.decline_rate";

export interface TrippedRule {
  rule: RiskSignalRule;
  count: number;
  of: number;
  rateBps: number;
  maxBps: number;
}

/** count / of > maxBps / 10 000, exactly: count * 10 000 > maxBps * of. */
function above(count: number, of: number, maxBps: number): boolean {
  return of > 0 && BigInt(count) * 10_000n > BigInt(maxBps) * BigInt(of);
}

function tripped(rule: RiskSignalRule, count: number, of: number, maxBps: number): TrippedRule | null {
  if (!above(count, of, maxBps)) return null;
  return { rule, count, of, rateBps: Math.floor((count * 10_000) / of), maxBps };
}

/** The first rule the counts trip (refunds, then disputes, then declines), or null. */
export function trippedRiskRule(
  counts: RiskSignalCounts,
  thresholds: RiskSignalThresholds,
): TrippedRule | null {
  if (counts.payments < thresholds.minPayments) return null;
  return (
    tripped("risk_signals.refund_rate", counts.refunded, counts.captured, thresholds.refundRateMaxBps) ??
    tripped("risk_signals.dispute_rate", counts.disputes, counts.captured, thresholds.disputeRateMaxBps) ??
    tripped("risk_signals.decline_rate", counts.declined, counts.decided, thresholds.declineRateMaxBps)
  );
}
