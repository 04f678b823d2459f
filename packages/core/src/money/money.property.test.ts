// Property: every valid amount survives a decimal-string round trip and formatting never loses a digit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currencyExponent, supportedCurrencies } from "./currency";
import {
  formatMinorUnits,
  formatMoney,
  MAX_AMOUNT_MINOR,
  maxAmountMinor,
  money,
  parseAmountMinor,
  readMinorDigits,
} from "./money";

const amountArb = fc.oneof(
  fc.bigInt({ min: 1n, max: MAX_AMOUNT_MINOR }),
  fc.constantFrom(1n, 10n ** 14n, MAX_AMOUNT_MINOR - 1n, MAX_AMOUNT_MINOR),
);

describe("parseAmountMinor properties", () => {
  it("round-trips every amount in [1, MAX] through its decimal string", () => {
    fc.assert(
      fc.property(amountArb, (amountMinor) => {
        expect(parseAmountMinor(amountMinor.toString())).toBe(amountMinor);
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees between the number and string forms for safe integers", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number(MAX_AMOUNT_MINOR) }), (n) => {
        expect(parseAmountMinor(n)).toBe(parseAmountMinor(String(n)));
      }),
    );
  });

  it("rejects every amount above MAX", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MAX_AMOUNT_MINOR + 1n, max: 10n ** 30n }), (amountMinor) => {
        expect(() => parseAmountMinor(amountMinor.toString())).toThrow(/at most/);
      }),
    );
  });
});

describe("per-currency maximums", () => {
  const INT64_MAX = 2n ** 63n - 1n;

  it("accept every amount up to the currency's maximum and refuse every amount above it", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...supportedCurrencies()),
        fc.bigInt({ min: 0n, max: 10n ** 16n }),
        (currency, offset) => {
          const maximum = maxAmountMinor(currency);
          const below = maximum - (offset % maximum);
          expect(parseAmountMinor(below.toString(), { currency })).toBe(below);
          expect(() => parseAmountMinor((maximum + 1n + offset).toString(), { currency })).toThrow(/at most/);
        },
      ),
    );
  });

  it("let a thousand maximal payments in any currency sum inside a signed 64-bit integer", () => {
    for (const currency of supportedCurrencies()) {
      expect(maxAmountMinor(currency) * 1000n, currency).toBeLessThanOrEqual(INT64_MAX);
    }
  });
});

describe("readMinorDigits properties", () => {
  it("reads back every amount in [0, MAX] written in decimal", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR }), (amountMinor) => {
        expect(readMinorDigits(amountMinor.toString())).toEqual({ ok: true, amountMinor });
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses every amount written with leading zeros", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR }),
        fc.integer({ min: 1, max: 20 }),
        (amount, zeros) => {
          expect(readMinorDigits("0".repeat(zeros) + amount.toString())).toEqual({
            ok: false,
            reason: "not_canonical",
          });
        },
      ),
    );
  });

  it("accepts a string only when it is the canonical spelling of what it reads", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9+\-. ]{0,20}$/), (text) => {
        const reading = readMinorDigits(text);
        if (reading.ok) expect(reading.amountMinor.toString()).toBe(text);
      }),
    );
  });
});

describe("formatMinorUnits properties", () => {
  it("removing the decimal point gives back the minor units, in the currency's exponent", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR }),
        fc.constantFrom(...supportedCurrencies()),
        (amountMinor, currency) => {
          const text = formatMinorUnits(amountMinor, currency);
          expect(BigInt(text.replace(".", ""))).toBe(amountMinor);
          expect(text.split(".")[1]?.length ?? 0).toBe(currencyExponent(currency));
        },
      ),
    );
  });
});

describe("formatMoney properties", () => {
  it("removing the decimal point gives back the minor units", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR }),
        fc.constantFrom(...supportedCurrencies()),
        (amountMinor, currency) => {
          const [number, code] = formatMoney(money(amountMinor, currency)).split(" ");
          expect(code).toBe(currency);
          expect(BigInt((number ?? "").replace(".", ""))).toBe(amountMinor);
        },
      ),
    );
  });
});
