// Checks that settings which would silently disable or invert a rule are rejected up front.
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import { assertRiskSettings, DEFAULT_RISK_SETTINGS, RISK_DECISIONS, type RiskSettings } from "./risk-types";

function patched(patch: (s: RiskSettings) => void): RiskSettings {
  const settings = structuredClone(DEFAULT_RISK_SETTINGS);
  patch(settings);
  return settings;
}

describe("DEFAULT_RISK_SETTINGS", () => {
  it("holds the documented defaults", () => {
    expect(DEFAULT_RISK_SETTINGS).toEqual({
      reviewThreshold: 40,
      declineThreshold: 75,
      velocity: {
        card10mMax: 3,
        card1hMax: 6,
        card24hMax: 12,
        email1hMax: 6,
        ip1hMax: 10,
        device1hMax: 8,
        merchant10mMax: 1000,
        card24hAmountMaxMajor: 5000,
      },
      cardTesting: { smallAmountMajor: 2, smallAttempts10mMax: 3, declines1hMax: 3 },
      amountAnomaly: { minSamples: 20, zReview: 4, zHigh: 8 },
      impossibleTravel: { maxSpeedKmh: 900, minDistanceKm: 500 },
      firstUseLargeAmountMajor: 1000,
    });
    expect(() => assertRiskSettings(DEFAULT_RISK_SETTINGS)).not.toThrow();
  });

  it("cannot be mutated by a caller", () => {
    expect(Object.isFrozen(DEFAULT_RISK_SETTINGS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RISK_SETTINGS.velocity)).toBe(true);
  });

  it("orders decisions from mildest to harshest", () => {
    expect(RISK_DECISIONS).toEqual(["APPROVE", "REVIEW", "DECLINE"]);
  });
});

describe("assertRiskSettings", () => {
  it.each([
    [
      "review 0, decline 100",
      (s: RiskSettings) => Object.assign(s, { reviewThreshold: 0, declineThreshold: 100 }),
    ],
    [
      "decline one above review",
      (s: RiskSettings) => Object.assign(s, { reviewThreshold: 40, declineThreshold: 41 }),
    ],
    [
      "zero limits",
      (s: RiskSettings) => Object.assign(s.velocity, { card10mMax: 0, card24hAmountMaxMajor: 0 }),
    ],
    ["zHigh equal to zReview", (s: RiskSettings) => Object.assign(s.amountAnomaly, { zReview: 5, zHigh: 5 })],
    ["zero minimum distance", (s: RiskSettings) => Object.assign(s.impossibleTravel, { minDistanceKm: 0 })],
  ])("accepts %s", (_label, patch) => {
    expect(() => assertRiskSettings(patched(patch))).not.toThrow();
  });

  it.each([
    ["review below 0", (s: RiskSettings) => Object.assign(s, { reviewThreshold: -1 })],
    [
      "review above 100",
      (s: RiskSettings) => Object.assign(s, { reviewThreshold: 101, declineThreshold: 102 }),
    ],
    ["decline above 100", (s: RiskSettings) => Object.assign(s, { declineThreshold: 101 })],
    [
      "decline equal to review",
      (s: RiskSettings) => Object.assign(s, { reviewThreshold: 50, declineThreshold: 50 }),
    ],
    [
      "decline below review",
      (s: RiskSettings) => Object.assign(s, { reviewThreshold: 60, declineThreshold: 50 }),
    ],
    ["NaN threshold", (s: RiskSettings) => Object.assign(s, { reviewThreshold: Number.NaN })],
    ["negative count limit", (s: RiskSettings) => Object.assign(s.velocity, { ip1hMax: -1 })],
    ["fractional count limit", (s: RiskSettings) => Object.assign(s.velocity, { card1hMax: 2.5 })],
    ["fractional major amount", (s: RiskSettings) => Object.assign(s, { firstUseLargeAmountMajor: 999.99 })],
    ["NaN small amount", (s: RiskSettings) => Object.assign(s.cardTesting, { smallAmountMajor: Number.NaN })],
    ["one sample", (s: RiskSettings) => Object.assign(s.amountAnomaly, { minSamples: 1 })],
    ["zero zReview", (s: RiskSettings) => Object.assign(s.amountAnomaly, { zReview: 0 })],
    ["zHigh below zReview", (s: RiskSettings) => Object.assign(s.amountAnomaly, { zReview: 5, zHigh: 4 })],
    ["zero max speed", (s: RiskSettings) => Object.assign(s.impossibleTravel, { maxSpeedKmh: 0 })],
    ["infinite max speed", (s: RiskSettings) => Object.assign(s.impossibleTravel, { maxSpeedKmh: Infinity })],
    ["negative min distance", (s: RiskSettings) => Object.assign(s.impossibleTravel, { minDistanceKm: -1 })],
  ])("rejects %s", (_label, patch) => {
    expect(() => assertRiskSettings(patched(patch))).toThrow(InvariantError);
  });
});
