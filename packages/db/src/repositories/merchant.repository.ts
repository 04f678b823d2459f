// Merchants and their API keys. A key is stored only as its hash.

import { type ApiKeyId, type MerchantId, newId } from "@paycore/core/ids/ids";
import { type ApiKeyKind, generateApiKey } from "@paycore/core/merchants/api-keys";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { DatabaseClient } from "../client";

export interface IssuedKey {
  id: ApiKeyId;
  kind: ApiKeyKind;
  mode: Mode;
  key: string;
}

export interface CreatedMerchant {
  id: MerchantId;
  name: string;
  keys: IssuedKey[];
}

export const MERCHANTS_MAX = 500;
export const KEYS_PER_MERCHANT_MAX = 200;

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

/** How many distinct origins all merchants together may register: a bound on the API's preflight cache. */
export const ALL_ALLOWED_ORIGINS_MAX = 10_000;

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
}

/** A key just made: its record plus the whole key, to show once. */
export interface NewApiKey extends ApiKeyRecord {
  key: string;
}

const merchantSelect = {
  id: true,
  name: true,
  feeRateBps: true,
  feeFixedMinor: true,
  riskReviewThreshold: true,
  riskDeclineThreshold: true,
  createdAt: true,
} as const;

const accessPolicySelect = {
  rateLimitKeyPerSecond: true,
  rateLimitTokenizePerMinute: true,
  concurrentQueriesMax: true,
  allowedOrigins: true,
} as const;

const apiKeySelect = {
  id: true,
  merchantId: true,
  kind: true,
  mode: true,
  displayHint: true,
  createdAt: true,
  revokedAt: true,
} as const;

function toMerchantRecord(row: {
  id: string;
  name: string;
  feeRateBps: number;
  feeFixedMinor: bigint;
  riskReviewThreshold: number;
  riskDeclineThreshold: number;
  createdAt: Date;
}): MerchantRecord {
  return { ...row, id: row.id as MerchantId };
}

function toApiKeyRecord(row: {
  id: string;
  merchantId: string;
  kind: ApiKeyKind;
  mode: Mode;
  displayHint: string;
  createdAt: Date;
  revokedAt: Date | null;
}): ApiKeyRecord {
  return { ...row, id: row.id as ApiKeyId, merchantId: row.merchantId as MerchantId };
}

export class MerchantRepository {
  constructor(private readonly db: DatabaseClient) {}

  /** Creates a merchant with a secret and a publishable key per requested mode, in one transaction. */
  async createWithKeys(input: {
    name: string;
    modes: Mode[];
    feeRateBps?: number;
    feeFixedMinor?: bigint;
    riskReviewThreshold?: number;
    riskDeclineThreshold?: number;
    accessPolicy?: Partial<MerchantAccessPolicy>;
  }): Promise<CreatedMerchant> {
    const id = newId("merchant");
    const generated = input.modes.flatMap((mode) => [
      generateApiKey("SECRET", mode),
      generateApiKey("PUBLISHABLE", mode),
    ]);
    const keys = generated.map((key) => ({ ...key, id: newId("apiKey") }));
    await this.db.$transaction([
      this.db.merchant.create({
        data: {
          id,
          name: input.name,
          ...(input.feeRateBps === undefined ? {} : { feeRateBps: input.feeRateBps }),
          ...(input.feeFixedMinor === undefined ? {} : { feeFixedMinor: input.feeFixedMinor }),
          ...(input.riskReviewThreshold === undefined
            ? {}
            : { riskReviewThreshold: input.riskReviewThreshold }),
          ...(input.riskDeclineThreshold === undefined
            ? {}
            : { riskDeclineThreshold: input.riskDeclineThreshold }),
          ...input.accessPolicy,
        },
        select: { id: true },
      }),
      this.db.apiKey.createMany({
        data: keys.map((key) => ({
          id: key.id,
          merchantId: id,
          kind: key.kind,
          mode: key.mode,
          secretHash: key.secretHash,
          displayHint: key.displayHint,
        })),
      }),
    ]);
    return {
      id,
      name: input.name,
      keys: keys.map(({ id: keyId, kind, mode, key }) => ({ id: keyId, kind, mode, key })),
    };
  }

  /** Merchants by name, with their settings. */
  async list(limit = MERCHANTS_MAX): Promise<MerchantRecord[]> {
    const rows = await this.db.merchant.findMany({
      orderBy: [{ name: "asc" }, { id: "asc" }],
      take: Math.min(Math.max(limit, 1), MERCHANTS_MAX),
      select: merchantSelect,
    });
    return rows.map(toMerchantRecord);
  }

  async findById(id: string): Promise<MerchantRecord | null> {
    const row = await this.db.merchant.findUnique({ where: { id }, select: merchantSelect });
    return row === null ? null : toMerchantRecord(row);
  }

