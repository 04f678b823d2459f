// Goal: amounts on screen use each currency's exponent and symbol, built from bigint minor units by string
// arithmetic, so amounts beyond 2^53 stay exact; operators' typed amounts parse back exactly.
import { describe, expect, it } from "vitest";
import * as money from "./money";

const { decimalToMinor, formatAmount } = money;

describe("formatAmount", () => {
  it.each([
    ["123456", "USD", "$1,234.56"],
    ["5", "USD", "$0.05"],
    ["500", "JPY", "¥500"],
    ["1234", "KWD", "KWD 1.234"],
    ["999999999999999999", "USD", "$9,999,999,999,999,999.99"],
    ["0", "EUR", "€0.00"],
  ])("%s minor units of %s → %s", (minor, currency, expected) => {
    expect(formatAmount(minor, currency).replace(/\u00a0/g, " ")).toBe(expected);
  });

  it("keeps digits past 2^53 exact", () => {
    expect(formatAmount("9007199254740993", "USD")).toBe("$90,071,992,547,409.93");
  });
});

describe("one formatter", () => {
  it("has no formatter, parser or exponent table of its own: all are the core's", () => {
    expect(Object.keys(money).sort()).toEqual(["decimalToMinor", "formatAmount"]);
  });
});

describe("decimalToMinor", () => {
  it.each([
    ["12.5", "EUR", 1250n],
    ["12.50", "EUR", 1250n],
    ["500", "JPY", 500n],
    ["1.234", "KWD", 1234n],
    ["1.5", "JPY", null],
    ["1.001", "USD", null],
    // The core's one rule: exact trailing zeros are the same amount; a leading zero is not an amount's spelling.
    ["12.500", "EUR", 1250n],
    ["007", "USD", null],
    ["1,234.56", "USD", null],
    ["10000000000", "USD", null],
    ["-1", "USD", null],
    ["1e3", "USD", null],
    ["10", "ZZZ", null],
  ])("%s %s → %s", (input, currency, expected) => {
    expect(decimalToMinor(input, currency)).toBe(expected);
  });
});
