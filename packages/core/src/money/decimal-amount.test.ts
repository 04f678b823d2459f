// Goal: amounts written in major units become exact minor units with each currency's exponent, under one written
// rule for sign, grouping, leading zeros, precision and bounds; anything not exact is refused rather than rounded.
import { describe, expect, it } from "vitest";
import { type CurrencyCode, parseCurrency } from "./currency";
import { DECIMAL_AMOUNT_LENGTH_MAX, type DecimalAmountRules, parseDecimalAmount } from "./decimal-amount";
import { maxAmountMinor } from "./money";

function currency(code: string): CurrencyCode {
  const parsed = parseCurrency(code);
  if (parsed === null) throw new Error(`bad test currency ${code}`);
  return parsed;
}

const SIGNED: DecimalAmountRules = { negative: true, maximumMinor: 10n ** 18n - 1n };

describe("parseDecimalAmount accepts", () => {
  it.each([
    ["12.34", "USD", {}, 1234n],
    ["12.5", "EUR", {}, 1250n],
    ["12.50", "EUR", {}, 1250n],
    ["0.1", "USD", {}, 10n],
    ["0", "USD", {}, 0n],
    ["0.00", "USD", {}, 0n],
    ["12.340", "USD", {}, 1234n],
    ["500", "JPY", {}, 500n],
    ["500.0", "JPY", {}, 500n],
    ["1.234", "KWD", {}, 1234n],
    ["0.001", "KWD", {}, 1n],
    ["  12.34\t", "USD", {}, 1234n],
    ["9999999999.99", "USD", {}, maxAmountMinor(currency("USD"))],
    ["-5.00", "USD", SIGNED, -500n],
    ["-0.001", "KWD", SIGNED, -1n],
    ["99999999999999.99", "USD", SIGNED, 9999999999999999n],
  ] as [string, string, DecimalAmountRules, bigint][])("%j %s %o → %s", (text, code, rules, expected) => {
    expect(parseDecimalAmount(text, currency(code), rules)).toEqual({ ok: true, amountMinor: expected });
  });
});

describe("parseDecimalAmount refuses", () => {
  it.each([
    ["", "USD", {}, "malformed"],
    ["   ", "USD", {}, "malformed"],
    ["1,234.56", "USD", {}, "malformed"],
    ["1 234.56", "USD", {}, "malformed"],
    ["1'234.56", "CHF", {}, "malformed"],
    ["12,34", "EUR", {}, "malformed"],
    ["1e3", "USD", {}, "malformed"],
    ["12.", "USD", {}, "malformed"],
    [".5", "USD", {}, "malformed"],
    ["+1.00", "USD", SIGNED, "malformed"],
    ["--1", "USD", SIGNED, "malformed"],
    ["007", "USD", {}, "malformed"],
    ["00.50", "USD", {}, "malformed"],
    ["-01.00", "USD", SIGNED, "malformed"],
    ["NaN", "USD", {}, "malformed"],
    ["Infinity", "USD", {}, "malformed"],
    ["0x10", "USD", {}, "malformed"],
    ["١٢", "USD", {}, "malformed"],
    ["$12", "USD", {}, "malformed"],
    ["1".repeat(DECIMAL_AMOUNT_LENGTH_MAX + 1), "USD", SIGNED, "too_long"],
    ["-1", "USD", {}, "negative"],
    ["-0.00", "USD", {}, "negative"],
    ["12.345", "USD", {}, "too_precise"],
    ["1.5", "JPY", {}, "too_precise"],
    ["1.0001", "KWD", {}, "too_precise"],
    ["12.3401", "USD", {}, "too_precise"],
    ["10000000000.00", "USD", {}, "too_large"],
    ["10000000000", "JPY", {}, "too_large"],
    ["-1000000000000000000", "JPY", SIGNED, "too_large"],
    ["5.01", "USD", { maximumMinor: 500n }, "too_large"],
  ] as [string, string, DecimalAmountRules, string][])("%j %s %o: %s", (text, code, rules, reason) => {
    expect(parseDecimalAmount(text, currency(code), rules)).toEqual({ ok: false, reason });
  });
});
