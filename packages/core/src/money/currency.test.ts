// Checks that only real ISO 4217 currencies parse, case-sensitively, and that exponents come from the ISO data.
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import { type CurrencyCode, currencyExponent, parseCurrency, supportedCurrencies } from "./currency";

describe("parseCurrency", () => {
  it.each(["USD", "EUR", "JPY", "KWD", "GBP", "CHF", "BHD", "CLF", "XAF", "XOF", "XPF"])(
    "accepts %s",
    (code) => {
      expect(parseCurrency(code)).toBe(code);
    },
  );

  it.each([
    ["lower case", "usd"],
    ["mixed case", "Usd"],
    ["too short", "US"],
    ["too long", "USDD"],
    ["empty", ""],
    ["padded", " USD"],
    ["trailing newline", "USD\n"],
    ["digits", "840"],
    ["unknown code", "ABC"],
    ["gold (no minor unit)", "XAU"],
    ["silver (no minor unit)", "XAG"],
    ["no currency", "XXX"],
    ["testing code", "XTS"],
    ["special drawing right", "XDR"],
  ])("rejects %s (%j)", (_label, input) => {
    expect(parseCurrency(input)).toBeNull();
  });
});

describe("currencyExponent", () => {
  it.each([
    ["JPY", 0],
    ["KRW", 0],
    ["USD", 2],
    ["EUR", 2],
    ["KWD", 3],
    ["BHD", 3],
    ["CLF", 4],
  ])("%s has exponent %i", (code, exponent) => {
    const currency = parseCurrency(code);
    expect(currency).not.toBeNull();
    expect(currencyExponent(currency as CurrencyCode)).toBe(exponent);
  });

  it("throws an InvariantError for a forged code", () => {
    expect(() => currencyExponent("XAU" as CurrencyCode)).toThrow(InvariantError);
  });
});

describe("supportedCurrencies", () => {
  it("is sorted, parses back, and excludes codes without a minor unit", () => {
    const all = supportedCurrencies();
    expect(all.length).toBeGreaterThan(150);
    expect([...all].sort()).toEqual(all);
    for (const code of all) {
      expect(parseCurrency(code)).toBe(code);
    }
    expect(all).not.toContain("XAU");
  });
});