  /** Updates the fee and risk settings; null when there is no such merchant. */
  async updateSettings(id: string, settings: MerchantSettings): Promise<MerchantRecord | null> {
    const updated = await this.db.merchant.updateMany({ where: { id }, data: settings });
    if (updated.count === 0) return null;
    return this.findById(id);
  }

  async findAccessPolicy(id: string): Promise<MerchantAccessPolicy | null> {
    return this.db.merchant.findUnique({ where: { id }, select: accessPolicySelect });
  }

  /** Changes the given fields of the access policy (null restores a default); null when there is no such merchant. */
  async updateAccessPolicy(
    id: string,
    changes: Partial<MerchantAccessPolicy>,
  ): Promise<MerchantAccessPolicy | null> {
    const updated = await this.db.merchant.updateMany({ where: { id }, data: changes });
    if (updated.count === 0) return null;
    return this.findAccessPolicy(id);
  }

  /**
   * Every origin some merchant allows, at most `limit`: a CORS preflight carries no key, so it can only be
   * answered for the union.
   */
  async allowedOriginsOfAll(limit = ALL_ALLOWED_ORIGINS_MAX): Promise<string[]> {
    const rows = await this.db.$queryRaw<Array<{ origin: string }>>`
      SELECT DISTINCT origin FROM merchants, unnest(allowed_origins) AS origin
      ORDER BY origin LIMIT ${Math.min(Math.max(limit, 1), ALL_ALLOWED_ORIGINS_MAX)}`;
    return rows.map((row) => row.origin);
  }

  /** A merchant's keys, newest first (never the hash). */
  async listKeys(merchantId: string, limit = KEYS_PER_MERCHANT_MAX): Promise<ApiKeyRecord[]> {
    const rows = await this.db.apiKey.findMany({
      where: { merchantId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: Math.min(Math.max(limit, 1), KEYS_PER_MERCHANT_MAX),
      select: apiKeySelect,
    });
    return rows.map(toApiKeyRecord);
  }

  async findKey(merchantId: string, keyId: string): Promise<ApiKeyRecord | null> {
    const row = await this.db.apiKey.findFirst({ where: { id: keyId, merchantId }, select: apiKeySelect });
    return row === null ? null : toApiKeyRecord(row);
  }

  /** Adds one key to a merchant: only its hash is stored; the key is returned to be shown once. */
  async addKey(merchantId: MerchantId, kind: ApiKeyKind, mode: Mode, at: Date): Promise<NewApiKey> {
    const generated = generateApiKey(kind, mode);
    const id = newId("apiKey");
    const row = await this.db.apiKey.create({
      data: {
        id,
        merchantId,
        kind,
        mode,
        secretHash: generated.secretHash,
        displayHint: generated.displayHint,
        createdAt: at,
      },
      select: apiKeySelect,
    });
    return { ...toApiKeyRecord(row), key: generated.key };
  }

  /** Revokes one active key; null when it does not exist or is already revoked. */
  async revokeKey(merchantId: string, keyId: string, at: Date): Promise<ApiKeyRecord | null> {
    const updated = await this.db.apiKey.updateMany({
      where: { id: keyId, merchantId, revokedAt: null },
      data: { revokedAt: at },
    });
    if (updated.count === 0) return null;
    return this.findKey(merchantId, keyId);
  }

  /**
   * Rolls a key: a new key of the same kind and mode, and the old one revoked, in one transaction. Null when the
   * old key does not exist or is already revoked (then nothing is written).
   */
  async rollKey(
    merchantId: MerchantId,
    keyId: string,
    at: Date,
  ): Promise<{ revoked: ApiKeyRecord; created: NewApiKey } | null> {
    return this.db.$transaction(async (tx) => {
      const old = await tx.apiKey.findFirst({
        where: { id: keyId, merchantId, revokedAt: null },
        select: apiKeySelect,
      });
      if (old === null) return null;
      const revokedCount = await tx.apiKey.updateMany({
        where: { id: keyId, merchantId, revokedAt: null },
        data: { revokedAt: at },
      });
      if (revokedCount.count === 0) return null;
      const generated = generateApiKey(old.kind, old.mode);
      const created = await tx.apiKey.create({
        data: {
          id: newId("apiKey"),
          merchantId,
          kind: old.kind,
          mode: old.mode,
          secretHash: generated.secretHash,
          displayHint: generated.displayHint,
          createdAt: at,
        },
        select: apiKeySelect,
      });
      return {
        revoked: toApiKeyRecord({ ...old, revokedAt: at }),
        created: { ...toApiKeyRecord(created), key: generated.key },
      };
    });
  }

  async count(): Promise<number> {
    return this.db.merchant.count();
  }
}
