// Builders for risk contexts in unit tests: a quiet payment no rule has anything to say about,
// so each test states only the facts it is about.
import { type CurrencyCode, parseCurrency } from "../../money/currency";
import type { RiskContext, VelocityCounts } from "../risk-types";

export function currency(code: string): CurrencyCode {
  const parsed = parseCurrency(code);
  if (parsed === null) throw new Error(`test currency ${code} is not supported`);
  return parsed;
}

export const TEST_FINGERPRINT = "fp_3f9a1c0b7d2e4a68";
export const TEST_EMAIL = "buyer.one@example.com";

export function velocityCounts(overrides: Partial<VelocityCounts> = {}): VelocityCounts {
  return { count10m: 1, count1h: 1, count24h: 1, amount24hMinor: 5_000n, ...overrides };
}

type ContextOverrides = Partial<Omit<RiskContext, "card" | "customer" | "velocity">> & {
  card?: Partial<RiskContext["card"]>;
  customer?: Partial<RiskContext["customer"]>;
  velocity?: Partial<RiskContext["velocity"]>;
};

export function quietContext(overrides: ContextOverrides = {}): RiskContext {
  const { card, customer, velocity, ...rest } = overrides;
  return {
    now: new Date("2026-11-02T12:00:00Z"),
    amountMinor: 5_000n,
    currency: currency("USD"),
    ipCountry: "US",
    location: null,
    previousCardLocation: null,
    merchantHistory: null,
    firstUseAtMerchant: false,
    listHits: [],
    ...rest,
    card: { fingerprint: TEST_FINGERPRINT, bin: "42424242", brand: "visa", country: "US", ...card },
    customer: {
      email: TEST_EMAIL,
      ipAddress: "203.0.113.7",
      deviceId: "dev_1",
      billingCountry: "US",
      ...customer,
    },
    velocity: {
      source: "redis",
      card: velocityCounts(),
      email: velocityCounts(),
      ip: velocityCounts(),
      device: velocityCounts(),
      merchant: velocityCounts(),
      smallAttempts10m: { ip: 0, card: 0 },
      declines1h: { ip: 0, card: 0 },
      ...velocity,
    },
  };
}
