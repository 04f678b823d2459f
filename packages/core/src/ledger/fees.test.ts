// Checks fee arithmetic: half-up rounding in bigint, the fixed part, and the cap at the captured amount.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import { MAX_AMOUNT_MINOR } from "../money/money";
import {
  computeFee,
  DEFAULT_FEE_SCHEDULE,
  type FeeSchedule,
  feeScheduleForFunding,
  feeScheduleIn,
  fixedFeeIn,
  hasFundingTypeFees,
} from "./fees";

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

describe("fees per card funding type", () => {
  const c = (code: string) => code as import("../money/currency").CurrencyCode;
  const schedule: FeeSchedule = {
    rateBps: 290,
    fixedMinor: 30n,
    fixedByCurrency: { JPY: 40n },
    byFundingType: {
      debit: { rateBps: 120, fixedHundredths: null },
      prepaid: { rateBps: 350, fixedHundredths: 50n },
    },
  };

  it.each([
    ["debit: its rate, the currency's fixed fee", "debit", "USD", { rateBps: 120, fixedMinor: 30n }],
    ["debit in JPY: the merchant's own JPY fixed fee", "debit", "JPY", { rateBps: 120, fixedMinor: 40n }],
    ["prepaid: its rate and its own fixed 0.50", "prepaid", "USD", { rateBps: 350, fixedMinor: 50n }],
    ["prepaid in KWD: 0.50 scaled to 500 fils", "prepaid", "KWD", { rateBps: 350, fixedMinor: 500n }],
    ["prepaid in JPY: 0.50 yen rounds to 0 (even)", "prepaid", "JPY", { rateBps: 350, fixedMinor: 0n }],
    ["credit without a rule: the default", "credit", "USD", { rateBps: 290, fixedMinor: 30n }],
    ["unknown funding: the default", "unknown", "USD", { rateBps: 290, fixedMinor: 30n }],
    ["not a card: the default", null, "JPY", { rateBps: 290, fixedMinor: 40n }],
  ] as const)("%s", (_label, fundingType, currency, expected) => {
    expect(feeScheduleIn(feeScheduleForFunding(schedule, fundingType), c(currency))).toEqual(expected);
  });

  it("tells whether any rule names a funding type", () => {
    expect(hasFundingTypeFees(schedule)).toBe(true);
    expect(hasFundingTypeFees({ rateBps: 290, fixedMinor: 30n, byFundingType: {} })).toBe(false);
    expect(hasFundingTypeFees(DEFAULT_FEE_SCHEDULE)).toBe(false);
  });

  it("charges a debit card less than a credit card on the same capture", () => {
    // 100.00 USD: debit 1.2% + 0.30 = 1.50; credit 2.9% + 0.30 = 3.20.
    expect(computeFee(10_000n, feeScheduleIn(feeScheduleForFunding(schedule, "debit"), c("USD")))).toBe(150n);
    expect(computeFee(10_000n, feeScheduleIn(feeScheduleForFunding(schedule, "credit"), c("USD")))).toBe(
      320n,
    );
  });
});
