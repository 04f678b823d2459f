// Pins the funding type the BIN table gives the sandbox's test cards (longest prefix first) and its parser.
import { describe, expect, it } from "vitest";
import type { CurrencyCode } from "../money/currency";
import { routePayment } from "../psp/routing";
import { validRoutingRule } from "../psp/routing-rule-commands";
import { fundingTypeFromBin, parseFundingType } from "./funding-type";

describe("fundingTypeFromBin", () => {
  it.each([
    ["42424242", "credit"],
    ["55555555", "credit"],
    ["40000566", "debit"],
    ["52008282", "debit"],
    ["51051051", "prepaid"],
    ["40000000", "credit"],
    ["60110000", "unknown"],
    [null, "unknown"],
    ["4242abcd", "unknown"],
  ] as const)("%s -> %s", (bin, expected) => {
    expect(fundingTypeFromBin(bin)).toBe(expected);
  });

  it("parses names case-insensitively and refuses others", () => {
    expect(parseFundingType(" Debit ")).toBe("debit");
    expect(parseFundingType("charge")).toBeNull();
  });
});

describe("routing by funding type", () => {
  const psps = [
    { name: "stripe", costBps: 290, currencies: "any" as const },
    { name: "adyen", costBps: 250, currencies: "any" as const },
  ];
  const rule = {
    id: "debit-to-stripe",
    merchantId: null,
    priority: 1,
    match: { fundingTypes: ["debit" as const] },
    pspNames: ["stripe", "adyen"],
  };
  const input = {
    merchantId: "mer_a",
    currency: "EUR" as CurrencyCode,
    brand: "visa" as const,
    cardCountry: null,
    amountMinor: 1000n,
  };
  const state = { breakers: {}, authorizationRates: {}, random: 0.5 };

  it.each([
    ["debit", "debit-to-stripe", ["stripe", "adyen"]],
    ["credit", null, ["adyen", "stripe"]],
    [undefined, null, ["adyen", "stripe"]],
  ] as const)("a %s card matches rule %s", (fundingType, ruleId, candidates) => {
    const decision = routePayment({ ...input, ...(fundingType ? { fundingType } : {}) }, [rule], psps, state);
    expect(decision.matchedRuleId).toBe(ruleId);
    expect(decision.candidates).toEqual(candidates);
  });

  it("rule validation keeps credit, debit and prepaid and refuses others", () => {
    const valid = validRoutingRule({ ...rule, match: { fundingTypes: [" Prepaid" as "prepaid"] } });
    expect(valid.match.fundingTypes).toEqual(["prepaid"]);
    expect(() => validRoutingRule({ ...rule, match: { fundingTypes: ["unknown"] } })).toThrow(/fundingTypes/);
  });
});
