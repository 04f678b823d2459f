import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import type { CurrencyCode } from "../money/currency";
import {
  convertMinor,
  type DatedRate,
  divideHalfEven,
  type ExchangeRate,
  findRate,
  formatRatio,
  invertRate,
  parseRateText,
  rateInForce,
} from "./fx-rate";

const c = (code: string) => code as CurrencyCode;
const rate = (base: string, quote: string, text: string): ExchangeRate => {
  const ratio = parseRateText(text);
  if (!ratio) throw new Error(`bad rate ${text}`);
  return { base: c(base), quote: c(quote), ...ratio };
};

describe("parseRateText", () => {
  it("reads decimals exactly, in lowest terms", () => {
    expect(parseRateText("1.0842")).toEqual({ numerator: 5421n, denominator: 5000n });
    expect(parseRateText("151")).toEqual({ numerator: 151n, denominator: 1n });
    expect(parseRateText("0.00203")).toEqual({ numerator: 203n, denominator: 100000n });
    expect(parseRateText("1.50")).toEqual({ numerator: 3n, denominator: 2n });
  });

  it("refuses anything but a positive plain decimal", () => {
    for (const bad of ["0", "0.000", "-1.2", "+1.2", "1e3", "1,2", " 1.2", "1.", ".5", "01.5", "NaN", ""]) {
      expect(parseRateText(bad), bad).toBeNull();
    }
    expect(parseRateText(`1.${"1".repeat(13)}`)).toBeNull();
    expect(parseRateText("1".repeat(13))).toBeNull();
  });
});

describe("divideHalfEven", () => {
  it("rounds halves to the even neighbour, both signs", () => {
    expect([5n, 15n, 25n, 35n, 14n, 16n].map((n) => divideHalfEven(n, 10n))).toEqual([
      0n,
      2n,
      2n,
      4n,
      1n,
      2n,
    ]);
    expect([-5n, -15n, -25n, -14n, -16n].map((n) => divideHalfEven(n, 10n))).toEqual([
      0n,
      -2n,
      -2n,
      -1n,
      -2n,
    ]);
    expect(divideHalfEven(7n, 1n)).toBe(7n);
  });
});

describe("convertMinor", () => {
  it("scales between exponents (USD 2, JPY 0, KWD 3)", () => {
    expect(convertMinor(10000n, rate("USD", "JPY", "151.37"))).toBe(15137n);
    expect(convertMinor(1000n, rate("JPY", "KWD", "0.00203"))).toBe(2030n);
    expect(convertMinor(1000n, rate("KWD", "USD", "3.2545"))).toBe(325n); // 1.000 KWD = 3.2545 USD → 3.25 (half-even)
    expect(convertMinor(1005n, rate("EUR", "USD", "1"))).toBe(1005n);
  });

  it("rounds an exact half to even", () => {
    // 0.05 EUR at 1.5 = 0.075 USD: halfway between 7 and 8 cents → 8 (even).
    expect(convertMinor(5n, rate("EUR", "USD", "1.5"))).toBe(8n);
    // 0.01 EUR at 1.5 = 0.015 → 2; 0.03 EUR at 1.5 = 0.045 → 4.
    expect(convertMinor(1n, rate("EUR", "USD", "1.5"))).toBe(2n);
    expect(convertMinor(3n, rate("EUR", "USD", "1.5"))).toBe(4n);
    // 0.25 USD at 1 → JPY 0.25 → 0; 1.50 USD → 2 yen (1.5 → even 2); 2.50 USD → 2 yen.
    expect(convertMinor(150n, rate("USD", "JPY", "1"))).toBe(2n);
    expect(convertMinor(250n, rate("USD", "JPY", "1"))).toBe(2n);
  });

  it("is exact far past 2^53", () => {
    expect(convertMinor(999_999_999_999n, rate("USD", "JPY", "151.37"))).toBe(1_513_699_999_998n);
  });
});

describe("findRate and rateInForce", () => {
  const day = new Date("2026-12-04T00:00:00Z");
  const stored: DatedRate[] = [
    { ...rate("EUR", "USD", "1.0842"), source: "ECB", asOf: day },
    { ...rate("EUR", "JPY", "162.45"), source: "ECB", asOf: new Date("2026-12-03T00:00:00Z") },
    { ...rate("GBP", "CHF", "1.12"), source: "CSV", asOf: day },
  ];
  const latest = (base: CurrencyCode, quote: CurrencyCode) =>
    stored.find((r) => r.base === base && r.quote === quote);

  it("uses the pair, its inverse, or a cross through EUR (dated by the older leg)", () => {
    expect(findRate(c("EUR"), c("USD"), latest)).toMatchObject({ path: "DIRECT", numerator: 5421n });
    expect(findRate(c("USD"), c("EUR"), latest)).toMatchObject({
      path: "INVERSE",
      numerator: 5000n,
      denominator: 5421n,
    });
    const cross = findRate(c("USD"), c("JPY"), latest);
    expect(cross).toMatchObject({
      path: "CROSS",
      base: "USD",
      quote: "JPY",
      asOf: new Date("2026-12-03T00:00:00Z"),
    });
    // 162.45 / 1.0842, exact.
    expect(cross && formatRatio(cross, 6)).toBe("149.833979");
    expect(findRate(c("USD"), c("CHF"), latest)).toBeNull();
  });

  it("refuses a missing or stale rate with its code, never guessing", () => {
    const now = new Date("2026-12-05T00:00:00Z");
    const hours = (h: number) => h * 3600 * 1000;
    expect(rateInForce(c("EUR"), c("USD"), latest, now, hours(48)).path).toBe("DIRECT");
    const missing = () => rateInForce(c("USD"), c("CHF"), latest, now, hours(48));
    expect(missing).toThrow(DomainError);
    expect(missing).toThrow(expect.objectContaining({ code: "FX_RATE_MISSING" }));
    expect(() => rateInForce(c("USD"), c("JPY"), latest, now, hours(47))).toThrow(
      expect.objectContaining({ code: "FX_RATE_STALE" }),
    );
  });

  it("inverts exactly", () => {
    const r = rate("EUR", "USD", "1.0842");
    expect(invertRate(invertRate(r))).toEqual(r);
  });
});
