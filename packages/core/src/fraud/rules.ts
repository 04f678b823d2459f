import { type CurrencyCode, currencyExponent } from "../money/currency";
import { formatMoney, money } from "../money/money";
import { haversineKm } from "./geo";
import { redactNote } from "./redact";
import type { ListHit, ListKind, RiskContext, RiskSettings, RiskSignal } from "./risk-types";

export type RiskRule = (context: RiskContext, settings: RiskSettings) => RiskSignal | null;

/**
 * How far one rule alone can move the combined score. Hard evidence of fraud (deny list,
 * card testing, impossible travel) weighs most; circumstantial signals weigh less so they
 * only matter when they compound.
 */
export const RULE_WEIGHTS = Object.freeze({
  card_velocity: 0.8,
  email_velocity: 0.6,
  ip_velocity: 0.7,
  device_velocity: 0.6,
  merchant_velocity: 0.3,
  card_testing: 0.9,
  amount_anomaly: 0.6,
  impossible_travel: 0.9,
  country_mismatch: 0.6,
  first_use_large_amount: 0.5,
  deny_list: 1,
  allow_list: 0,
  velocity_unavailable: 0,
});

type RuleName = keyof typeof RULE_WEIGHTS;

function signal(name: RuleName, score: number, detail: string): RiskSignal {
  return { name, score, weight: RULE_WEIGHTS[name], detail };
}

/** Exact: 5000 USD → 500000n, 5000 JPY → 5000n, 5000 KWD → 5000000n. */
export function majorToMinor(amountMajor: number, currency: CurrencyCode): bigint {
  return BigInt(amountMajor) * 10n ** BigInt(currencyExponent(currency));
}

