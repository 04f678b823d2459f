// Property: every amount the core's formatter writes reads back exactly in JPY (0 decimals), USD (2) and KWD (3),
// with or without exact trailing zeros, and every text that is not exact, canonical or in bounds is refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CurrencyCode, currencyExponent, parseCurrency } from "./currency";
import { parseDecimalAmount } from "./decimal-amount";
import { formatMinorUnits, maxAmountMinor } from "./money";

const CURRENCIES = (["JPY", "USD", "KWD"] as const).map((code) => parseCurrency(code) as CurrencyCode);
const currencyArb = fc.constantFrom(...CURRENCIES);
const SUMS_MAX = 10n ** 18n - 1n;

/** The formatter's text of an amount with more fraction digits written after it (a point first in JPY). */
function withMoreDigits(amountMinor: bigint, currency: CurrencyCode, digits: string): string {
  const text = formatMinorUnits(amountMinor, currency);
  return `${text}${currencyExponent(currency) === 0 ? "." : ""}${digits}`;
}

describe("format → parse round trip", () => {
  it("reads back every amount in [0, the currency's maximum] formatted by formatMinorUnits", () => {
    fc.assert(
      fc.property(currencyArb, fc.bigInt({ min: 0n, max: 10n ** 16n }), (currency, seed) => {
        const amountMinor = seed % (maxAmountMinor(currency) + 1n);
        expect(parseDecimalAmount(formatMinorUnits(amountMinor, currency), currency)).toEqual({
          ok: true,
          amountMinor,
        });
      }),
      { numRuns: 2000 },
    );
  });

  it("reads back negative amounts when the rules allow a sign, and refuses them otherwise", () => {
    fc.assert(
      fc.property(currencyArb, fc.bigInt({ min: -SUMS_MAX, max: -1n }), (currency, amountMinor) => {
        const text = formatMinorUnits(amountMinor, currency);
        expect(parseDecimalAmount(text, currency, { negative: true, maximumMinor: SUMS_MAX })).toEqual({
          ok: true,
          amountMinor,
        });
        expect(parseDecimalAmount(text, currency)).toEqual({ ok: false, reason: "negative" });
      }),
    );
  });

  it("gives the same amount when exact trailing zeros are appended", () => {
    fc.assert(
      fc.property(
        currencyArb,
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.integer({ min: 1, max: 6 }),
        (currency, amountMinor, zeros) => {
          const padded = withMoreDigits(amountMinor, currency, "0".repeat(zeros));
          expect(parseDecimalAmount(padded, currency)).toEqual({ ok: true, amountMinor });
        },
      ),
    );
  });
});

describe("refusals", () => {
  it("refuses a non-zero digit past the currency's exponent", () => {
    fc.assert(
      fc.property(
        currencyArb,
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.integer({ min: 1, max: 9 }),
        (currency, amountMinor, digit) => {
          const tooPrecise = withMoreDigits(amountMinor, currency, String(digit));
          expect(parseDecimalAmount(tooPrecise, currency)).toEqual({ ok: false, reason: "too_precise" });
        },
      ),
    );
  });

  it("refuses every amount over the currency's maximum", () => {
    fc.assert(
      fc.property(currencyArb, fc.bigInt({ min: 1n, max: 10n ** 16n }), (currency, over) => {
        const text = formatMinorUnits(maxAmountMinor(currency) + over, currency);
        expect(parseDecimalAmount(text, currency)).toEqual({ ok: false, reason: "too_large" });
      }),
    );
  });

  it("refuses leading zeros and grouping separators", () => {
    fc.assert(
      fc.property(
        currencyArb,
        fc.bigInt({ min: 1000n, max: 10n ** 9n }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(",", " ", "'", "_"),
        (currency, amountMinor, zeros, separator) => {
          const text = formatMinorUnits(amountMinor, currency);
          expect(parseDecimalAmount("0".repeat(zeros) + text, currency)).toEqual({
            ok: false,
            reason: "malformed",
          });
          const grouped = `${text.slice(0, 1)}${separator}${text.slice(1)}`;
          expect(parseDecimalAmount(grouped, currency).ok).toBe(false);
        },
      ),
    );
  });

  it("accepts a text only when it reads as the formatter's spelling of its value, up to trailing zeros", () => {
    fc.assert(
      fc.property(currencyArb, fc.stringMatching(/^[0-9+\-.,e ]{0,24}$/), (currency, text) => {
        const reading = parseDecimalAmount(text, currency, { negative: true, maximumMinor: SUMS_MAX });
        if (!reading.ok) return;
        const written = formatMinorUnits(reading.amountMinor, currency);
        const trimmed = text.trim();
        const [whole, fraction = ""] = trimmed.split(".");
        const [writtenWhole, writtenFraction = ""] = written.split(".");
        expect(whole === "-0" ? "0" : whole).toBe(writtenWhole);
        expect(fraction.replace(/0+$/, "")).toBe(writtenFraction.replace(/0+$/, ""));
      }),
      { numRuns: 2000 },
    );
  });
});
