// Goal: a stored idempotent response decodes to exactly the values first returned.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { decodeResult, encodeResult } from "./result-codec";

describe("result codec", () => {
  it("round-trips bigints beyond 2^53, dates and nested objects through JSON", () => {
    const value = {
      payment: {
        amountMinor: 9_007_199_254_740_993n,
        createdAt: new Date("2026-11-21T10:00:00.123Z"),
        tags: ["a"],
      },
      errors: [],
      nothing: null,
    };
    const stored = JSON.parse(JSON.stringify(encodeResult(value)));
    expect(decodeResult(stored)).toEqual(value);
  });

  it("round-trips a domain error with its code and field", () => {
    const error = new DomainError("AMOUNT_EXCEEDS_REFUNDABLE", "too much", { field: ["amount"] });
    const decoded = decodeResult(JSON.parse(JSON.stringify(encodeResult(error))));
    expect(decoded).toBeInstanceOf(DomainError);
    expect(decoded).toMatchObject({
      code: "AMOUNT_EXCEEDS_REFUNDABLE",
      message: "too much",
      field: ["amount"],
    });
  });
});