function formatMinor(amountMinor: bigint, currency: CurrencyCode): string {
  return formatMoney(money(amountMinor, currency));
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function graded(fraction: number, minScore: number, maxScore: number): number {
  return minScore + Math.round((maxScore - minScore) * clamp01(fraction));
}

/** minScore one over the limit, maxScore from twice the limit plus one. */
function countOverScore(count: number, limit: number, minScore: number, maxScore: number): number {
  return graded((count - limit - 1) / Math.max(limit, 1), minScore, maxScore);
}

function amountOverScore(
  amountMinor: bigint,
  limitMinor: bigint,
  minScore: number,
  maxScore: number,
): number {
  if (limitMinor <= 0n) return maxScore;
  // Permille keeps the ratio in bigint until it is small enough to be a safe Number.
  const excessPermille = ((amountMinor - limitMinor) * 1000n) / limitMinor;
  return graded(Number(excessPermille > 1000n ? 1000n : excessPermille) / 1000, minScore, maxScore);
}

interface Breach {
  score: number;
  text: string;
}

/** Each further breach is independent evidence, so it adds a little on top of the worst one. */
function combineBreaches(name: RuleName, breaches: Breach[], maxScore: number): RiskSignal | null {
  if (breaches.length === 0) return null;
  const top = Math.max(...breaches.map((b) => b.score));
  const score = Math.min(maxScore, top + 5 * (breaches.length - 1));
  return signal(name, score, breaches.map((b) => b.text).join("; "));
}

function countBreach(
  count: number | null | undefined,
  limit: number,
  describe: (count: number) => string,
  minScore: number,
  maxScore: number,
): Breach | null {
  if (count === null || count === undefined || !(count > limit)) return null;
  return {
    score: countOverScore(count, limit, minScore, maxScore),
    text: `${describe(count)} (limit ${limit})`,
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

const VELOCITY_MIN_SCORE = 60;
const VELOCITY_MAX_SCORE = 95;

export const cardVelocityRule: RiskRule = (c, s) => {
  const counts = c.velocity.card;
  if (counts === null) return null;
  const breaches: Breach[] = [];
  const windows = [
    [counts.count10m, s.velocity.card10mMax, "10 minutes"],
    [counts.count1h, s.velocity.card1hMax, "1 hour"],
    [counts.count24h, s.velocity.card24hMax, "24 hours"],
  ] as const;
  for (const [count, limit, window] of windows) {
    const breach = countBreach(
      count,
      limit,
      (n) => `${plural(n, "payment")} with this card in ${window}`,
      VELOCITY_MIN_SCORE,
      VELOCITY_MAX_SCORE,
    );
    if (breach) breaches.push(breach);
  }
  const amountLimitMinor = majorToMinor(s.velocity.card24hAmountMaxMajor, c.currency);
  if (counts.amount24hMinor > amountLimitMinor) {
    breaches.push({
      score: amountOverScore(counts.amount24hMinor, amountLimitMinor, VELOCITY_MIN_SCORE, VELOCITY_MAX_SCORE),
      text: `${formatMinor(counts.amount24hMinor, c.currency)} charged to this card in 24 hours (limit ${formatMinor(amountLimitMinor, c.currency)})`,
    });
  }
  return combineBreaches("card_velocity", breaches, VELOCITY_MAX_SCORE);
};

function singleCountRule(
  name: RuleName,
  pick: (c: RiskContext) => number | undefined,
  limit: (s: RiskSettings) => number,
  source: string,
  minScore = VELOCITY_MIN_SCORE,
  maxScore = VELOCITY_MAX_SCORE,
): RiskRule {
  return (c, s) => {
    const breach = countBreach(
      pick(c),
      limit(s),
      (n) => `${plural(n, "payment")} ${source}`,
      minScore,
      maxScore,
    );
    return breach ? signal(name, breach.score, breach.text) : null;
  };
}

export const emailVelocityRule: RiskRule = singleCountRule(
  "email_velocity",
  (c) => c.velocity.email?.count1h,
  (s) => s.velocity.email1hMax,
  "from this email in 1 hour",
);

export const ipVelocityRule: RiskRule = singleCountRule(
  "ip_velocity",
  (c) => c.velocity.ip?.count1h,
  (s) => s.velocity.ip1hMax,
  "from this IP address in 1 hour",
);

export const deviceVelocityRule: RiskRule = singleCountRule(
  "device_velocity",
  (c) => c.velocity.device?.count1h,
  (s) => s.velocity.device1hMax,
  "from this device in 1 hour",
);

// A merchant's own spike is often a sale or a launch, so it scores low and only compounds.
export const merchantVelocityRule: RiskRule = singleCountRule(
  "merchant_velocity",
  (c) => c.velocity.merchant?.count10m,
  (s) => s.velocity.merchant10mMax,
  "to this merchant in 10 minutes",
  40,
  80,
);

const CARD_TESTING_MIN_SCORE = 70;
const CARD_TESTING_MAX_SCORE = 95;

/** Many tiny or declined attempts are how stolen card lists get validated before real use. */
export const cardTestingRule: RiskRule = (c, s) => {
  const { smallAttempts10m, declines1h } = c.velocity;
  const { smallAttempts10mMax, declines1hMax } = s.cardTesting;
  const small = formatMinor(majorToMinor(s.cardTesting.smallAmountMajor, c.currency), c.currency);
  const candidates = [
    countBreach(
      smallAttempts10m.ip,
      smallAttempts10mMax,
      (n) => `${plural(n, "small payment")} (at most ${small}) from this IP address in 10 minutes`,
      CARD_TESTING_MIN_SCORE,
      CARD_TESTING_MAX_SCORE,
    ),
    countBreach(
      smallAttempts10m.card,
      smallAttempts10mMax,
      (n) => `${plural(n, "small payment")} (at most ${small}) with this card in 10 minutes`,
      CARD_TESTING_MIN_SCORE,
      CARD_TESTING_MAX_SCORE,
    ),
    countBreach(
      declines1h.ip,
      declines1hMax,
      (n) => `${plural(n, "declined payment")} from this IP address in 1 hour`,
      CARD_TESTING_MIN_SCORE,
      CARD_TESTING_MAX_SCORE,
    ),
    countBreach(
      declines1h.card,
      declines1hMax,
      (n) => `${plural(n, "declined payment")} with this card in 1 hour`,
      CARD_TESTING_MIN_SCORE,
      CARD_TESTING_MAX_SCORE,
    ),
  ];
  return combineBreaches(
    "card_testing",
    candidates.filter((b): b is Breach => b !== null),
    CARD_TESTING_MAX_SCORE,
  );
};

/** Floors to one decimal so the quoted z never looks like it reached a threshold it missed. */
function formatZ(z: number): string {
  return (Math.floor(z * 10) / 10).toFixed(1);
}

// Only unusually large amounts: a small charge is not a fraud pattern on its own.
export const amountAnomalyRule: RiskRule = (c, s) => {
  const history = c.merchantHistory;
  if (history === null) return null;
  const { sampleCount, meanMinor, stddevMinor } = history;
  const { minSamples, zReview, zHigh } = s.amountAnomaly;
  if (!(sampleCount >= minSamples) || !Number.isFinite(meanMinor) || !Number.isFinite(stddevMinor))
    return null;
  if (!(stddevMinor > 0)) return null;
  // Statistics, not money: Number precision is plenty for a z-score.
  const z = (Number(c.amountMinor) - meanMinor) / stddevMinor;
  const score = z >= zHigh ? 80 : z >= zReview ? 50 : null;
  if (score === null) return null;
  const mean = formatMinor(BigInt(Math.round(meanMinor)), c.currency);
  return signal(
    "amount_anomaly",
    score,
    `amount ${formatMinor(c.amountMinor, c.currency)} is ${formatZ(z)} standard deviations above this merchant's 30-day mean of ${mean} (${plural(sampleCount, "payment")}; review at ${zReview}, high at ${zHigh})`,
  );
};

function formatElapsed(elapsedMs: number): string {
  if (elapsedMs < 60_000) return plural(Math.round(elapsedMs / 1000), "second");
  if (elapsedMs < 2 * 3_600_000) return plural(Math.round(elapsedMs / 60_000), "minute");
  return `${(elapsedMs / 3_600_000).toFixed(1)} hours`;
}

export const impossibleTravelRule: RiskRule = (c, s) => {
  const previous = c.previousCardLocation;
  const current = c.location;
  if (previous === null || current === null) return null;
  const distanceKm = haversineKm(previous, current);
  const { maxSpeedKmh, minDistanceKm } = s.impossibleTravel;
  // Below the minimum distance, IP geolocation error alone can fake any speed.
  if (!(distanceKm >= minDistanceKm)) return null;
  // Order does not matter for plausibility, and clock skew between hosts can flip it.
  const elapsedMs = Math.abs(c.now.getTime() - previous.at.getTime());
  if (Number.isNaN(elapsedMs)) return null;
  const speedKmh = elapsedMs === 0 ? Number.POSITIVE_INFINITY : distanceKm / (elapsedMs / 3_600_000);
  if (!(speedKmh > maxSpeedKmh)) return null;
  const speed = Number.isFinite(speedKmh) ? `${Math.round(speedKmh)} km/h` : "no time between them";
  return signal(
    "impossible_travel",
    90,
    `${Math.round(distanceKm)} km from this card's previous payment ${formatElapsed(elapsedMs)} apart (${speed}, limit ${maxSpeedKmh} km/h; location from ${current.source === "ip" ? "IP address" : "billing address"})`,
  );
};

/** Only well-formed codes count: anything else is unknown, and it keeps free text out of details. */
function countryCode(value: string | null): string | null {
  if (value === null) return null;
  const code = value.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) ? code : null;
}

export const countryMismatchRule: RiskRule = (c) => {
  const card = countryCode(c.card.country);
  if (card === null) return null;
  const ip = countryCode(c.ipCountry);
  const billing = countryCode(c.customer.billingCountry);
  const ipDiffers = ip !== null && ip !== card;
  const billingDiffers = billing !== null && billing !== card;
  if (ipDiffers && billingDiffers) {
    return signal(
      "country_mismatch",
      60,
      `card issued in ${card}, IP address in ${ip}, billing address in ${billing}`,
    );
  }
  if (ipDiffers) return signal("country_mismatch", 40, `card issued in ${card}, IP address in ${ip}`);
  if (billingDiffers) {
    return signal("country_mismatch", 30, `card issued in ${card}, billing address in ${billing}`);
  }
  return null;
};

export const firstUseLargeAmountRule: RiskRule = (c, s) => {
  if (!c.firstUseAtMerchant) return null;
  const thresholdMinor = majorToMinor(s.firstUseLargeAmountMajor, c.currency);
  if (c.amountMinor < thresholdMinor) return null;
  const score = c.amountMinor >= 5n * thresholdMinor ? 60 : 40;
  return signal(
    "first_use_large_amount",
    score,
    `first payment with this card at this merchant is ${formatMinor(c.amountMinor, c.currency)} (threshold ${formatMinor(thresholdMinor, c.currency)})`,
  );
};

const LIST_KIND_LABELS: Readonly<Record<ListKind, string>> = {
  FINGERPRINT: "card",
  EMAIL: "email",
  IP: "IP address",
  BIN: "BIN",
};

function describeHits(c: RiskContext, hits: ListHit[], listName: string): string {
  return hits
    .map((hit) => {
      const base = `${LIST_KIND_LABELS[hit.kind]} is on the ${listName}`;
      return hit.note === null || hit.note.trim() === "" ? base : `${base}: ${redactNote(hit.note, c)}`;
    })
    .join("; ");
}

export const denyListRule: RiskRule = (c) => {
  const hits = c.listHits.filter((hit) => hit.list === "DENY");
  return hits.length === 0 ? null : signal("deny_list", 100, describeHits(c, hits, "deny list"));
};

// Weight 0: the engine turns an allow hit into APPROVE; as a signal it only explains why.
export const allowListRule: RiskRule = (c) => {
  const hits = c.listHits.filter((hit) => hit.list === "ALLOW");
  return hits.length === 0 ? null : signal("allow_list", 0, describeHits(c, hits, "allow list"));
};

// Weight 0: the engine raises the decision to REVIEW instead; the signal says why.
export const velocityUnavailableRule: RiskRule = (c) =>
  c.velocity.source === "unavailable"
    ? signal("velocity_unavailable", 0, "velocity checks could not run: velocity data is unavailable")
    : null;

export const RISK_RULES: ReadonlyArray<{
  name: string;
  evaluate: (c: RiskContext, s: RiskSettings) => RiskSignal | null;
}> = [
  { name: "card_velocity", evaluate: cardVelocityRule },
  { name: "email_velocity", evaluate: emailVelocityRule },
  { name: "ip_velocity", evaluate: ipVelocityRule },
  { name: "device_velocity", evaluate: deviceVelocityRule },
  { name: "merchant_velocity", evaluate: merchantVelocityRule },
  { name: "card_testing", evaluate: cardTestingRule },
  { name: "amount_anomaly", evaluate: amountAnomalyRule },
  { name: "impossible_travel", evaluate: impossibleTravelRule },
  { name: "country_mismatch", evaluate: countryMismatchRule },
  { name: "first_use_large_amount", evaluate: firstUseLargeAmountRule },
  { name: "deny_list", evaluate: denyListRule },
  { name: "allow_list", evaluate: allowListRule },
  { name: "velocity_unavailable", evaluate: velocityUnavailableRule },
];
