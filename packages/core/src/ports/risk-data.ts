// Ports the risk scorer reads through. Velocity counters live in Redis (the
// fast path); everything else, and the velocity fallback, in Postgres.

import type { GeoPoint, ListHit, ListKind, RiskContext } from "../fraud/risk-types";
import type { CurrencyCode } from "../money/currency";
import type { Mode } from "../payments/payment-record";

export interface VelocityAttempt {
  merchantId: string;
  mode: Mode;
  paymentId: string;
  /**
   * Names the request, the same on every retry with its idempotency key: the counters count a request once,
   * also when a retry scores again before finding that the key already has a result.
   */
  requestKey: string;
  amountMinor: bigint;
  currency: CurrencyCode;
  /** At most the card-testing "small amount" threshold. */
  small: boolean;
  at: Date;
  cardFingerprint: string;
  email: string | null;
  ipAddress: string | null;
  deviceId: string | null;
  location: GeoPoint | null;
}

export interface VelocitySnapshot {
  velocity: Omit<RiskContext["velocity"], "source">;
  previousCardLocation: RiskContext["previousCardLocation"];
}

/** Sliding-window counters. Each call answers "unavailable" rather than waiting on a sick backend. */
export interface VelocityCounter {
  /** Records the attempt, then counts every window including it, atomically. */
  recordAndCount(attempt: VelocityAttempt): Promise<VelocitySnapshot | "unavailable">;
  /** Counts a decline against the card and the IP (card-testing signal). */
  recordDecline(
    attempt: Pick<VelocityAttempt, "mode" | "cardFingerprint" | "ipAddress" | "at" | "paymentId">,
  ): Promise<void>;
}

export interface ListLookup {
  merchantId: string;
  values: Partial<Record<ListKind, string>>;
}

/** The deny/allow entries matching a payment, and whether its card is new at the merchant. */
export interface CardContext {
  listHits: ListHit[];
  firstUseAtMerchant: boolean;
}

/** What a card's context is looked up with besides the card itself (its fingerprint and BIN). */
export interface CardContextRequest {
  email: string | null;
  ipAddress: string | null;
}

export interface RiskDataStore {
  /** The deny/allow entries matching the payment, and whether the card is new at the merchant: one round trip. */
  cardContext(lookup: ListLookup & { mode: Mode; cardFingerprint: string }): Promise<CardContext>;
  merchantHistory(
    merchantId: string,
    mode: Mode,
    currency: CurrencyCode,
  ): Promise<RiskContext["merchantHistory"]>;
  /** The Postgres fallback for velocity, from the payments table (the current attempt is not in it yet). */
  velocityFromPayments(attempt: VelocityAttempt, smallAmountMaxMinor: bigint): Promise<VelocitySnapshot>;
}

export interface GeoLocation extends GeoPoint {
  country: string | null;
}

export interface GeoLocator {
  /** Best-effort: null for private, unknown or unsupported addresses. */
  locate(ipAddress: string): Promise<GeoLocation | null>;
}
