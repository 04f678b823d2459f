// Goal: minor units become major-unit decimals exactly, with each currency's ISO 4217 exponent.
import { describe, expect, it } from "vitest";
import { basisPointsOf, formatMinorUnits } from "./minor-units";

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

  it("refuses an unknown currency", () => {
    expect(() => formatMinorUnits(1n, "XXY")).toThrow(/unknown currency/);
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
