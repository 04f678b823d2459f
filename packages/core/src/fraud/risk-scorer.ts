// Gathers what the rules need (velocity, lists, history, geolocation), then
// asks the pure engine for a decision. Velocity comes from Redis; when Redis
// is unavailable the configured policy applies: count from Postgres (slower,
// still correct) or hold the payment for review. It never fails open silently:
// a degraded decision says so in its signals.
import { type CurrencyCode, currencyExponent } from "../money/currency";
import type { Mode } from "../payments/payment-record";
import type {
  CardContext,
  GeoLocator,
  RiskDataStore,
  VelocityAttempt,
  VelocityCounter,
  VelocitySnapshot,
} from "../ports/risk-data";
import { TtlCache } from "../ttl-cache";
import type { CardBrand } from "../vault/card";
import type { CustomerContext } from "./customer-context";
import { assessRisk } from "./risk-engine";
import type { GeoPoint, RiskAssessment, RiskContext, RiskSettings } from "./risk-types";

export type VelocityFallback = "postgres" | "review";

export interface RiskScorerDependencies {
  /** Null when no Redis is configured: the fallback policy applies to every payment. */
  velocity: VelocityCounter | null;
  velocityFallback: VelocityFallback;
  data: RiskDataStore;
  geo: GeoLocator | null;
}

export interface ScoreInput {
  merchantId: string;
  mode: Mode;
  paymentId: string;
  /** The same for every retry of the request (see VelocityAttempt.requestKey). */
  requestKey: string;
  amountMinor: bigint;
  currency: CurrencyCode;
  card: { fingerprint: string; bin: string | null; brand: CardBrand; country: string | null };
  customer: CustomerContext;
  settings: RiskSettings;
  now: Date;
  /**
   * The card's context when the caller read it with the card (one round trip for both, issue 23): the same
   * lookup as `RiskDataStore.cardContext` for this card, e-mail and IP. Absent: the scorer reads it.
   */
  cardContext?: CardContext;
}

export interface ScoreResult {
  assessment: RiskAssessment;
  velocitySource: RiskContext["velocity"]["source"];
  /** Where the payment came from, stored with it for the next impossible-travel check. */
  location: GeoPoint | null;
  attempt: VelocityAttempt;
}

/** Merchant history changes slowly; it is cached per merchant, mode and currency for this long. */
const HISTORY_CACHE_TTL_MS = 5 * 60 * 1000;
const HISTORY_CACHE_MAX = 10_000;

const NO_VELOCITY: VelocitySnapshot = {
  velocity: {
    card: null,
    email: null,
    ip: null,
    device: null,
    merchant: null,
    smallAttempts10m: { ip: null, card: null },
    declines1h: { ip: null, card: null },
  },
  previousCardLocation: null,
};

export class RiskScorer {
  private readonly historyCache = new TtlCache<string, RiskContext["merchantHistory"]>(
    HISTORY_CACHE_TTL_MS,
    HISTORY_CACHE_MAX,
  );

  constructor(private readonly deps: RiskScorerDependencies) {}

  async score(input: ScoreInput): Promise<ScoreResult> {
    const ip = input.customer.ipAddress;
    const geo = ip && this.deps.geo ? await this.deps.geo.locate(ip) : null;
    const location: (GeoPoint & { source: "ip" | "billing" }) | null = geo
      ? { latitude: geo.latitude, longitude: geo.longitude, source: "ip" }
      : input.customer.billingPoint
        ? { ...input.customer.billingPoint, source: "billing" }
        : null;
    const smallAmountMaxMinor =
      BigInt(input.settings.cardTesting.smallAmountMajor) * 10n ** BigInt(currencyExponent(input.currency));
    const attempt: VelocityAttempt = {
      merchantId: input.merchantId,
      mode: input.mode,
      paymentId: input.paymentId,
      requestKey: input.requestKey,
      amountMinor: input.amountMinor,
      currency: input.currency,
      small: input.amountMinor <= smallAmountMaxMinor,
      at: input.now,
      cardFingerprint: input.card.fingerprint,
      email: input.customer.email,
      ipAddress: ip,
      deviceId: input.customer.deviceId,
      location: location && { latitude: location.latitude, longitude: location.longitude },
    };

    const [velocity, { listHits, firstUseAtMerchant }, merchantHistory] = await Promise.all([
      this.velocity(attempt, smallAmountMaxMinor),
      input.cardContext ??
        this.deps.data.cardContext({
          merchantId: input.merchantId,
          mode: input.mode,
          cardFingerprint: input.card.fingerprint,
          values: {
            FINGERPRINT: input.card.fingerprint,
            ...(input.customer.email ? { EMAIL: input.customer.email } : {}),
            ...(ip ? { IP: ip } : {}),
            ...(input.card.bin ? { BIN: input.card.bin } : {}),
          },
        }),
      this.history(input.merchantId, input.mode, input.currency),
    ]);

    const context: RiskContext = {
      now: input.now,
      amountMinor: input.amountMinor,
      currency: input.currency,
      card: input.card,
      customer: {
        email: input.customer.email,
        ipAddress: ip,
        deviceId: input.customer.deviceId,
        billingCountry: input.customer.billingCountry,
      },
      ipCountry: geo?.country ?? null,
      location,
      velocity: { ...velocity.snapshot.velocity, source: velocity.source },
      previousCardLocation: velocity.snapshot.previousCardLocation,
      merchantHistory,
      firstUseAtMerchant,
      listHits,
    };
    return {
      assessment: assessRisk(context, input.settings),
      velocitySource: velocity.source,
      location: attempt.location,
      attempt,
    };
  }

  /** Counts a PSP decline for the card-testing rule; best effort. */
  async recordDecline(attempt: VelocityAttempt): Promise<void> {
    await this.deps.velocity?.recordDecline(attempt).catch(() => undefined);
  }

  private async velocity(
    attempt: VelocityAttempt,
    smallAmountMaxMinor: bigint,
  ): Promise<{ snapshot: VelocitySnapshot; source: RiskContext["velocity"]["source"] }> {
    const fromRedis = this.deps.velocity ? await this.deps.velocity.recordAndCount(attempt) : "unavailable";
    if (fromRedis !== "unavailable") return { snapshot: fromRedis, source: "redis" };
    if (this.deps.velocityFallback === "postgres") {
      return {
        snapshot: await this.deps.data.velocityFromPayments(attempt, smallAmountMaxMinor),
        source: "postgres",
      };
    }
    return { snapshot: NO_VELOCITY, source: "unavailable" };
  }

  private history(
    merchantId: string,
    mode: Mode,
    currency: CurrencyCode,
  ): Promise<RiskContext["merchantHistory"]> {
    return this.historyCache.getOrLoad(`${merchantId}:${mode}:${currency}`, () =>
      this.deps.data.merchantHistory(merchantId, mode, currency),
    );
  }
}
