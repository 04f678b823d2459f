// Checks that untrusted amounts parse to exact bigint minor units and that money formats without floating point.
import { describe, expect, it } from "vitest";
import { DomainError, InvariantError } from "../errors/domain-error";
import { type CurrencyCode, parseCurrency } from "./currency";
import {
  formatMinorUnits,
  formatMoney,
  MAX_AMOUNT_DIGITS,
  MAX_AMOUNT_MINOR,
  maxAmountMinor,
  money,
  parseAmountMinor,
  readMinorDigits,
} from "./money";

function currency(code: string): CurrencyCode {
  const parsed = parseCurrency(code);
  if (!parsed) throw new Error(`bad test currency ${code}`);
  return parsed;
}

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

describe("parseAmountMinor", () => {
  it.each([
    ["bigint", 1234n, 1234n],
    ["number", 1234, 1234n],
    ["string", "1234", 1234n],
    ["the maximum as a number", 999_999_999_999_999, 999_999_999_999_999n],
    ["10^14 string", "100000000000000", 100000000000000n],
    ["max as string", "999999999999999", MAX_AMOUNT_MINOR],
    ["max as bigint", MAX_AMOUNT_MINOR, MAX_AMOUNT_MINOR],
    ["one", "1", 1n],
  ])("accepts %s", (_label, input, expected) => {
    expect(parseAmountMinor(input)).toBe(expected);
  });

  it.each([
    ["zero bigint", 0n],
    ["zero number", 0],
    ["zero string", "0"],
    ["negative zero", -0],
    ["negative bigint", -1n],
    ["negative number", -5],
    ["negative string", "-5"],
    ["fraction number", 12.5],
    ["decimal string", "12.50"],
    ["decimal string with zero fraction", "12.0"],
    ["exponent string", "1e3"],
    ["leading plus", "+5"],
    ["leading zero", "0123"],
    ["double zero", "00"],
    ["leading space", " 5"],
    ["trailing space", "5 "],
    ["inner underscore", "1_000"],
    ["empty string", ""],
    ["hex string", "0x10"],
    ["arabic-indic digits", "\u0661\u0662"],
    ["full-width digits", "\uff11\uff12"],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["unsafe number", 2 ** 53],
    ["huge number", 1e20],
    ["null", null],
    ["undefined", undefined],
    ["boolean", true],
    ["object", { amount: 5 }],
    ["array", [5]],
  ])("rejects %s with AMOUNT_INVALID", (_label, input) => {
    const error = errorOf(() => parseAmountMinor(input));
    expect(error.code).toBe("AMOUNT_INVALID");
    expect(error.field).toEqual(["amount"]);
  });

  it.each([
    ["max + 1 bigint", MAX_AMOUNT_MINOR + 1n],
    ["max + 1 string", "1000000000000000"],
    ["the old global maximum", "999999999999999999"],
    ["max safe number", Number.MAX_SAFE_INTEGER],
    ["string above 2^53", "9007199254740993"],
    ["very long digit string", "9".repeat(100_000)],
  ])("rejects %s with AMOUNT_TOO_LARGE", (_label, input) => {
    expect(errorOf(() => parseAmountMinor(input)).code).toBe("AMOUNT_TOO_LARGE");
  });

  it.each([[0n], [0], ["0"]])("allows zero %s when asked", (input) => {
    expect(parseAmountMinor(input, { allowZero: true })).toBe(0n);
  });

  it("still rejects negatives when zero is allowed", () => {
    expect(errorOf(() => parseAmountMinor(-1n, { allowZero: true })).code).toBe("AMOUNT_INVALID");
  });

  it.each([
    // Ten billion major units minus one minor unit, by exponent.
    ["USD", 999_999_999_999n],
    ["EUR", 999_999_999_999n],
    ["JPY", 9_999_999_999n],
    ["KWD", 9_999_999_999_999n],
    ["CLF", 99_999_999_999_999n],
    // Ten trillion for currencies of over about 1,000 units to the dollar.
    ["VND", 9_999_999_999_999n],
    ["IDR", 999_999_999_999_999n],
    ["IQD", 9_999_999_999_999n],
  ])("the maximum in %s is %s minor units, accepted, and one more is AMOUNT_TOO_LARGE", (code, maximum) => {
    expect(maxAmountMinor(currency(code))).toBe(maximum);
    expect(parseAmountMinor(maximum.toString(), { currency: currency(code) })).toBe(maximum);
    const error = errorOf(() => parseAmountMinor((maximum + 1n).toString(), { currency: currency(code) }));
    expect(error.code).toBe("AMOUNT_TOO_LARGE");
    expect(error.message).toContain(code);
  });

  it("the global maximum is the largest per-currency one", () => {
    expect(MAX_AMOUNT_MINOR).toBe(maxAmountMinor(currency("IDR")));
  });

  it("reports a custom field path", () => {
    expect(errorOf(() => parseAmountMinor("x", { field: ["refund", "amount"] })).field).toEqual([
      "refund",
      "amount",
    ]);
  });
});

