// Merchants and their API keys, read side: what the API, the console and the CLI read. Every write goes through
// the core's MerchantCommands (merchant-store.repository.ts), which audits it in the same transaction.

import type { ApiKeyId, MerchantId } from "@paycore/core/ids/ids";
import type { ApiKeyKind } from "@paycore/core/merchants/api-keys";
import type { ApiKeyRecord, MerchantAccessPolicy, MerchantRecord } from "@paycore/core/merchants/merchant";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { DatabaseClient } from "../client";
import type { Sql } from "../sql";

export type {
  ApiKeyRecord,
  MerchantAccessPolicy,
  MerchantRecord,
  MerchantSettings,
  NewApiKey,
} from "@paycore/core/merchants/merchant";

export const MERCHANTS_MAX = 500;
export const KEYS_PER_MERCHANT_MAX = 200;

/** How many distinct origins all merchants together may register: a bound on the API's preflight cache. */
export const ALL_ALLOWED_ORIGINS_MAX = 10_000;

export const merchantSelect = {
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

/**
 * What the API's access policies read, cached per merchant for 30 s: one node-postgres statement each (issue 23),
 * where MerchantRepository's Prisma queries cost the API an order of magnitude more CPU per read.
 */
export class MerchantAccessPolicyReader {
  constructor(private readonly sql: Sql) {}

  async findAccessPolicy(id: string): Promise<MerchantAccessPolicy | null> {
    const [row] = await this.sql.query<MerchantAccessPolicy>(
      `SELECT rate_limit_key_per_second AS "rateLimitKeyPerSecond",
              rate_limit_tokenize_per_minute AS "rateLimitTokenizePerMinute",
              concurrent_queries_max AS "concurrentQueriesMax", allowed_origins AS "allowedOrigins"
         FROM merchants WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  /** As MerchantRepository.allowedOriginsOfAll. */
  async allowedOriginsOfAll(limit = ALL_ALLOWED_ORIGINS_MAX): Promise<string[]> {
    const rows = await this.sql.query<{ origin: string }>(
      "SELECT DISTINCT origin FROM merchants, unnest(allowed_origins) AS origin ORDER BY origin LIMIT $1",
      [Math.min(Math.max(limit, 1), ALL_ALLOWED_ORIGINS_MAX)],
    );
    return rows.map((row) => row.origin);
  }
}

export const apiKeySelect = {
  id: true,
  merchantId: true,
  kind: true,
  mode: true,
  displayHint: true,
  createdAt: true,
  revokedAt: true,
  allowedOrigins: true,
} as const;

export function toMerchantRecord(row: {
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

export function toApiKeyRecord(row: {
  id: string;
  merchantId: string;
  kind: ApiKeyKind;
  mode: Mode;
  displayHint: string;
  createdAt: Date;
  revokedAt: Date | null;
  allowedOrigins: string[];
}): ApiKeyRecord {
  return { ...row, id: row.id as ApiKeyId, merchantId: row.merchantId as MerchantId };
}

export class MerchantRepository {
  constructor(private readonly db: DatabaseClient) {}

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

  async findAccessPolicy(id: string): Promise<MerchantAccessPolicy | null> {
    return this.db.merchant.findUnique({ where: { id }, select: accessPolicySelect });
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

  async count(): Promise<number> {
    return this.db.merchant.count();
  }
}
