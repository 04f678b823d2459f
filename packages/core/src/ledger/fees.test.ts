// Checks fee arithmetic: half-up rounding in bigint, the fixed part, and the cap at the captured amount.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import { MAX_AMOUNT_MINOR } from "../money/money";
import { computeFee, DEFAULT_FEE_SCHEDULE, type FeeSchedule, feeScheduleIn, fixedFeeIn } from "./fees";

describe("computeFee", () => {
  it.each([
    ["default on 10.00", 1000n, DEFAULT_FEE_SCHEDULE, 59n],
    ["default on 100.00", 10_000n, DEFAULT_FEE_SCHEDULE, 320n],
    ["default on zero", 0n, DEFAULT_FEE_SCHEDULE, 0n],
    ["default capped on 0.20", 20n, DEFAULT_FEE_SCHEDULE, 20n],
    ["default capped on 0.01", 1n, DEFAULT_FEE_SCHEDULE, 1n],
    ["half rounds up (1.5 -> 2)", 50n, { rateBps: 300, fixedMinor: 0n }, 2n],
    ["below half rounds down (1.49 -> 1)", 149n, { rateBps: 100, fixedMinor: 0n }, 1n],
    ["exactly half rounds up (0.5 -> 1)", 50n, { rateBps: 100, fixedMinor: 0n }, 1n],
    ["no fee", 12_345n, { rateBps: 0, fixedMinor: 0n }, 0n],
    ["fixed only", 12_345n, { rateBps: 0, fixedMinor: 25n }, 25n],
    ["100% rate", 12_345n, { rateBps: 10_000, fixedMinor: 0n }, 12_345n],
    ["100% rate plus fixed is capped", 12_345n, { rateBps: 10_000, fixedMinor: 1n }, 12_345n],
    [
      "huge amount stays exact",
      999_999_999_999_999_999n,
      { rateBps: 290, fixedMinor: 30n },
      29_000_000_000_000_030n,
    ],
  ] as [string, bigint, FeeSchedule, bigint][])("%s", (_label, amountMinor, schedule, expected) => {
    expect(computeFee(amountMinor, schedule)).toBe(expected);
  });

  it.each([
    ["fractional rate", { rateBps: 2.5, fixedMinor: 0n }],
    ["negative rate", { rateBps: -1, fixedMinor: 0n }],
    ["rate above 100%", { rateBps: 10_001, fixedMinor: 0n }],
    ["NaN rate", { rateBps: Number.NaN, fixedMinor: 0n }],
    ["negative fixed", { rateBps: 0, fixedMinor: -1n }],
  ] as [string, FeeSchedule][])("rejects a schedule with %s", (_label, schedule) => {
    expect(() => computeFee(100n, schedule)).toThrow(InvariantError);
  });

  it("rejects a negative amount", () => {
    expect(() => computeFee(-1n, DEFAULT_FEE_SCHEDULE)).toThrow(InvariantError);
  });

  it("is between 0 and the amount and never decreases as the amount grows", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR - 1n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        (amountMinor, rateBps, fixedMinor) => {
          const schedule = { rateBps, fixedMinor };
          const fee = computeFee(amountMinor, schedule);
          expect(fee).toBeGreaterThanOrEqual(0n);
          expect(fee).toBeLessThanOrEqual(amountMinor);
          expect(computeFee(amountMinor + 1n, schedule)).toBeGreaterThanOrEqual(fee);
        },
      ),
    );
  });
});

describe("fixed fees per currency", () => {
  const c = (code: string) => code as import("../money/currency").CurrencyCode;
  it("scales the default 0.30 by each currency's exponent, half to even", () => {
    const schedule: FeeSchedule = { rateBps: 290, fixedMinor: 30n };
    expect(fixedFeeIn(schedule, c("USD"))).toBe(30n);
    expect(fixedFeeIn(schedule, c("EUR"))).toBe(30n);
    expect(fixedFeeIn(schedule, c("JPY"))).toBe(0n); // 0.30 yen
    expect(fixedFeeIn(schedule, c("KWD"))).toBe(300n); // 0.300 KWD
    expect(fixedFeeIn({ rateBps: 0, fixedMinor: 150n }, c("JPY"))).toBe(2n); // 1.50 yen → 2 (even)
    expect(fixedFeeIn({ rateBps: 0, fixedMinor: 250n }, c("JPY"))).toBe(2n); // 2.50 yen → 2 (even)
  });

  it("uses the merchant's own fixed fee for a currency when it has one", () => {
    const schedule: FeeSchedule = { rateBps: 290, fixedMinor: 30n, fixedByCurrency: { JPY: 40n, KWD: 100n } };
    expect(feeScheduleIn(schedule, c("JPY"))).toEqual({ rateBps: 290, fixedMinor: 40n });
    expect(feeScheduleIn(schedule, c("KWD"))).toEqual({ rateBps: 290, fixedMinor: 100n });
    expect(feeScheduleIn(schedule, c("USD"))).toEqual({ rateBps: 290, fixedMinor: 30n });
    // 1000 yen at 2.9% + 40 yen.
    expect(computeFee(1000n, feeScheduleIn(schedule, c("JPY")))).toBe(69n);
  });
});
