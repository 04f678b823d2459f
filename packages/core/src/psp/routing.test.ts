// Goal: routing picks PSPs by the documented order (merchant rules, global rules, cost), skips open breakers, and prefers better authorization rates only when asked.
import { describe, expect, it } from "vitest";
import type { CurrencyCode } from "../money/currency";
import { AuthorizationRateWindow, type PspProfile, type RoutingRule, routePayment } from "./routing";

const PSPS: PspProfile[] = [
  { name: "stripe", costBps: 290, currencies: "any" },
  { name: "adyen", costBps: 250, currencies: ["EUR", "GBP", "USD"] },
];
const input = {
  merchantId: "mer_a",
  currency: "USD" as CurrencyCode,
  brand: "visa" as const,
  cardCountry: "US",
  amountMinor: 1000n,
};
const state = { breakers: {}, authorizationRates: {}, random: 0.5 };

describe("routePayment", () => {
  it("falls back to every PSP taking the currency, cheapest first", () => {
    expect(routePayment(input, [], PSPS, state).candidates).toEqual(["adyen", "stripe"]);
    expect(routePayment({ ...input, currency: "JPY" as CurrencyCode }, [], PSPS, state)).toMatchObject({
      candidates: ["stripe"],
      skipped: [{ name: "adyen", reason: "currency" }],
    });
  });

  const rules: RoutingRule[] = [
    {
      id: "global-eur",
      merchantId: null,
      priority: 1,
      match: { currencies: ["EUR"] },
      pspNames: ["adyen", "stripe"],
    },
    {
      id: "global-big",
      merchantId: null,
      priority: 2,
      match: { amountMinMinor: 100_000n },
      pspNames: ["stripe", "adyen"],
    },
    { id: "mine-amex", merchantId: "mer_a", priority: 5, match: { brands: ["amex"] }, pspNames: ["stripe"] },
    { id: "other-merchant", merchantId: "mer_b", priority: 0, match: {}, pspNames: ["adyen"] },
  ];

  it.each([
    [
      "a merchant rule before global ones",
      { brand: "amex" as const, currency: "EUR" as CurrencyCode },
      "mine-amex",
      ["stripe"],
    ],
    [
      "the first global rule by priority",
      { currency: "EUR" as CurrencyCode },
      "global-eur",
      ["adyen", "stripe"],
    ],
    ["an amount range", { amountMinor: 100_000n }, "global-big", ["stripe", "adyen"]],
    ["no match: by cost", {}, null, ["adyen", "stripe"]],
  ])("uses %s", (_name, overrides, ruleId, candidates) => {
    const decision = routePayment({ ...input, ...overrides }, rules, PSPS, state);
    expect(decision.matchedRuleId).toBe(ruleId);
    expect(decision.candidates).toEqual(candidates);
  });

  it("skips a PSP whose breaker is open and records why", () => {
    const decision = routePayment(input, [], PSPS, { ...state, breakers: { adyen: "open" } });
    expect(decision.candidates).toEqual(["stripe"]);
    expect(decision.skipped).toEqual([{ name: "adyen", reason: "breaker_open" }]);
    expect(decision.breakers).toEqual({ stripe: "closed", adyen: "open" });
  });

  it("prefers the better authorization rate when asked, except on an exploration draw", () => {
    const rates = { stripe: { approved: 95, total: 100 }, adyen: { approved: 60, total: 100 } };
    const options = { preferAuthorizationRate: true, explorationShare: 0.1, minimumSamples: 20 };
    expect(
      routePayment(input, [], PSPS, { ...state, authorizationRates: rates }, options).candidates,
    ).toEqual(["stripe", "adyen"]);
    const explored = routePayment(
      input,
      [],
      PSPS,
      { ...state, authorizationRates: rates, random: 0.05 },
      options,
    );
    expect(explored).toMatchObject({ explored: true, candidates: ["adyen", "stripe"] });
    const untrusted = { stripe: { approved: 5, total: 5 }, adyen: { approved: 60, total: 100 } };
    expect(
      routePayment(input, [], PSPS, { ...state, authorizationRates: untrusted }, options).candidates,
    ).toEqual(["adyen", "stripe"]);
  });
});

describe("AuthorizationRateWindow", () => {
  it("keeps only the most recent outcomes", () => {
    const window = new AuthorizationRateWindow(3);
    for (const approved of [false, false, true, true, true]) window.record("stripe", approved);
    expect(window.snapshot()).toEqual({ stripe: { approved: 3, total: 3 } });
  });
});