describe("readMinorDigits, the one rule for amounts as text", () => {
  it.each([
    ["0", 0n],
    ["7", 7n],
    ["100", 100n],
    ["999999999999999", 999_999_999_999_999n],
    ["0100", "not_canonical"],
    ["00", "not_canonical"],
    ["", "not_canonical"],
    ["+1", "not_canonical"],
    ["-1", "not_canonical"],
    ["1.5", "not_canonical"],
    ["1e3", "not_canonical"],
    [" 1", "not_canonical"],
    ["1 ", "not_canonical"],
    ["1_000", "not_canonical"],
    ["١٢", "not_canonical"],
    ["1000000000000000", "too_long"],
    ["9".repeat(40), "too_long"],
  ] as [string, bigint | "not_canonical" | "too_long"][])("%s -> %s", (text, expected) => {
    expect(readMinorDigits(text)).toEqual(
      typeof expected === "bigint" ? { ok: true, amountMinor: expected } : { ok: false, reason: expected },
    );
  });

  it("allows exactly the digits of the largest amount", () => {
    expect(MAX_AMOUNT_DIGITS).toBe(MAX_AMOUNT_MINOR.toString().length);
  });

  it.each([
    ["0100", "AMOUNT_INVALID"],
    ["1000000000000000", "AMOUNT_TOO_LARGE"],
  ])("parseAmountMinor applies it: %s is %s", (text, code) => {
    expect(errorOf(() => parseAmountMinor(text)).code).toBe(code);
  });
});

describe("formatMinorUnits, the one minor-to-decimal formatter", () => {
  it.each([
    [123456n, "USD", "1234.56"],
    [5n, "USD", "0.05"],
    [0n, "USD", "0.00"],
    [-500n, "USD", "-5.00"],
    [500n, "JPY", "500"],
    [-7n, "JPY", "-7"],
    [1234n, "KWD", "1.234"],
    [1n, "KWD", "0.001"],
    [12345n, "CLF", "1.2345"],
    [900719925474099312n, "USD", "9007199254740993.12"],
  ])("%s minor %s -> %s", (amountMinor, code, expected) => {
    expect(formatMinorUnits(amountMinor, currency(code))).toBe(expected);
  });
});

describe("formatMoney", () => {
  it.each([
    [123456n, "USD", "1234.56 USD"],
    [5n, "USD", "0.05 USD"],
    [50n, "USD", "0.50 USD"],
    [100n, "USD", "1.00 USD"],
    [0n, "USD", "0.00 USD"],
    [500n, "JPY", "500 JPY"],
    [0n, "JPY", "0 JPY"],
    [1234n, "KWD", "1.234 KWD"],
    [1n, "KWD", "0.001 KWD"],
    [12345n, "CLF", "1.2345 CLF"],
    [-250n, "EUR", "-2.50 EUR"],
    [-7n, "JPY", "-7 JPY"],
    [MAX_AMOUNT_MINOR, "USD", "9999999999999.99 USD"],
    [9007199254740993n, "USD", "90071992547409.93 USD"],
  ])("formats %s minor %s as %s", (amountMinor, code, expected) => {
    expect(formatMoney(money(amountMinor, currency(code)))).toBe(expected);
  });
});

describe("money", () => {
  it("builds a frozen value", () => {
    const value = money(10n, currency("USD"));
    expect(value).toEqual({ amountMinor: 10n, currency: "USD" });
    expect(Object.isFrozen(value)).toBe(true);
  });

  it("rejects a JS number smuggled past the type system", () => {
    expect(() => money(10 as unknown as bigint, currency("USD"))).toThrow(InvariantError);
  });

  it("rejects a currency that was not parsed", () => {
    expect(() => money(10n, "usd" as CurrencyCode)).toThrow(InvariantError);
  });
});
