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

export interface AuthenticatedKey {
  apiKeyId: ApiKeyId;
  merchantId: MerchantId;
  kind: ApiKeyKind;
  mode: Mode;
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

  async findActiveKeyByHash(secretHash: string): Promise<AuthenticatedKey | null> {
    const row = await this.db.apiKey.findUnique({
      where: { secretHash },
      select: { id: true, merchantId: true, kind: true, mode: true, revokedAt: true },
    });
    if (row === null || row.revokedAt !== null) return null;
    return {
      apiKeyId: row.id as ApiKeyId,
      merchantId: row.merchantId as MerchantId,
      kind: row.kind,
      mode: row.mode,
    };
  }

  async count(): Promise<number> {
    return this.db.merchant.count();
  }
}
