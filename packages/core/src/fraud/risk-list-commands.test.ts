// Goal: list values are stored in the spelling the scorer compares (so an entry always matches), and anything
// that is not a value of its kind is refused with INVALID_INPUT on `value`.
import { describe, expect, it } from "vitest";
import type { RiskListKind } from "../ports/risk-list-store";
import { normaliseRiskListValue } from "./risk-list-commands";

const FINGERPRINT = "ab".repeat(32);

describe("normaliseRiskListValue", () => {
  it.each<[RiskListKind, string, string]>([
    ["EMAIL", " Fraud@Example.COM ", "fraud@example.com"],
    ["IP", "203.0.113.9", "203.0.113.9"],
    ["IP", "::ffff:203.0.113.9", "203.0.113.9"],
    ["BIN", "424242", "424242"],
    ["BIN", "42424242", "42424242"],
    ["FINGERPRINT", FINGERPRINT.toUpperCase(), FINGERPRINT],
  ])("%s %j is stored as %j", (kind, raw, expected) => {
    expect(normaliseRiskListValue(kind, raw)).toBe(expected);
  });

  it.each<[RiskListKind, string]>([
    ["EMAIL", "not an email"],
    ["EMAIL", "a\u0000@b.co"],
    ["IP", "300.1.1.1"],
    ["BIN", "42x"],
    ["BIN", "42424"],
    ["FINGERPRINT", "ab".repeat(31)],
    ["BIN", ""],
  ])("refuses %s %j", (kind, raw) => {
    expect(() => normaliseRiskListValue(kind, raw)).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", field: ["value"] }),
    );
  });
});
