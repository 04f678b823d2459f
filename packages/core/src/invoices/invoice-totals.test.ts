// Goal: invoice amounts are exact integers: half-even rounding per line, inclusive tax that never changes the
// shown gross, sums of rounded lines, and typed refusals for an impossible tax rate or an oversized total.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import type { CurrencyCode } from "../money/currency";
import { maxAmountMinor } from "../money/money";
import { assertTaxRate, divideHalfEven, invoiceAmounts, lineAmounts } from "./invoice-totals";

const USD = "USD" as CurrencyCode;

describe("divideHalfEven", () => {
  it.each([
    [5n, 2n, 2n],
    [7n, 2n, 4n],
    [25n, 10n, 2n],
    [35n, 10n, 4n],
    [26n, 10n, 3n],
    [24n, 10n, 2n],
    [0n, 7n, 0n],
  ])("%s / %s = %s", (numerator, denominator, expected) => {
    expect(divideHalfEven(numerator, denominator)).toBe(expected);
  });
});

describe("lineAmounts", () => {
  it.each([
    // 3 x 3.33 at 20 % exclusive: net 9.99, tax 1.998 -> 2.00, gross 11.99
    [{ quantity: 3, unitAmountMinor: 333n, taxRateBps: 2000, taxBehavior: "EXCLUSIVE" }, [999n, 200n, 1199n]],
    // 0.25 at 10 %: tax 0.025 -> half to even -> 0.02
    [{ quantity: 1, unitAmountMinor: 25n, taxRateBps: 1000, taxBehavior: "EXCLUSIVE" }, [25n, 2n, 27n]],
    // 0.35 at 10 %: tax 0.035 -> half to even -> 0.04
    [{ quantity: 1, unitAmountMinor: 35n, taxRateBps: 1000, taxBehavior: "EXCLUSIVE" }, [35n, 4n, 39n]],
    // 119.00 gross at 19 % inclusive: net 100.00, tax 19.00
    [
      { quantity: 1, unitAmountMinor: 11900n, taxRateBps: 1900, taxBehavior: "INCLUSIVE" },
      [10000n, 1900n, 11900n],
    ],
    // 10.00 gross at 7.7 % inclusive: net 9.2850... -> 9.29, tax 0.71
    [{ quantity: 1, unitAmountMinor: 1000n, taxRateBps: 770, taxBehavior: "INCLUSIVE" }, [929n, 71n, 1000n]],
    [{ quantity: 2, unitAmountMinor: 500n, taxRateBps: null, taxBehavior: "EXCLUSIVE" }, [1000n, 0n, 1000n]],
  ] as const)("%o", (line, [netMinor, taxMinor, grossMinor]) => {
    expect(lineAmounts(line)).toEqual({ netMinor, taxMinor, grossMinor });
  });

  it("keeps net + tax = gross, and an inclusive line's gross as given", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom("EXCLUSIVE" as const, "INCLUSIVE" as const),
        (quantity, unitAmountMinor, taxRateBps, taxBehavior) => {
          const amounts = lineAmounts({ quantity, unitAmountMinor, taxRateBps, taxBehavior });
          expect(amounts.netMinor + amounts.taxMinor).toBe(amounts.grossMinor);
          expect(amounts.taxMinor >= 0n).toBe(true);
          if (taxBehavior === "INCLUSIVE")
            expect(amounts.grossMinor).toBe(BigInt(quantity) * unitAmountMinor);
        },
      ),
    );
  });
});

describe("invoiceAmounts", () => {
  it("sums the rounded lines", () => {
    const amounts = invoiceAmounts(
      [
        { quantity: 1, unitAmountMinor: 25n, taxRateBps: 1000, taxBehavior: "EXCLUSIVE" },
        { quantity: 1, unitAmountMinor: 35n, taxRateBps: 1000, taxBehavior: "EXCLUSIVE" },
      ],
      USD,
    );
    expect([amounts.netMinor, amounts.taxMinor, amounts.grossMinor]).toEqual([60n, 6n, 66n]);
  });

  it("refuses a total above the currency's maximum", () => {
    const line = {
      quantity: 2,
      unitAmountMinor: maxAmountMinor(USD),
      taxRateBps: null,
      taxBehavior: "EXCLUSIVE",
    } as const;
    expect(() => invoiceAmounts([line], USD)).toThrow(DomainError);
  });
});

describe("assertTaxRate", () => {
  it.each([-1, 10_001, 19.5, Number.NaN])("refuses %s with INVALID_INPUT", (rate) => {
    expect(() => assertTaxRate(rate, ["lines", "0", "taxRateBps"])).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", field: ["lines", "0", "taxRateBps"] }),
    );
  });
  it.each([0, 1950, 10_000, null])("accepts %s", (rate) => {
    expect(() => assertTaxRate(rate, ["taxRateBps"])).not.toThrow();
  });
});
