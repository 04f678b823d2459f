// Checks that operator notes lose emails, card numbers and the payment's own identifiers before reaching a signal.
import { describe, expect, it } from "vitest";
import { redactNote } from "./redact";
import { quietContext, TEST_EMAIL, TEST_FINGERPRINT } from "./testing/risk-context";

describe("redactNote", () => {
  const context = quietContext();
  it.each([
    ["chargeback fraud 2026-10", "chargeback fraud 2026-10"],
    [`ring with ${TEST_EMAIL}`, "ring with [redacted]"],
    ["ring with someone.else@example.org.", "ring with [redacted]"],
    ["card 4242424242424242 stolen", "card [redacted] stolen"],
    ["card 4242-4242-4242-4242 stolen", "card [redacted] stolen"],
    ["amex 3782 822463 10005", "amex [redacted]"],
    ["order 12345678901 is fine", "order 12345678901 is fine"],
    [`fp ${TEST_FINGERPRINT.toUpperCase()}!`, "fp [redacted]!"],
    ["", ""],
  ])("%j → %j", (note, expected) => {
    expect(redactNote(note, context)).toBe(expected);
  });

  it("redacts an email without an @ sign by exact match", () => {
    const odd = quietContext({ customer: { email: "not-an-address" } });
    expect(redactNote("see not-an-address", odd)).toBe("see [redacted]");
  });

  it("withholds the whole note when a secret overlaps the placeholder", () => {
    const odd = quietContext({ card: { fingerprint: "redacted" } });
    expect(redactNote("redacted", odd)).toBe("[note withheld]");
  });
});
