// Checks card number, brand, expiry and CVC validation, and that errors never leak the number or CVC.
import { describe, expect, it } from "vitest";
import { DomainError, type ErrorCode } from "../errors/domain-error";
import { type CardBrand, type CardInput, detectBrand, luhnValid, validateCard } from "./card";

const NOW = new Date("2025-06-15T12:00:00Z");

function card(overrides: Partial<CardInput> = {}): CardInput {
  return { number: "4242424242424242", expMonth: 12, expYear: 2030, cvc: "123", ...overrides };
}

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

describe("luhnValid", () => {
  it.each([
    ["4242424242424242", true],
    ["4000000000000002", true],
    ["378282246310005", true],
    ["0", true],
    ["4242424242424241", false],
    ["1234567812345678", false],
    ["", false],
    ["4242 4242 4242 4242", false],
    ["abc", false],
  ])("%j -> %s", (digits, expected) => {
    expect(luhnValid(digits)).toBe(expected);
  });
});

describe("detectBrand", () => {
  it.each([
    ["4242424242424242", "visa"],
    ["5105105105105100", "mastercard"],
    ["5555555555554444", "mastercard"],
    ["2221000000000009", "mastercard"],
    ["2720990000000000", "mastercard"],
    ["2220990000000000", "unknown"],
    ["2721000000000000", "unknown"],
    ["378282246310005", "amex"],
    ["341111111111111", "amex"],
    ["6011111111111117", "discover"],
    ["6445000000000000", "discover"],
    ["6500000000000000", "discover"],
    ["6430000000000000", "unknown"],
    ["30569309025904", "diners"],
    ["36227206271667", "diners"],
    ["3800000000000000", "diners"],
    ["3900000000000000", "diners"],
    ["3060000000000000", "unknown"],
    ["3528000000000000", "jcb"],
    ["3566002020360505", "jcb"],
    ["3589000000000000", "jcb"],
    ["3527000000000000", "unknown"],
    ["3590000000000000", "unknown"],
    ["6200000000000005", "unionpay"],
    ["1234567812345670", "unknown"],
    ["", "unknown"],
    ["4x", "unknown"],
  ] as [string, CardBrand][])("%s -> %s", (digits, brand) => {
    expect(detectBrand(digits)).toBe(brand);
  });
});

describe("validateCard", () => {
  it.each([
    ["plain digits", card(), "4242424242424242", "visa"],
    ["spaces", card({ number: "4242 4242 4242 4242" }), "4242424242424242", "visa"],
    ["dashes", card({ number: "4242-4242-4242-4242" }), "4242424242424242", "visa"],
    [
      "amex with a 4-digit cvc",
      card({ number: "3782 822463 10005", cvc: "1234" }),
      "378282246310005",
      "amex",
    ],
  ] as [string, CardInput, string, CardBrand][])("accepts %s", (_label, input, digits, brand) => {
    expect(validateCard(input, NOW)).toEqual({
      number: digits,
      expMonth: input.expMonth,
      expYear: input.expYear,
      brand,
      last4: digits.slice(-4),
    });
  });

  it.each([
    ["a Luhn failure", card({ number: "4242424242424241" }), "CARD_NUMBER_INVALID", ["card", "number"]],
    ["11 digits", card({ number: "42424242426" }), "CARD_NUMBER_INVALID", ["card", "number"]],
    ["20 digits", card({ number: "42424242424242424242" }), "CARD_NUMBER_INVALID", ["card", "number"]],
    ["dots", card({ number: "4242.4242.4242.4242" }), "CARD_NUMBER_INVALID", ["card", "number"]],
    ["tabs", card({ number: "4242\t4242424242424242" }), "CARD_NUMBER_INVALID", ["card", "number"]],
    ["letters", card({ number: "4242abcd42424242" }), "CARD_NUMBER_INVALID", ["card", "number"]],
    ["empty number", card({ number: "" }), "CARD_NUMBER_INVALID", ["card", "number"]],
    ["month 0", card({ expMonth: 0 }), "CARD_EXPIRY_INVALID", ["card", "expMonth"]],
    ["month 13", card({ expMonth: 13 }), "CARD_EXPIRY_INVALID", ["card", "expMonth"]],
    ["fractional month", card({ expMonth: 1.5 }), "CARD_EXPIRY_INVALID", ["card", "expMonth"]],
    ["two-digit year", card({ expYear: 30 }), "CARD_EXPIRY_INVALID", ["card", "expYear"]],
    ["year 2100", card({ expYear: 2100 }), "CARD_EXPIRY_INVALID", ["card", "expYear"]],
    ["year 1999", card({ expYear: 1999 }), "CARD_EXPIRY_INVALID", ["card", "expYear"]],
    ["last month", card({ expMonth: 5, expYear: 2025 }), "CARD_EXPIRED", null],
    ["last year", card({ expMonth: 12, expYear: 2024 }), "CARD_EXPIRED", null],
    ["2-digit cvc", card({ cvc: "12" }), "CARD_CVC_INVALID", ["card", "cvc"]],
    ["4-digit cvc on visa", card({ cvc: "1234" }), "CARD_CVC_INVALID", ["card", "cvc"]],
    [
      "3-digit cvc on amex",
      card({ number: "378282246310005", cvc: "123" }),
      "CARD_CVC_INVALID",
      ["card", "cvc"],
    ],
    ["non-digit cvc", card({ cvc: "12a" }), "CARD_CVC_INVALID", ["card", "cvc"]],
    ["cvc with spaces", card({ cvc: " 123" }), "CARD_CVC_INVALID", ["card", "cvc"]],
  ] as [string, CardInput, ErrorCode, string[] | null][])("rejects %s", (_label, input, code, field) => {
    const error = domainError(() => validateCard(input, NOW));
    expect(error.code).toBe(code);
    expect(error.field).toEqual(field);
    expect(error.retryable).toBe(false);
  });

  it.each([
    ["the last instant of the expiry month", "2025-06-30T23:59:59.999Z", true],
    ["the first instant after the expiry month", "2025-07-01T00:00:00.000Z", false],
    ["the first day of the expiry month", "2025-06-01T00:00:00.000Z", true],
  ])("treats a 06/2025 card at %s as valid: %s", (_label, iso, valid) => {
    const run = () => validateCard(card({ expMonth: 6, expYear: 2025 }), new Date(iso));
    if (valid) expect(run).not.toThrow();
    else expect(domainError(run).code).toBe("CARD_EXPIRED");
  });

  it("handles December expiry rolling into the next year", () => {
    expect(() =>
      validateCard(card({ expMonth: 12, expYear: 2025 }), new Date("2025-12-31T23:59:59Z")),
    ).not.toThrow();
    expect(
      domainError(() => validateCard(card({ expMonth: 12, expYear: 2025 }), new Date("2026-01-01T00:00:00Z")))
        .code,
    ).toBe("CARD_EXPIRED");
  });

  it.each([
    card({ number: "4242424242424241" }),
    card({ number: "4242 4242 4242 4243" }),
    card({ cvc: "98" }),
    card({ cvc: "9876" }),
    card({ expMonth: 13 }),
    card({ expYear: 2020 }),
  ])("never puts the number or cvc in the message (%#)", (input) => {
    const error = domainError(() => validateCard(input, NOW));
    const digitsOnly = input.number.replace(/\D/g, "");
    expect(error.message).not.toContain(digitsOnly);
    expect(error.message).not.toContain(digitsOnly.slice(-4));
    expect(error.message).not.toContain(input.cvc);
    expect(JSON.stringify(error)).not.toContain(digitsOnly);
  });
});
