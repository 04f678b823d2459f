import {
  assertRiskSettings,
  DEFAULT_RISK_SETTINGS,
  type RiskAssessment,
  type RiskContext,
  type RiskDecision,
  type RiskSettings,
  type RiskSignal,
} from "./risk-types";
import { RISK_RULES } from "./rules";

export { assertRiskSettings } from "./risk-types";

function unitInterval(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/**
 * Noisy-OR: each signal is an independent chance the payment is fraud, so independent
 * indicators compound, while one strong signal counts exactly by its weight.
 */
const FLOAT_SLACK = 1e-9;

export function combineScores(signals: RiskSignal[]): number {
  // Multiplying in sorted order makes the result independent of signal order and keeps it
  // monotone under floating-point rounding: an extra factor ≤ 1 can only shrink the product.
  const factors = signals
    .map((s) => 1 - unitInterval(s.weight) * unitInterval(s.score / 100))
    .sort((a, b) => a - b);
  let survival = 1;
  for (const factor of factors) {
    survival *= factor;
  }
  // Floor, not round: 100 is kept for certainty (a deny-list verdict), never reached by piling up evidence.
  // The 1e-9 absorbs binary rounding: one signal of weight 0.57 and score 100 is 57, not 56.99999999999999.
  return Math.min(100, Math.max(0, Math.floor(100 * (1 - survival) + FLOAT_SLACK)));
}

function decisionByThresholds(score: number, settings: RiskSettings): RiskDecision {
  if (score >= settings.declineThreshold) return "DECLINE";
  if (score >= settings.reviewThreshold) return "REVIEW";
  return "APPROVE";
}

function impact(signal: RiskSignal): number {
  return signal.weight * signal.score;
}

export function assessRisk(
  context: RiskContext,
  settings: RiskSettings = DEFAULT_RISK_SETTINGS,
): RiskAssessment {
  assertRiskSettings(settings);
  const signals = RISK_RULES.map((rule) => rule.evaluate(context, settings))
    .filter((s): s is RiskSignal => s !== null)
    // Stable sort: equal impact keeps rule order, so the explanation is deterministic.
    .sort((a, b) => impact(b) - impact(a));
  const degraded = context.velocity.source === "unavailable";

  // An operator's deny entry is a verdict, not evidence: nothing may outvote it.
  if (context.listHits.some((hit) => hit.list === "DENY")) {
    return { score: 100, decision: "DECLINE", signals, degraded };
  }

  const score = combineScores(signals);
  let decision: RiskDecision = context.listHits.some((hit) => hit.list === "ALLOW")
    ? "APPROVE"
    : decisionByThresholds(score, settings);
  // Without velocity data the card-testing and velocity rules were blind; approving would fail open.
  if (degraded && decision === "APPROVE") {
    decision = "REVIEW";
  }
  return { score, decision, signals, degraded };
}
