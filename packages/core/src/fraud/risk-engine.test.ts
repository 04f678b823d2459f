// Checks score combination and the decision table: deny beats allow, allow beats thresholds, degraded never approves.
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import { assessRisk, combineScores } from "./risk-engine";
import {
  DEFAULT_RISK_SETTINGS,
  type ListHit,
  type RiskContext,
  type RiskDecision,
  type RiskSettings,
  type RiskSignal,
} from "./risk-types";
import { quietContext, velocityCounts } from "./testing/risk-context";

const sig = (weight: number, score: number, name = "x"): RiskSignal => ({ name, weight, score, detail: "" });

describe("combineScores", () => {
  it.each([
    ["no signals", [], 0],
    ["one signal counts by its weight", [sig(0.8, 60)], 48],
    ["binary rounding does not cost a point (0.57 × 100)", [sig(0.57, 100)], 57],
    ["a full-weight certainty", [sig(1, 100)], 100],
    ["weight zero is informational", [sig(0, 100)], 0],
    ["two independent halves compound", [sig(0.5, 100), sig(0.5, 100)], 75],
    ["rounds down: 100 is kept for certainty", [sig(0.5, 1)], 0],
    ["many strong signals stay below 100", [sig(0.99, 99), sig(0.99, 99), sig(0.99, 99)], 99],
    ["rounds down below half", [sig(0.4, 1)], 0],
    ["out-of-range inputs are clamped", [sig(2, 150)], 100],
    ["negative inputs count as nothing", [sig(-1, 50), sig(0.5, -20)], 0],
    ["non-finite inputs count as nothing", [sig(Number.NaN, 50), sig(0.5, Number.NaN)], 0],
  ])("%s", (_label, signals, expected) => {
    expect(combineScores(signals)).toBe(expected);
  });
});

const deny: ListHit = { list: "DENY", kind: "EMAIL", note: "chargeback fraud 2026-10" };
const allow: ListHit = { list: "ALLOW", kind: "FINGERPRINT", note: null };

/** Card testing far over its limits: 0.9 × 95 ≈ 86, above the default decline threshold. */
const declineWorthy: Partial<RiskContext["velocity"]> = { smallAttempts10m: { ip: 40, card: 40 } };
/** One card-velocity window just over: 0.8 × 60 = 48, between review and decline. */
const reviewWorthy: Partial<RiskContext["velocity"]> = { card: velocityCounts({ count10m: 4 }) };

describe("assessRisk decision table", () => {
  it.each([
    ["quiet payment", [], "redis", {}, "APPROVE", 0],
    ["review-worthy", [], "redis", reviewWorthy, "REVIEW", 48],
    ["decline-worthy", [], "redis", declineWorthy, "DECLINE", 85],
    ["deny hit", [deny], "redis", {}, "DECLINE", 100],
    ["deny beats allow", [allow, deny], "redis", {}, "DECLINE", 100],
    ["allow beats a decline-worthy score", [allow], "redis", declineWorthy, "APPROVE", 85],
    ["allow beats a review-worthy score", [allow], "postgres", reviewWorthy, "APPROVE", 48],
    ["degraded quiet payment is held", [], "unavailable", {}, "REVIEW", 0],
    ["degraded allow is still held", [allow], "unavailable", {}, "REVIEW", 0],
    ["degraded deny still declines", [deny], "unavailable", {}, "DECLINE", 100],
    ["degraded high score still declines", [], "unavailable", declineWorthy, "DECLINE", 85],
  ] as [
    string,
    ListHit[],
    RiskContext["velocity"]["source"],
    Partial<RiskContext["velocity"]>,
    RiskDecision,
    number,
  ][])("%s → %s", (_label, listHits, source, velocity, decision, score) => {
    const result = assessRisk(quietContext({ listHits, velocity: { ...velocity, source } }));
    expect(result.decision).toBe(decision);
    expect(result.score).toBe(score);
    expect(result.degraded).toBe(source === "unavailable");
  });

  it.each([
    ["just below review", { reviewThreshold: 49, declineThreshold: 75 }, "APPROVE"],
    ["at review", { reviewThreshold: 48, declineThreshold: 75 }, "REVIEW"],
    ["just below decline", { reviewThreshold: 10, declineThreshold: 49 }, "REVIEW"],
    ["at decline", { reviewThreshold: 10, declineThreshold: 48 }, "DECLINE"],
  ])("score 48 %s → %s", (_label, thresholds, decision) => {
    const settings: RiskSettings = { ...DEFAULT_RISK_SETTINGS, ...thresholds };
    expect(assessRisk(quietContext({ velocity: reviewWorthy }), settings).decision).toBe(decision);
  });

  it("keeps every signal on an allow-listed payment so reviewers see what was overridden", () => {
    const result = assessRisk(quietContext({ listHits: [allow], velocity: declineWorthy }));
    expect(result.signals.map((s) => s.name)).toEqual(["card_testing", "allow_list"]);
  });

  it("keeps every signal on a denied payment", () => {
    const result = assessRisk(quietContext({ listHits: [deny], velocity: reviewWorthy }));
    expect(result.signals.map((s) => s.name)).toEqual(["deny_list", "card_velocity"]);
  });

  it("explains a degraded decision", () => {
    const result = assessRisk(quietContext({ velocity: { source: "unavailable" } }));
    expect(result.signals).toEqual([
      expect.objectContaining({
        name: "velocity_unavailable",
        detail: expect.stringMatching(/could not run/),
      }),
    ]);
  });

  it("sorts signals by weight × score, strongest first", () => {
    const result = assessRisk(
      quietContext({
        ipCountry: "FR",
        customer: { billingCountry: "DE" },
        firstUseAtMerchant: true,
        amountMinor: 150_000n,
        velocity: { card: velocityCounts({ count10m: 4 }), merchant: velocityCounts({ count10m: 5000 }) },
      }),
    );
    expect(result.signals.map((s) => [s.name, s.weight * s.score])).toEqual([
      ["card_velocity", 48],
      ["country_mismatch", 36],
      ["merchant_velocity", 24],
      ["first_use_large_amount", 20],
    ]);
    // 1 − (0.52 × 0.64 × 0.76 × 0.8) = 0.7976…, floored
    expect(result.score).toBe(79);
    expect(result.decision).toBe("DECLINE");
  });

  it.each([
    ["decline equal to review", { reviewThreshold: 50, declineThreshold: 50 }],
    ["threshold above 100", { reviewThreshold: 40, declineThreshold: 101 }],
  ])("rejects settings with %s", (_label, thresholds) => {
    expect(() => assessRisk(quietContext(), { ...DEFAULT_RISK_SETTINGS, ...thresholds })).toThrow(
      InvariantError,
    );
  });
});
