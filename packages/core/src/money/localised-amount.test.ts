// Goal: the one localised money formatter shows each currency's own decimals (JPY 0, USD 2, KWD 3) in the reader's
// locale, keeps every digit of negative amounts and of amounts past 2^53, and never depends on the machine's locale.
import { describe, expect, it } from "vitest";
import { formatLocalisedAmount } from "./localised-amount";

// ICU writes a narrow or plain no-break space between a symbol and the digits in some locales.
const spaced = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("formatLocalisedAmount", () => {
  it.each([
    [0n, "JPY", "en-US", "¥0"],
    [500n, "JPY", "en-US", "¥500"],
    [500n, "JPY", "ja-JP", "￥500"],
    [123456n, "USD", "en-US", "$1,234.56"],
    [5n, "USD", "en-US", "$0.05"],
    [0n, "USD", "en-US", "$0.00"],
    [1234n, "KWD", "en-US", "KWD 1.234"],
    [1n, "KWD", "en-US", "KWD 0.001"],
    [123456n, "EUR", "de-DE", "1.234,56 €"],
    [123456n, "EUR", "fr-FR", "1 234,56 €"],
    [-500n, "USD", "en-US", "-$5.00"],
    [-1n, "KWD", "en-US", "-KWD 0.001"],
    [-1500n, "JPY", "en-US", "-¥1,500"],
    [-123456n, "EUR", "de-DE", "-1.234,56 €"],
  ])("%s minor units of %s in %s → %s", (amountMinor, currency, locale, expected) => {
    expect(spaced(formatLocalisedAmount(amountMinor, currency, locale))).toBe(expected);
  });

  it.each([
    [2n ** 53n + 1n, "USD", "$90,071,992,547,409.93"],
    [-(2n ** 53n + 1n), "USD", "-$90,071,992,547,409.93"],
    [2n ** 63n - 1n, "JPY", "¥9,223,372,036,854,775,807"],
    [2n ** 63n - 1n, "KWD", "KWD 9,223,372,036,854,775.807"],
    [10n ** 30n + 7n, "USD", "$10,000,000,000,000,000,000,000,000,000.07"],
  ])("keeps every digit of %s minor units of %s (past 2^53)", (amountMinor, currency, expected) => {
    expect(spaced(formatLocalisedAmount(amountMinor, currency, "en-US"))).toBe(expected);
  });

  it("defaults to en-US, and falls back to en-US for a malformed or unknown locale", () => {
    expect(formatLocalisedAmount(123456n, "USD")).toBe("$1,234.56");
    expect(formatLocalisedAmount(123456n, "USD", "not a locale!")).toBe("$1,234.56");
    expect(formatLocalisedAmount(123456n, "USD", "qq-ZZ")).toBe("$1,234.56");
  });

  it("shows raw minor units and the code for a currency without a known exponent, never a guess", () => {
    expect(formatLocalisedAmount(1234n, "ZZZ")).toBe("1234 ZZZ");
    expect(formatLocalisedAmount(1234n, "XAU")).toBe("1234 XAU");
  });

  it("gives the same text from a cached format as from a fresh one, across more locales than the cache holds", () => {
    const locales = Array.from({ length: 80 }, (_, index) =>
      index % 2 === 0 ? "en-US" : `en-US-x-c${index}`,
    );
    for (const locale of locales) {
      expect(formatLocalisedAmount(123456n, "USD", locale)).toBe("$1,234.56");
    }
  });
});
