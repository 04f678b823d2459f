// What the console shows of merchants and their keys: JSON-safe (bigints as digit strings, ISO dates), and never
// a key's hash. The whole key appears only in the answer of the mutation that made it.
import type { ApiKeyRecord, MerchantRecord } from "@paycore/core/merchants/merchant";

export interface MerchantView {
  id: string;
  name: string;
  feeRateBps: number;
  feeFixedMinor: string;
  riskReviewThreshold: number;
  riskDeclineThreshold: number;
  createdAt: string;
}

export interface ApiKeyView {
  id: string;
  kind: "SECRET" | "PUBLISHABLE";
  mode: "TEST" | "LIVE";
  displayHint: string;
  createdAt: string;
  revokedAt: string | null;
  /** A publishable key's hosted card fields' parent origins (empty for a secret key). */
  allowedOrigins: string[];
}

/** A key just made: shown once, stored only as its hash. */
export interface NewKeyView extends ApiKeyView {
  key: string;
}

export function merchantView(merchant: MerchantRecord): MerchantView {
  return {
    id: merchant.id,
    name: merchant.name,
    feeRateBps: merchant.feeRateBps,
    feeFixedMinor: merchant.feeFixedMinor.toString(),
    riskReviewThreshold: merchant.riskReviewThreshold,
    riskDeclineThreshold: merchant.riskDeclineThreshold,
    createdAt: merchant.createdAt.toISOString(),
  };
}

export function apiKeyView(key: ApiKeyRecord): ApiKeyView {
  return {
    id: key.id,
    kind: key.kind,
    mode: key.mode,
    displayHint: key.displayHint,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
    allowedOrigins: key.allowedOrigins,
  };
}
