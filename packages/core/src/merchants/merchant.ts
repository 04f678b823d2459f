// A merchant's settings and keys as the core sees them, and the one set of rules every caller (console, CLI,
// start-up seeding) validates them by. The database keeps the same bounds as CHECKs where it can.
import { DomainError } from "../errors/domain-error";
import type { ApiKeyId, MerchantId } from "../ids/ids";
import { assertFreeText } from "../payments/free-text";
import type { Mode } from "../payments/payment-record";
import { parseAllowedOrigins } from "./allowed-origins";
import type { ApiKeyKind } from "./api-keys";

export interface MerchantSettings {
  feeRateBps: number;
  feeFixedMinor: bigint;
  riskReviewThreshold: number;
  riskDeclineThreshold: number;
}

/**
 * What the API enforces at its door for a merchant: rate-limit overrides (null: the API's configured default) and
 * the browser origins its publishable keys may be used from.
 */
export interface MerchantAccessPolicy {
  rateLimitKeyPerSecond: number | null;
  rateLimitTokenizePerMinute: number | null;
  concurrentQueriesMax: number | null;
  allowedOrigins: string[];
}

export interface MerchantRecord extends MerchantSettings {
  id: MerchantId;
  name: string;
  createdAt: Date;
}

/** What an operator may see of a key: never the key, never its hash. */
export interface ApiKeyRecord {
  id: ApiKeyId;
  merchantId: MerchantId;
  kind: ApiKeyKind;
  mode: Mode;
  displayHint: string;
  createdAt: Date;
  revokedAt: Date | null;
  /** A publishable key's hosted card fields' parent origins (empty for a secret key). */
  allowedOrigins: string[];
}

/** A key just made: its record plus the whole key, to show once. */
export interface NewApiKey extends ApiKeyRecord {
  key: string;
}

/** The settings a new merchant gets when none are given (the columns' defaults). */
export const DEFAULT_MERCHANT_SETTINGS: MerchantSettings = {
  feeRateBps: 290,
  feeFixedMinor: 30n,
  riskReviewThreshold: 40,
  riskDeclineThreshold: 75,
};

export const MERCHANT_NAME_LENGTH_MAX = 200;
export const FEE_RATE_BPS_MAX = 10_000;
/** Fifteen digits: far above any fixed fee, and safe to add to any amount in a signed 64-bit sum. */
export const FEE_FIXED_MINOR_MAX = 999_999_999_999_999n;
export const RATE_LIMIT_KEY_PER_SECOND_MAX = 100_000;
export const RATE_LIMIT_TOKENIZE_PER_MINUTE_MAX = 100_000;
export const CONCURRENT_QUERIES_MAX = 1_000;

function invalid(field: string, message: string): DomainError {
  return new DomainError("INVALID_INPUT", message, { field: [field] });
}

function integerIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalid(field, `${field} must be an integer from ${min} to ${max}.`);
  return value;
}

/** The name trimmed, 1 to 200 characters, no control character and no card number. */
export function validMerchantName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > MERCHANT_NAME_LENGTH_MAX)
    throw invalid("name", `name must be 1 to ${MERCHANT_NAME_LENGTH_MAX} characters.`);
  assertFreeText(name, { field: ["name"] });
  return name;
}

/** Complete settings checked against their bounds, and the review threshold below the decline threshold. */
export function validMerchantSettings(settings: MerchantSettings): MerchantSettings {
  integerIn("feeRateBps", settings.feeRateBps, 0, FEE_RATE_BPS_MAX);
  if (settings.feeFixedMinor < 0n || settings.feeFixedMinor > FEE_FIXED_MINOR_MAX)
    throw invalid("feeFixedMinor", "feeFixedMinor must be a whole number of minor units, 0 to 15 digits.");
  integerIn("riskReviewThreshold", settings.riskReviewThreshold, 0, 99);
  integerIn("riskDeclineThreshold", settings.riskDeclineThreshold, 1, 100);
  if (settings.riskReviewThreshold >= settings.riskDeclineThreshold)
    throw invalid("riskReviewThreshold", "The review threshold must be below the decline threshold.");
  return { ...settings };
}

/** The given access-policy fields checked (null restores the API's default); origins in canonical spelling. */
export function validAccessPolicyChanges(
  changes: Partial<MerchantAccessPolicy>,
): Partial<MerchantAccessPolicy> {
  const valid: Partial<MerchantAccessPolicy> = {};
  const limit = (field: keyof MerchantAccessPolicy, value: number | null, max: number) =>
    value === null ? null : integerIn(field, value, 1, max);
  if (changes.rateLimitKeyPerSecond !== undefined)
    valid.rateLimitKeyPerSecond = limit(
      "rateLimitKeyPerSecond",
      changes.rateLimitKeyPerSecond,
      RATE_LIMIT_KEY_PER_SECOND_MAX,
    );
  if (changes.rateLimitTokenizePerMinute !== undefined)
    valid.rateLimitTokenizePerMinute = limit(
      "rateLimitTokenizePerMinute",
      changes.rateLimitTokenizePerMinute,
      RATE_LIMIT_TOKENIZE_PER_MINUTE_MAX,
    );
  if (changes.concurrentQueriesMax !== undefined)
    valid.concurrentQueriesMax = limit(
      "concurrentQueriesMax",
      changes.concurrentQueriesMax,
      CONCURRENT_QUERIES_MAX,
    );
  if (changes.allowedOrigins !== undefined) {
    const parsed = parseAllowedOrigins(changes.allowedOrigins);
    if (!parsed.ok) throw invalid("allowedOrigins", parsed.reason);
    valid.allowedOrigins = parsed.origins;
  }
  return valid;
}

/** Audit snapshots: whitelisted fields, never a key or its hash. */
export function settingsAudit(merchant: { name: string } & MerchantSettings) {
  return {
    name: merchant.name,
    feeRateBps: merchant.feeRateBps,
    feeFixedMinor: merchant.feeFixedMinor.toString(),
    riskReviewThreshold: merchant.riskReviewThreshold,
    riskDeclineThreshold: merchant.riskDeclineThreshold,
  };
}

export function accessPolicyAudit(policy: Partial<MerchantAccessPolicy>) {
  const audit: Record<string, string | number | null> = {};
  if (policy.rateLimitKeyPerSecond !== undefined) audit.rateLimitKeyPerSecond = policy.rateLimitKeyPerSecond;
  if (policy.rateLimitTokenizePerMinute !== undefined)
    audit.rateLimitTokenizePerMinute = policy.rateLimitTokenizePerMinute;
  if (policy.concurrentQueriesMax !== undefined) audit.concurrentQueriesMax = policy.concurrentQueriesMax;
  // A list in one string: audit values are scalars.
  if (policy.allowedOrigins !== undefined) audit.allowedOrigins = policy.allowedOrigins.join(" ");
  return audit;
}

export function keyAudit(key: ApiKeyRecord) {
  return {
    keyId: key.id,
    kind: key.kind,
    mode: key.mode,
    displayHint: key.displayHint,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
