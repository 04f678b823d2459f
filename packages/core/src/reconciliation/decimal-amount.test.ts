// Goal: report amounts in major units become exact minor units with each currency's exponent, and anything that
// is not exact (too many decimals, exponent notation, thousands separators) is refused rather than rounded.
import { describe, expect, it } from "vitest";
import type { CurrencyCode } from "../money/currency";
import { parseDecimalMinor } from "./decimal-amount";

describe("parseDecimalMinor", () => {
  it.each([
    ["12.34", "USD", 1234n],
    ["-5.00", "USD", -500n],
    ["0.1", "USD", 10n],
    ["12.340", "USD", 1234n],
    ["500", "JPY", 500n],
    ["500.0", "JPY", 500n],
    ["1.234", "KWD", 1234n],
    ["", "USD", 0n],
    ["99999999999999.99", "USD", 9999999999999999n],
  ] as [string, CurrencyCode, bigint][])("%s %s → %s", (text, currency, expected) => {
    expect(parseDecimalMinor(text, currency)).toBe(expected);
  });

  it.each([
    ["12.345", "USD"],
    ["1.5", "JPY"],
    ["1,234.56", "USD"],
    ["1e3", "USD"],
    ["12.", "USD"],
    [".5", "USD"],
    ["+1.00", "USD"],
    ["NaN", "USD"],
    ["1".repeat(30), "USD"],
  ] as [string, CurrencyCode][])("refuses %s %s", (text, currency) => {
    expect(parseDecimalMinor(text, currency)).toBeNull();
  });
});
