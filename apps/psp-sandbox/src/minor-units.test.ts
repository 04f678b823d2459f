// Goal: minor units become major-unit decimals exactly, with each currency's ISO 4217 exponent, through the
// core's one formatter (whatever case the PSP writes the currency in), and read back through the core's one
// decimal reader.
import { supportedCurrencies } from "@paycore/core/money/currency";
import { formatMinorUnits as coreFormatMinorUnits, MAX_AMOUNT_MINOR } from "@paycore/core/money/money";
import { describe, expect, it } from "vitest";
import { basisPointsOf, formatMinorUnits, readMinorUnits } from "./minor-units";

describe("formatMinorUnits", () => {
  it.each([
    [1234n, "USD", "12.34"],
    [5n, "USD", "0.05"],
    [0n, "USD", "0.00"],
    [-500n, "USD", "-5.00"],
    [500n, "JPY", "500"],
    [-7n, "JPY", "-7"],
    [1234n, "KWD", "1.234"],
    [1n, "KWD", "0.001"],
    [900719925474099312n, "USD", "9007199254740993.12"],
  ])("%s %s → %s", (amountMinor, currency, expected) => {
    expect(formatMinorUnits(amountMinor, currency)).toBe(expected);
  });

  it.each(supportedCurrencies().map((currency) => [currency]))(
    "is the core's formatter for %s, in lower or upper case",
    (currency) => {
      for (const amountMinor of [0n, 1n, -1n, 12_345n, MAX_AMOUNT_MINOR, -MAX_AMOUNT_MINOR]) {
        const expected = coreFormatMinorUnits(amountMinor, currency);
        expect(formatMinorUnits(amountMinor, currency)).toBe(expected);
        expect(formatMinorUnits(amountMinor, currency.toLowerCase())).toBe(expected);
      }
    },
  );

  it("refuses an unknown currency", () => {
    expect(() => formatMinorUnits(1n, "XXY")).toThrow(/unknown currency/);
  });
});

describe("readMinorUnits", () => {
  it.each([
    ["12.34", "usd", 1234n],
    ["-12.34", "USD", -1234n],
    ["", "USD", 0n],
    ["500", "jpy", 500n],
    ["-0.001", "KWD", -1n],
  ])("%j %s → %s", (text, currency, expected) => {
    expect(readMinorUnits(text, currency)).toBe(expected);
  });

  it("reads back every amount it formats", () => {
    for (const currency of ["JPY", "usd", "KWD"])
      for (const amountMinor of [0n, 1n, -1n, 12_345n, MAX_AMOUNT_MINOR, -MAX_AMOUNT_MINOR])
        expect(readMinorUnits(formatMinorUnits(amountMinor, currency), currency)).toBe(amountMinor);
  });

  it.each([
    ["12.345", "USD"],
    ["1,234.00", "USD"],
    ["1", "XXY"],
  ])("throws on %j %s, which the sandbox never writes", (text, currency) => {
    expect(() => readMinorUnits(text, currency)).toThrow();
  });
});

describe("basisPointsOf", () => {
  it.each([
    [1000n, 290n, 29n],
    [1017n, 290n, 29n],
    [1018n, 290n, 30n],
    [50n, 100n, 1n],
    [49n, 100n, 0n],
  ])("%s × %s bp rounds half up to %s", (amountMinor, basisPoints, expected) => {
    expect(basisPointsOf(amountMinor, basisPoints)).toBe(expected);
  });
});
