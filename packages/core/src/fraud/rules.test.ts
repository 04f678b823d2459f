// Checks every rule just below, at and above its limits, and that major thresholds scale by the currency exponent.
import { describe, expect, it } from "vitest";
import { haversineKm } from "./geo";
import { DEFAULT_RISK_SETTINGS, type ListHit, type RiskSettings } from "./risk-types";
import {
  allowListRule,
  amountAnomalyRule,
  cardTestingRule,
  cardVelocityRule,
  countryMismatchRule,
  denyListRule,
  deviceVelocityRule,
  emailVelocityRule,
  firstUseLargeAmountRule,
  impossibleTravelRule,
  ipVelocityRule,
  majorToMinor,
  merchantVelocityRule,
  RISK_RULES,
  type RiskRule,
  RULE_WEIGHTS,
  velocityUnavailableRule,
} from "./rules";
import { currency, quietContext, velocityCounts } from "./testing/risk-context";

const S = DEFAULT_RISK_SETTINGS;
const PARIS = { latitude: 48.8566, longitude: 2.3522 };
const NEW_YORK = { latitude: 40.7128, longitude: -74.006 };
const HOUR_MS = 3_600_000;

function withSettings(patch: (s: RiskSettings) => RiskSettings): RiskSettings {
  return patch(structuredClone(DEFAULT_RISK_SETTINGS));
}

describe("majorToMinor", () => {
  it.each([
    ["USD", 5000, 500_000n],
    ["JPY", 5000, 5_000n],
    ["KWD", 5000, 5_000_000n],
    ["USD", 0, 0n],
  ])("%s %i → %s minor", (code, major, expected) => {
    expect(majorToMinor(major, currency(code))).toBe(expected);
  });
});

describe("quiet context", () => {
  it.each(RISK_RULES.map((r) => [r.name, r.evaluate] as const))("%s says nothing", (_name, evaluate) => {
    expect(evaluate(quietContext(), S)).toBeNull();
  });
});

describe("card_velocity", () => {
  it.each([
    ["10m at limit", { count10m: 3 }, null],
    ["10m just over", { count10m: 4 }, 60],
    ["10m further over", { count10m: 5 }, 72],
    ["10m at twice the limit + 1", { count10m: 7 }, 95],
    ["10m far over is capped", { count10m: 500 }, 95],
    ["1h at limit", { count1h: 6 }, null],
    ["1h just over", { count1h: 7 }, 60],
    ["24h at limit", { count24h: 12 }, null],
    ["24h just over", { count24h: 13 }, 60],
    ["24h amount at limit", { amount24hMinor: 500_000n }, null],
    ["24h amount one cent over", { amount24hMinor: 500_001n }, 60],
    ["24h amount at twice the limit", { amount24hMinor: 1_000_000n }, 95],
    ["two windows over add a little", { count10m: 4, count1h: 7 }, 65],
  ])("%s", (_label, counts, expected) => {
    const result = cardVelocityRule(quietContext({ velocity: { card: velocityCounts(counts) } }), S);
    expect(result?.score ?? null).toBe(expected);
  });

  it("quotes the numbers", () => {
    const result = cardVelocityRule(
      quietContext({ velocity: { card: velocityCounts({ count10m: 5, amount24hMinor: 600_000n }) } }),
      S,
    );
    expect(result).toEqual({
      name: "card_velocity",
      score: 77,
      weight: 0.8,
      detail:
        "5 payments with this card in 10 minutes (limit 3); 6000.00 USD charged to this card in 24 hours (limit 5000.00 USD)",
    });
  });

  it.each([
    ["USD", 500_000n, 500_001n],
    ["JPY", 5_000n, 5_001n],
    ["KWD", 5_000_000n, 5_000_001n],
  ])("24h amount limit in %s is 5000 major units", (code, atLimitMinor, overMinor) => {
    const at = quietContext({
      currency: currency(code),
      velocity: { card: velocityCounts({ amount24hMinor: atLimitMinor }) },
    });
    const over = quietContext({
      currency: currency(code),
      velocity: { card: velocityCounts({ amount24hMinor: overMinor }) },
    });
    expect(cardVelocityRule(at, S)).toBeNull();
    expect(cardVelocityRule(over, S)?.score).toBe(60);
  });

  it("says nothing without card counts", () => {
    expect(cardVelocityRule(quietContext({ velocity: { card: null } }), S)).toBeNull();
  });
});

