// Checks BIN → country lookup (longest prefix wins) and which leading digits may be kept as the BIN.
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import { BIN_COUNTRIES, binOf, cardCountryFromBin } from "./bin-country";

describe("cardCountryFromBin", () => {
  it.each([
    ["42424242", "US"],
    ["424242", "US"],
    ["55555555", "US"],
    ["40000000", "US"],
    ["378282", "US"],
    ["4000000760000002", "BR"],
    ["4000001240000002", "CA"],
    ["4000002500000002", "FR"],
    ["4000002760000002", "DE"],
    ["4000003920000002", "JP"],
    ["4000008260000002", "GB"],
    ["4000000360000002", "AU"],
    ["4000004840000002", "MX"],
    ["4000003560000002", "IN"],
    ["4000007240000002", "ES"],
    ["4000003800000002", "IT"],
    ["4000005280000002", "NL"],
    ["4000000990000002", "US"],
    ["4000007", "US"],
    ["51051051", null],
    ["", null],
    ["4242-424", null],
    [null, null],
  ])("%s → %s", (bin, country) => {
    expect(cardCountryFromBin(bin)).toBe(country);
  });

  it("has no duplicate prefixes", () => {
    const prefixes = BIN_COUNTRIES.map((e) => e.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });
});

describe("binOf", () => {
  it.each([
    ["4242424242424242", "42424242"],
    ["4000000760000002", "40000007"],
    ["4242424242424242424", "42424242"],
    ["378282246310005", "378282"],
    ["30569309025904", "305693"],
    ["424242424242", "424242"],
  ])("%s → %s", (pan, bin) => {
    expect(binOf(pan)).toBe(bin);
  });

  it.each([["42424242424"], ["42424242424242424242"], ["4242 4242 4242 4242"], [""]])(
    "rejects %j without echoing it",
    (pan) => {
      expect(() => binOf(pan)).toThrow(InvariantError);
      expect(() => binOf(pan)).not.toThrow(pan || "never");
    },
  );
});
