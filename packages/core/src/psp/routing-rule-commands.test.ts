// Goal: a routing rule is checked once, for every caller, and stored in the spelling the router compares
// (upper-case currencies and countries, lower-case brands and PSP names); a bad rule names its field.
import { describe, expect, it } from "vitest";
import { type NewRoutingRuleInput, validRoutingRule } from "./routing-rule-commands";

const RULE: NewRoutingRuleInput = { merchantId: null, priority: 100, pspNames: ["stripe"], match: {} };

describe("validRoutingRule", () => {
  it("spells a rule as the router compares it", () => {
    expect(
      validRoutingRule({
        merchantId: " mer_1 ",
        priority: 0,
        pspNames: ["Stripe", " adyen"],
        match: {
          currencies: ["usd"],
          brands: ["VISA" as "visa"],
          countries: ["de"],
          amountMinMinor: 0n,
          amountMaxMinor: 10n,
        },
      }),
    ).toEqual({
      merchantId: "mer_1",
      priority: 0,
      pspNames: ["stripe", "adyen"],
      match: {
        currencies: ["USD"],
        brands: ["visa"],
        countries: ["DE"],
        amountMinMinor: 0n,
        amountMaxMinor: 10n,
      },
    });
  });

  it.each<[string, Partial<NewRoutingRuleInput>, string]>([
    ["no PSP", { pspNames: [] }, "pspNames"],
    ["a PSP twice", { pspNames: ["stripe", "Stripe"] }, "pspNames"],
    ["a PSP name with a space", { pspNames: ["st ripe"] }, "pspNames"],
    ["a negative priority", { priority: -1 }, "priority"],
    ["a priority above the maximum", { priority: 1_000_001 }, "priority"],
    ["an unknown currency", { match: { currencies: ["XXY"] } }, "currencies"],
    ["an unknown brand", { match: { brands: ["visa-ish" as "visa"] } }, "brands"],
    ["a three-letter country", { match: { countries: ["DEU"] } }, "countries"],
    ["an empty currency list", { match: { currencies: [] } }, "currencies"],
    ["a negative amount", { match: { amountMinMinor: -1n } }, "amountMinMinor"],
    ["a minimum above the maximum", { match: { amountMinMinor: 10n, amountMaxMinor: 9n } }, "amountMinMinor"],
  ])("refuses %s", (_label, change, field) => {
    expect(() => validRoutingRule({ ...RULE, ...change })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", field: expect.arrayContaining([field]) }),
    );
  });
});