describe.each([
  ["email_velocity", emailVelocityRule, "email", 6, "from this email in 1 hour"],
  ["ip_velocity", ipVelocityRule, "ip", 10, "from this IP address in 1 hour"],
  ["device_velocity", deviceVelocityRule, "device", 8, "from this device in 1 hour"],
] as const)("%s", (name, rule: RiskRule, key, limit, phrase) => {
  it.each([
    [limit - 1, null],
    [limit, null],
    [limit + 1, 60],
    [2 * limit + 1, 95],
  ])("%i payments in 1 hour → %s", (count1h, expected) => {
    const result = rule(quietContext({ velocity: { [key]: velocityCounts({ count1h }) } }), S);
    expect(result?.score ?? null).toBe(expected);
  });

  it("explains itself with its weight", () => {
    const result = rule(quietContext({ velocity: { [key]: velocityCounts({ count1h: limit + 1 }) } }), S);
    expect(result).toEqual({
      name,
      score: 60,
      weight: RULE_WEIGHTS[name],
      detail: `${limit + 1} payments ${phrase} (limit ${limit})`,
    });
  });

  it("says nothing without counts", () => {
    expect(rule(quietContext({ velocity: { [key]: null } }), S)).toBeNull();
  });
});

describe("merchant_velocity", () => {
  it.each([
    [999, null],
    [1000, null],
    [1001, 40],
    [2001, 80],
  ])("%i payments in 10 minutes → %s", (count10m, expected) => {
    const result = merchantVelocityRule(
      quietContext({ velocity: { merchant: velocityCounts({ count10m }) } }),
      S,
    );
    expect(result?.score ?? null).toBe(expected);
  });

  it("ignores the merchant's hourly count", () => {
    const context = quietContext({ velocity: { merchant: velocityCounts({ count1h: 5000 }) } });
    expect(merchantVelocityRule(context, S)).toBeNull();
  });
});

describe("card_testing", () => {
  const none = { ip: 0, card: 0 };
  it.each([
    ["small from IP at limit", { ip: 3, card: 0 }, none, null],
    ["small from IP just over", { ip: 4, card: 0 }, none, 70],
    ["small with card just over", { ip: 0, card: 4 }, none, 70],
    ["declines from IP at limit", none, { ip: 3, card: 0 }, null],
    ["declines from IP just over", none, { ip: 4, card: 0 }, 70],
    ["declines with card just over", none, { ip: 0, card: 4 }, 70],
    ["small from IP far over", { ip: 7, card: 0 }, none, 95],
    ["all four just over", { ip: 4, card: 4 }, { ip: 4, card: 4 }, 85],
    ["all four far over is capped", { ip: 40, card: 40 }, { ip: 40, card: 40 }, 95],
    ["unknown counts", { ip: null, card: null }, { ip: null, card: null }, null],
  ])("%s", (_label, smallAttempts10m, declines1h, expected) => {
    const result = cardTestingRule(quietContext({ velocity: { smallAttempts10m, declines1h } }), S);
    expect(result?.score ?? null).toBe(expected);
  });

  it.each([
    ["USD", "2.00 USD"],
    ["JPY", "2 JPY"],
    ["KWD", "2.000 KWD"],
  ])("quotes the small-amount ceiling in %s", (code, ceiling) => {
    const context = quietContext({
      currency: currency(code),
      velocity: { smallAttempts10m: { ip: 4, card: null } },
    });
    expect(cardTestingRule(context, S)?.detail).toBe(
      `4 small payments (at most ${ceiling}) from this IP address in 10 minutes (limit 3)`,
    );
  });
});

describe("amount_anomaly", () => {
  const history = { sampleCount: 20, meanMinor: 10_000, stddevMinor: 1_000 };
  it.each([
    ["z just below review", 13_999n, history, null],
    ["z at review", 14_000n, history, 50],
    ["z just below high", 17_999n, history, 50],
    ["z at high", 18_000n, history, 80],
    ["far below the mean", 1n, history, null],
    ["one sample short", 18_000n, { ...history, sampleCount: 19 }, null],
    ["no spread", 18_000n, { ...history, stddevMinor: 0 }, null],
    ["broken statistics", 18_000n, { ...history, meanMinor: Number.NaN }, null],
    ["no history", 18_000n, null, null],
  ])("%s", (_label, amountMinor, merchantHistory, expected) => {
    const result = amountAnomalyRule(quietContext({ amountMinor, merchantHistory }), S);
    expect(result?.score ?? null).toBe(expected);
  });

  it("quotes the mean in major units", () => {
    const context = quietContext({
      amountMinor: 17_999n,
      merchantHistory: { sampleCount: 25, meanMinor: 10_000.4, stddevMinor: 1_000 },
    });
    expect(amountAnomalyRule(context, S)?.detail).toBe(
      "amount 179.99 USD is 7.9 standard deviations above this merchant's 30-day mean of 100.00 USD (25 payments; review at 4, high at 8)",
    );
  });
});

