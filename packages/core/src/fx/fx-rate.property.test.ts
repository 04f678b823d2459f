// Properties of the one conversion rule: a round trip stays within one minor unit of the coarser currency, and
// conversion is monotonic and exact-scaled.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CurrencyCode, currencyExponent } from "../money/currency";
import { convertMinor, type ExchangeRate, invertRate, reduce } from "./fx-rate";

const CURRENCIES = ["USD", "EUR", "JPY", "KWD", "GBP", "BHD", "CLP", "IDR", "VND", "CHF"] as CurrencyCode[];

const rateArb = fc
  .record({
    base: fc.constantFrom(...CURRENCIES),
    quote: fc.constantFrom(...CURRENCIES),
    // Rates from 0.000001 to 100000 with up to 6 decimals, like real quotes.
    scaled: fc.bigInt({ min: 1n, max: 100_000_000_000n }),
  })
  .filter((r) => r.base !== r.quote)
  .map((r): ExchangeRate => ({ base: r.base, quote: r.quote, ...reduce(r.scaled, 1_000_000n) }));

const amountArb = fc.bigInt({ min: 0n, max: 10n ** 13n });

describe("convertMinor properties", () => {
  it("there and back stays within one minor unit of the coarser currency", () => {
    fc.assert(
      fc.property(rateArb, amountArb, (rate, amount) => {
        const there = convertMinor(amount, rate);
        const back = convertMinor(there, invertRate(rate));
        const diff = back > amount ? back - amount : amount - back;
        // u = quote minor units per base minor unit = num·10^eq / (den·10^eb).
        const num = rate.numerator * 10n ** BigInt(currencyExponent(rate.quote));
        const den = rate.denominator * 10n ** BigInt(currencyExponent(rate.base));
        if (num >= den)
          expect(diff <= 1n).toBe(true); // the base's minor unit is the coarser one
        else expect(diff * num <= den).toBe(true); // within one quote minor unit, valued in base minor units
      }),
      { numRuns: 3000 },
    );
  });

  it("is monotonic and never off by more than half a minor unit from the exact value", () => {
    fc.assert(
      fc.property(rateArb, amountArb, amountArb, (rate, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(convertMinor(lo, rate) <= convertMinor(hi, rate)).toBe(true);
        const num = a * rate.numerator * 10n ** BigInt(currencyExponent(rate.quote));
        const den = rate.denominator * 10n ** BigInt(currencyExponent(rate.base));
        const twiceError = 2n * convertMinor(a, rate) * den - 2n * num;
        expect((twiceError < 0n ? -twiceError : twiceError) <= den).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
