import { InvariantError } from "../errors/domain-error";
import type { CurrencyCode } from "../money/currency";
import type { CardBrand } from "../vault/card";

export const RISK_DECISIONS = ["APPROVE", "REVIEW", "DECLINE"] as const;
export type RiskDecision = (typeof RISK_DECISIONS)[number];

export interface RiskSignal {
  name: string;
  /** 0..100 integer. */
  score: number;
  /** 0..1: how much this rule alone can move the combined score. */
  weight: number;
  /** Human-readable; never contains a card number, fingerprint or email. */
  detail: string;
}

export interface RiskAssessment {
  /** 0..100 integer. */
  score: number;
  decision: RiskDecision;
  signals: RiskSignal[];
  /** Velocity data was missing, so the velocity rules could not run. */
  degraded: boolean;
}

export interface VelocityCounts {
  count10m: number;
  count1h: number;
  count24h: number;
  /** Same currency as the payment. */
  amount24hMinor: bigint;
}

export type ListKind = "FINGERPRINT" | "EMAIL" | "IP" | "BIN";

export interface ListHit {
  list: "DENY" | "ALLOW";
  kind: ListKind;
  note: string | null;
}

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

/**
 * Everything the rules look at, gathered by the caller beforehand so the rules stay pure.
 * Velocity counts INCLUDE the current attempt: the counter is incremented before scoring.
 */
export interface RiskContext {
  now: Date;
  amountMinor: bigint;
  currency: CurrencyCode;
  card: {
    fingerprint: string;
    bin: string | null;
    brand: CardBrand;
    /** ISO 3166 alpha-2 from the BIN. */
    country: string | null;
  };
  customer: {
    email: string | null;
    ipAddress: string | null;
    deviceId: string | null;
    billingCountry: string | null;
  };
  ipCountry: string | null;
  /** Where this payment comes from: IP geolocation, else billing coordinates. */
  location: (GeoPoint & { source: "ip" | "billing" }) | null;
  velocity: {
    source: "redis" | "postgres" | "unavailable";
    card: VelocityCounts | null;
    email: VelocityCounts | null;
    ip: VelocityCounts | null;
    device: VelocityCounts | null;
    merchant: VelocityCounts | null;
    /** Attempts of at most `smallAmountMajor` in the last 10 minutes. */
    smallAttempts10m: { ip: number | null; card: number | null };
    declines1h: { ip: number | null; card: number | null };
  };
  /** The card's previous payment with a known location (any merchant). */
  previousCardLocation: (GeoPoint & { at: Date }) | null;
  /** This merchant's captured payments in this currency over 30 days. */
  merchantHistory: { sampleCount: number; meanMinor: number; stddevMinor: number } | null;
  firstUseAtMerchant: boolean;
  listHits: ListHit[];
}

/** "Max N" limits fire when the count is above N, since counts include the current attempt. */
export interface RiskSettings {
  /** score >= this → REVIEW. */
  reviewThreshold: number;
  /** score >= this → DECLINE; must be above reviewThreshold. */
  declineThreshold: number;
  velocity: {
    card10mMax: number;
    card1hMax: number;
    card24hMax: number;
    email1hMax: number;
    ip1hMax: number;
    device1hMax: number;
    merchant10mMax: number;
    card24hAmountMaxMajor: number;
  };
  cardTesting: { smallAmountMajor: number; smallAttempts10mMax: number; declines1hMax: number };
  amountAnomaly: { minSamples: number; zReview: number; zHigh: number };
  impossibleTravel: { maxSpeedKmh: number; minDistanceKm: number };
  firstUseLargeAmountMajor: number;
}

export const DEFAULT_RISK_SETTINGS: RiskSettings = Object.freeze({
  reviewThreshold: 40,
  declineThreshold: 75,
  velocity: Object.freeze({
    card10mMax: 3,
    card1hMax: 6,
    card24hMax: 12,
    email1hMax: 6,
    ip1hMax: 10,
    device1hMax: 8,
    merchant10mMax: 1000,
    card24hAmountMaxMajor: 5000,
  }),
  cardTesting: Object.freeze({ smallAmountMajor: 2, smallAttempts10mMax: 3, declines1hMax: 3 }),
  amountAnomaly: Object.freeze({ minSamples: 20, zReview: 4, zHigh: 8 }),
  impossibleTravel: Object.freeze({ maxSpeedKmh: 900, minDistanceKm: 500 }),
  firstUseLargeAmountMajor: 1000,
});

function check(condition: boolean, message: string): void {
  if (!condition) {
    throw new InvariantError(`risk settings: ${message}`);
  }
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isPositiveFinite(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

/**
 * Settings come from merchant configuration, so a typo must fail loudly instead of
 * silently disabling a rule (a NaN limit would make every comparison false).
 * Major amounts must be integers because they are scaled to minor units in bigint.
 */
export function assertRiskSettings(settings: RiskSettings): void {
  const { reviewThreshold, declineThreshold, velocity, cardTesting, amountAnomaly, impossibleTravel } =
    settings;
  for (const [name, value] of [
    ["reviewThreshold", reviewThreshold],
    ["declineThreshold", declineThreshold],
  ] as const) {
    check(typeof value === "number" && Number.isFinite(value), `${name} must be a number`);
    check(value >= 0 && value <= 100, `${name} must be within 0..100`);
  }
  check(declineThreshold > reviewThreshold, "declineThreshold must be above reviewThreshold");

  const counts: Array<readonly [string, unknown]> = [
    ["velocity.card10mMax", velocity.card10mMax],
    ["velocity.card1hMax", velocity.card1hMax],
    ["velocity.card24hMax", velocity.card24hMax],
    ["velocity.email1hMax", velocity.email1hMax],
    ["velocity.ip1hMax", velocity.ip1hMax],
    ["velocity.device1hMax", velocity.device1hMax],
    ["velocity.merchant10mMax", velocity.merchant10mMax],
    ["velocity.card24hAmountMaxMajor", velocity.card24hAmountMaxMajor],
    ["cardTesting.smallAmountMajor", cardTesting.smallAmountMajor],
    ["cardTesting.smallAttempts10mMax", cardTesting.smallAttempts10mMax],
    ["cardTesting.declines1hMax", cardTesting.declines1hMax],
    ["amountAnomaly.minSamples", amountAnomaly.minSamples],
    ["firstUseLargeAmountMajor", settings.firstUseLargeAmountMajor],
  ];
  for (const [name, value] of counts) {
    check(isCount(value), `${name} must be a non-negative integer`);
  }
  // A standard deviation needs at least two samples to mean anything.
  check(amountAnomaly.minSamples >= 2, "amountAnomaly.minSamples must be at least 2");
  check(isPositiveFinite(amountAnomaly.zReview), "amountAnomaly.zReview must be a positive number");
  check(isPositiveFinite(amountAnomaly.zHigh), "amountAnomaly.zHigh must be a positive number");
  check(amountAnomaly.zHigh >= amountAnomaly.zReview, "amountAnomaly.zHigh must be at least zReview");
  check(isPositiveFinite(impossibleTravel.maxSpeedKmh), "impossibleTravel.maxSpeedKmh must be positive");
  check(
    typeof impossibleTravel.minDistanceKm === "number" &&
      Number.isFinite(impossibleTravel.minDistanceKm) &&
      impossibleTravel.minDistanceKm >= 0,
    "impossibleTravel.minDistanceKm must be a non-negative number",
  );
}