describe("impossible_travel", () => {
  const now = new Date("2026-11-02T12:00:00Z");
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it.each([
    ["Paris → New York in 1 hour", PARIS, NEW_YORK, HOUR_MS, 90],
    ["Paris → New York in 10 hours", PARIS, NEW_YORK, 10 * HOUR_MS, null],
    ["Paris → New York at the same instant", PARIS, NEW_YORK, 0, 90],
    ["Paris → New York, previous payment 1 hour in the future", PARIS, NEW_YORK, -HOUR_MS, 90],
    [
      "100 km in 1 minute is under the minimum distance",
      PARIS,
      { latitude: 49.75, longitude: 2.3522 },
      60_000,
      null,
    ],
  ])("%s", (_label, from, to, elapsedMs, expected) => {
    const context = quietContext({
      now,
      previousCardLocation: { ...from, at: ago(elapsedMs) },
      location: { ...to, source: "ip" },
    });
    expect(impossibleTravelRule(context, S)?.score ?? null).toBe(expected);
  });

  it("explains distance, time and speed", () => {
    const context = quietContext({
      now,
      previousCardLocation: { ...PARIS, at: ago(HOUR_MS) },
      location: { ...NEW_YORK, source: "billing" },
    });
    expect(impossibleTravelRule(context, S)?.detail).toBe(
      "5837 km from this card's previous payment 60 minutes apart (5837 km/h, limit 900 km/h; location from billing address)",
    );
  });

  const distanceKm = haversineKm(PARIS, NEW_YORK);
  it.each([
    ["distance at the minimum", { maxSpeedKmh: 900, minDistanceKm: distanceKm }, 90],
    ["distance just below the minimum", { maxSpeedKmh: 900, minDistanceKm: distanceKm + 0.01 }, null],
    ["speed just above the maximum", { maxSpeedKmh: distanceKm - 1, minDistanceKm: 500 }, 90],
    ["speed just below the maximum", { maxSpeedKmh: distanceKm + 1, minDistanceKm: 500 }, null],
  ])("%s", (_label, impossibleTravel, expected) => {
    const context = quietContext({
      now,
      previousCardLocation: { ...PARIS, at: ago(HOUR_MS) },
      location: { ...NEW_YORK, source: "ip" },
    });
    const settings = withSettings((s) => ({ ...s, impossibleTravel }));
    expect(impossibleTravelRule(context, settings)?.score ?? null).toBe(expected);
  });

  it.each([
    ["no previous location", null, { ...NEW_YORK, source: "ip" as const }],
    ["no current location", { ...PARIS, at: ago(HOUR_MS) }, null],
  ])("says nothing with %s", (_label, previousCardLocation, location) => {
    expect(impossibleTravelRule(quietContext({ now, previousCardLocation, location }), S)).toBeNull();
  });
});

describe("country_mismatch", () => {
  it.each([
    ["all agree", "US", "US", "US", null],
    ["IP differs", "US", "FR", "US", 40],
    ["billing differs", "US", "US", "FR", 30],
    ["both differ", "US", "FR", "DE", 60],
    ["IP differs, billing unknown", "US", "FR", null, 40],
    ["billing differs, IP unknown", "US", null, "FR", 30],
    ["card country unknown", null, "FR", "DE", null],
    ["other countries unknown", "US", null, null, null],
    ["case and spaces do not matter", "US", " us", "us", null],
    ["malformed codes count as unknown", "US", "USA", "France", null],
  ])("%s", (_label, cardCountry, ipCountry, billingCountry, expected) => {
    const context = quietContext({ card: { country: cardCountry }, ipCountry, customer: { billingCountry } });
    expect(countryMismatchRule(context, S)?.score ?? null).toBe(expected);
  });

  it("names the countries", () => {
    const context = quietContext({ ipCountry: "FR", customer: { billingCountry: "DE" } });
    expect(countryMismatchRule(context, S)?.detail).toBe(
      "card issued in US, IP address in FR, billing address in DE",
    );
  });
});

describe("first_use_large_amount", () => {
  it.each([
    ["USD", 99_999n, null],
    ["USD", 100_000n, 40],
    ["USD", 499_999n, 40],
    ["USD", 500_000n, 60],
    ["JPY", 999n, null],
    ["JPY", 1_000n, 40],
    ["JPY", 5_000n, 60],
    ["KWD", 999_999n, null],
    ["KWD", 1_000_000n, 40],
    ["KWD", 5_000_000n, 60],
  ])("first use in %s of %s minor → %s", (code, amountMinor, expected) => {
    const context = quietContext({ currency: currency(code), amountMinor, firstUseAtMerchant: true });
    expect(firstUseLargeAmountRule(context, S)?.score ?? null).toBe(expected);
  });

  it("ignores cards that have paid this merchant before", () => {
    const context = quietContext({ amountMinor: 10_000_000n, firstUseAtMerchant: false });
    expect(firstUseLargeAmountRule(context, S)).toBeNull();
  });

  it("quotes amount and threshold", () => {
    const context = quietContext({ amountMinor: 150_000n, firstUseAtMerchant: true });
    expect(firstUseLargeAmountRule(context, S)?.detail).toBe(
      "first payment with this card at this merchant is 1500.00 USD (threshold 1000.00 USD)",
    );
  });
});

