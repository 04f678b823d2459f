// Goal: the one set of merchant rules every caller goes through: settings within bounds with the review threshold
// below the decline threshold, names without control characters or card numbers, access policies with limits in
// range and origins in canonical spelling.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MERCHANT_SETTINGS,
  FEE_FIXED_MINOR_MAX,
  type MerchantSettings,
  validAccessPolicyChanges,
  validMerchantName,
  validMerchantSettings,
} from "./merchant";

describe("validMerchantSettings", () => {
  it.each<[string, Partial<MerchantSettings>, string | null]>([
    ["the defaults", {}, null],
    [
      "the extremes",
      {
        feeRateBps: 10_000,
        feeFixedMinor: FEE_FIXED_MINOR_MAX,
        riskReviewThreshold: 0,
        riskDeclineThreshold: 1,
      },
      null,
    ],
    ["a fee rate above 100%", { feeRateBps: 10_001 }, "feeRateBps"],
    ["a negative fee rate", { feeRateBps: -1 }, "feeRateBps"],
    ["a fractional fee rate", { feeRateBps: 2.5 }, "feeRateBps"],
    ["a negative fixed fee", { feeFixedMinor: -1n }, "feeFixedMinor"],
    ["a fixed fee of 16 digits", { feeFixedMinor: FEE_FIXED_MINOR_MAX + 1n }, "feeFixedMinor"],
    [
      "a review threshold of 100",
      { riskReviewThreshold: 100, riskDeclineThreshold: 100 },
      "riskReviewThreshold",
    ],
    ["a decline threshold of 0", { riskReviewThreshold: 0, riskDeclineThreshold: 0 }, "riskDeclineThreshold"],
    ["equal thresholds", { riskReviewThreshold: 60, riskDeclineThreshold: 60 }, "riskReviewThreshold"],
    [
      "thresholds in the wrong order",
      { riskReviewThreshold: 80, riskDeclineThreshold: 70 },
      "riskReviewThreshold",
    ],
  ])("%s", (_label, change, field) => {
    const settings = { ...DEFAULT_MERCHANT_SETTINGS, ...change };
    if (field === null) expect(validMerchantSettings(settings)).toEqual(settings);
    else
      expect(() => validMerchantSettings(settings)).toThrow(
        expect.objectContaining({ code: "INVALID_INPUT", field: [field] }),
      );
  });
});

describe("validMerchantName", () => {
  it.each([
    ["  Initech  ", "Initech", null],
    ["", null, "INVALID_INPUT"],
    ["x".repeat(201), null, "INVALID_INPUT"],
    ["Acme\u0000", null, "INVALID_INPUT"],
    ["Shop 4242 4242 4242 4242", null, "CARD_NUMBER_IN_TEXT"],
  ])("%j", (raw, expected, code) => {
    if (code === null) expect(validMerchantName(raw)).toBe(expected);
    else expect(() => validMerchantName(raw)).toThrow(expect.objectContaining({ code, field: ["name"] }));
  });
});

describe("validAccessPolicyChanges", () => {
  it("keeps only the given fields, nulls restoring the default, origins canonical", () => {
    expect(
      validAccessPolicyChanges({
        rateLimitKeyPerSecond: null,
        allowedOrigins: ["https://Shop.example:443", "https://shop.example"],
      }),
    ).toEqual({ rateLimitKeyPerSecond: null, allowedOrigins: ["https://shop.example"] });
  });

  it.each([
    ["rateLimitKeyPerSecond", { rateLimitKeyPerSecond: 0 }],
    ["rateLimitKeyPerSecond", { rateLimitKeyPerSecond: 100_001 }],
    ["rateLimitTokenizePerMinute", { rateLimitTokenizePerMinute: 1.5 }],
    ["concurrentQueriesMax", { concurrentQueriesMax: 1_001 }],
    ["allowedOrigins", { allowedOrigins: ["*"] }],
    ["allowedOrigins", { allowedOrigins: ["https://shop.example/path"] }],
  ])("refuses a bad %s", (field, changes) => {
    expect(() => validAccessPolicyChanges(changes)).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", field: [field] }),
    );
  });
});
