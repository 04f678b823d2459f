// Checks that domain errors carry the right code, field and retryability (from the one table of codes), and that
// invariants throw a distinct error type.
import { describe, expect, it } from "vitest";
import {
  DomainError,
  ERROR_CODES,
  ERROR_TABLE,
  type ErrorCode,
  InvariantError,
  invariant,
  isDomainError,
  isRetryable,
  type RetryAdvice,
  SAME_KEY_RETRY_CODES,
} from "./domain-error";

describe("the table of codes", () => {
  // Written out here on purpose: changing a code's advice must be a visible decision, not a side effect.
  const advice: Partial<Record<ErrorCode, RetryAdvice>> = {
    IDEMPOTENCY_IN_PROGRESS: "same_key",
    PAYMENT_OPERATION_IN_PROGRESS: "same_key",
    PSP_NOT_REACHED: "new_key",
  };

  it.each(ERROR_CODES.map((code) => [code, advice[code] ?? "no"] as const))("%s: retry %s", (code, retry) => {
    expect(ERROR_TABLE[code].retry).toBe(retry);
    expect(isRetryable(code)).toBe(retry !== "no");
    expect(new DomainError(code, "x").retryable).toBe(retry !== "no");
    expect(SAME_KEY_RETRY_CODES.has(code)).toBe(retry === "same_key");
  });

  it.each([
    ["PSP_NOT_REACHED", true],
    ["PAYMENT_OUTCOME_PENDING", false],
    ["PSP_NOT_CONFIGURED", false],
  ] as const)(
    "%s, one of the three codes that replaced PSP_UNAVAILABLE, is retryable: %s",
    (code, retryable) => {
      expect(isRetryable(code)).toBe(retryable);
    },
  );

  it("PSP_UNAVAILABLE, which meant three things, is gone", () => {
    expect(ERROR_CODES).not.toContain("PSP_UNAVAILABLE");
  });

  it.each(ERROR_CODES.map((code) => [code]))("%s has a description", (code) => {
    expect(ERROR_TABLE[code].description.length).toBeGreaterThan(10);
  });
});

describe("DomainError", () => {
  it("lets the caller override retryable", () => {
    expect(new DomainError("PAYMENT_FAILED", "x", { retryable: true }).retryable).toBe(true);
    expect(new DomainError("PSP_NOT_REACHED", "x", { retryable: false }).retryable).toBe(false);
  });

  it("keeps code, message and field, and copies the field path", () => {
    const field = ["card", "number"];
    const error = new DomainError("CARD_NUMBER_INVALID", "card number is invalid", { field });
    field.push("mutated");
    expect(error.code).toBe("CARD_NUMBER_INVALID");
    expect(error.message).toBe("card number is invalid");
    expect(error.field).toEqual(["card", "number"]);
    expect(error.name).toBe("DomainError");
    expect(error).toBeInstanceOf(Error);
  });

  it("has a null field when none is given", () => {
    expect(new DomainError("INVALID_INPUT", "x").field).toBeNull();
  });
});

describe("isDomainError", () => {
  it.each([
    ["a DomainError", new DomainError("INVALID_INPUT", "x"), true],
    ["a plain Error", new Error("x"), false],
    ["an InvariantError", new InvariantError("x"), false],
    ["a look-alike object", { code: "INVALID_INPUT", message: "x" }, false],
    ["null", null, false],
  ])("%s -> %s", (_label, value, expected) => {
    expect(isDomainError(value)).toBe(expected);
  });
});

describe("invariant", () => {
  it.each([[true], [1], ["x"], [{}]])("passes for truthy %j", (condition) => {
    expect(() => invariant(condition, "boom")).not.toThrow();
  });

  it.each([[false], [0], [""], [null], [undefined]])("throws InvariantError for falsy %j", (condition) => {
    expect(() => invariant(condition, "boom")).toThrow(InvariantError);
    expect(() => invariant(condition, "boom")).toThrow("boom");
  });

  it("is not a DomainError, so it is never shown to a client as one", () => {
    expect(isDomainError(new InvariantError("x"))).toBe(false);
  });
});