describe("deny_list and allow_list", () => {
  const deny = (kind: ListHit["kind"], note: string | null): ListHit => ({ list: "DENY", kind, note });
  const allow = (kind: ListHit["kind"], note: string | null): ListHit => ({ list: "ALLOW", kind, note });

  it.each([
    [[deny("EMAIL", "chargeback fraud 2026-10")], "email is on the deny list: chargeback fraud 2026-10"],
    [[deny("FINGERPRINT", null)], "card is on the deny list"],
    [
      [deny("IP", "botnet"), deny("BIN", "  ")],
      "IP address is on the deny list: botnet; BIN is on the deny list",
    ],
  ])("deny hits %j → %s", (listHits, detail) => {
    expect(denyListRule(quietContext({ listHits }), S)).toEqual({
      name: "deny_list",
      score: 100,
      weight: 1,
      detail,
    });
  });

  it("allow hits are informational", () => {
    const context = quietContext({ listHits: [allow("FINGERPRINT", "CEO's card")] });
    expect(allowListRule(context, S)).toEqual({
      name: "allow_list",
      score: 0,
      weight: 0,
      detail: "card is on the allow list: CEO's card",
    });
    expect(denyListRule(context, S)).toBeNull();
  });

  it("deny rule ignores allow hits and vice versa", () => {
    expect(denyListRule(quietContext({ listHits: [allow("IP", null)] }), S)).toBeNull();
    expect(allowListRule(quietContext({ listHits: [deny("IP", null)] }), S)).toBeNull();
  });

  it("redacts emails and card numbers an operator pasted into a note", () => {
    const context = quietContext({
      listHits: [deny("EMAIL", "same ring as buyer.one@example.com and 4242 4242 4242 4242")],
    });
    expect(denyListRule(context, S)?.detail).toBe(
      "email is on the deny list: same ring as [redacted] and [redacted]",
    );
  });
});

describe("velocity_unavailable", () => {
  it.each([
    ["unavailable", { score: 0, weight: 0 }],
    ["redis", null],
    ["postgres", null],
  ] as const)("source %s", (source, expected) => {
    const result = velocityUnavailableRule(quietContext({ velocity: { source } }), S);
    if (expected === null) {
      expect(result).toBeNull();
    } else {
      expect(result).toMatchObject({ name: "velocity_unavailable", ...expected });
      expect(result?.detail).toMatch(/velocity checks could not run/);
    }
  });
});

describe("RISK_RULES", () => {
  it("lists every rule once, under the name its signals carry", () => {
    const names = RISK_RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(Object.keys(RULE_WEIGHTS).sort());
  });

  it.each([
    ["card_velocity", 0.8],
    ["email_velocity", 0.6],
    ["ip_velocity", 0.7],
    ["device_velocity", 0.6],
    ["merchant_velocity", 0.3],
    ["card_testing", 0.9],
    ["amount_anomaly", 0.6],
    ["impossible_travel", 0.9],
    ["country_mismatch", 0.6],
    ["first_use_large_amount", 0.5],
    ["deny_list", 1],
    ["allow_list", 0],
    ["velocity_unavailable", 0],
  ] as const)("%s weighs %d", (name, weight) => {
    expect(RULE_WEIGHTS[name]).toBe(weight);
  });

  it("every rule fires in a context built to trip all of them, with its own name", () => {
    const context = quietContext({
      amountMinor: 1_000_000n,
      firstUseAtMerchant: true,
      ipCountry: "FR",
      merchantHistory: { sampleCount: 50, meanMinor: 1_000, stddevMinor: 10 },
      previousCardLocation: { ...PARIS, at: new Date("2026-11-02T11:00:00Z") },
      location: { ...NEW_YORK, source: "ip" },
      listHits: [
        { list: "DENY", kind: "IP", note: null },
        { list: "ALLOW", kind: "EMAIL", note: null },
      ],
      velocity: {
        source: "unavailable",
        card: velocityCounts({ count10m: 9 }),
        email: velocityCounts({ count1h: 9 }),
        ip: velocityCounts({ count1h: 19 }),
        device: velocityCounts({ count1h: 19 }),
        merchant: velocityCounts({ count10m: 5000 }),
        smallAttempts10m: { ip: 9, card: 0 },
      },
    });
    for (const rule of RISK_RULES) {
      expect(rule.evaluate(context, S)?.name).toBe(rule.name);
    }
  });
});
