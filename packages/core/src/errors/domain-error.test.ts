// Checks that domain errors carry the right code, field and retryability, and that invariants throw a distinct error type.
import { describe, expect, it } from "vitest";
import {
  DomainError,
  ERROR_CODES,
  type ErrorCode,
  InvariantError,
  invariant,
  isDomainError,
} from "./domain-error";

describe("DomainError", () => {
  const retryableCodes: ErrorCode[] = [
    "IDEMPOTENCY_IN_PROGRESS",
    "PAYMENT_OPERATION_IN_PROGRESS",
    "PSP_UNAVAILABLE",
  ];

  it.each(ERROR_CODES.map((code) => [code, retryableCodes.includes(code)] as const))(
    "%s defaults retryable to %s",
    (code, retryable) => {
      expect(new DomainError(code, "x").retryable).toBe(retryable);
    },
  );

  it("lets the caller override retryable", () => {
    expect(new DomainError("PAYMENT_FAILED", "x", { retryable: true }).retryable).toBe(true);
    expect(new DomainError("PSP_UNAVAILABLE", "x", { retryable: false }).retryable).toBe(false);
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
