// Goal: each risk rule trips exactly above its threshold (exact integer rates), never below the minimum sample, and
// refunds are judged before disputes before declines.
import { describe, expect, it } from "vitest";
import { type RiskSignalCounts, trippedRiskRule } from "./risk-signals";

const THRESHOLDS = {
  windowDays: 30,
  minPayments: 10,
  refundRateMaxBps: 1_000,
  disputeRateMaxBps: 100,
  declineRateMaxBps: 5_000,
};
const base: RiskSignalCounts = {
  merchantId: "mer_x",
  payments: 100,
  decided: 100,
  declined: 0,
  captured: 100,
  refunded: 0,
  disputes: 0,
};

describe("risk signals", () => {
  it.each([
    ["refunds at the threshold", { refunded: 10 }, null],
    ["refunds above it", { refunded: 11 }, "risk_signals.refund_rate"],
    ["disputes at the threshold", { disputes: 1 }, null],
    ["disputes above it", { disputes: 2 }, "risk_signals.dispute_rate"],
    ["declines at the threshold", { declined: 50 }, null],
    ["declines above it", { declined: 51 }, "risk_signals.decline_rate"],
    ["refunds before disputes", { refunded: 50, disputes: 50 }, "risk_signals.refund_rate"],
    ["too few payments", { payments: 9, refunded: 9 }, null],
    ["nothing captured", { captured: 0, refunded: 0, disputes: 3 }, null],
  ] as const)("%s", (_name, change, rule) => {
    expect(trippedRiskRule({ ...base, ...change }, THRESHOLDS)?.rule ?? null).toBe(rule);
  });

  it("reports the exact rate in basis points", () => {
    expect(trippedRiskRule({ ...base, captured: 3, refunded: 2 }, THRESHOLDS)).toEqual({
      rule: "risk_signals.refund_rate",
      count: 2,
      of: 3,
      rateBps: 6_666,
      maxBps: 1_000,
    });
  });
});
