// Merchants and their API keys, write side: the store behind the core's MerchantCommands. Each change and its
// operator audit row are one transaction; a key is stored only as its hash. Apps never get this class, only the
// commands built on it (a dependency-cruiser rule keeps the console's routers and the CLI off this file).
import type { ApiKeyRecord, MerchantAccessPolicy, MerchantRecord } from "@paycore/core/merchants/merchant";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type {
  MerchantChanges,
  MerchantStore,
  NewApiKeyRow,
  NewMerchant,
} from "@paycore/core/ports/merchant-store";
import type { DatabaseClient } from "../client";
import {
  apiKeySelect,
  MerchantRepository,
  merchantSelect,
  toApiKeyRecord,
  toMerchantRecord,
} from "./merchant.repository";
import { FOREIGN_KEY_VIOLATION, operatorAuditRow, prismaErrorCode } from "./operator-audit-row";

const TARGET_TYPE = "merchant";

export class MerchantStoreRepository implements MerchantStore {
  private readonly reads: MerchantRepository;

  constructor(private readonly db: DatabaseClient) {
    this.reads = new MerchantRepository(db);
  }

  findById(id: string): Promise<MerchantRecord | null> {
    return this.reads.findById(id);
  }

  findAccessPolicy(id: string): Promise<MerchantAccessPolicy | null> {
    return this.reads.findAccessPolicy(id);
  }

  findKey(merchantId: string, keyId: string): Promise<ApiKeyRecord | null> {
    return this.reads.findKey(merchantId, keyId);
  }

  create(merchant: NewMerchant, keys: NewApiKeyRow[], audit: AuditDraft): Promise<MerchantRecord> {
    return this.db.$transaction(async (tx) => {
      const row = await tx.merchant.create({ data: merchant, select: merchantSelect });
      if (keys.length > 0) await tx.apiKey.createMany({ data: keys });
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return toMerchantRecord(row);
    });
  }

  update(id: string, changes: MerchantChanges, audit: AuditDraft): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.merchant.updateMany({ where: { id }, data: changes });
      if (count === 0) return false;
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return true;
    });
  }

  async addKey(key: NewApiKeyRow, audit: AuditDraft): Promise<ApiKeyRecord | null> {
    try {
      return await this.db.$transaction(async (tx) => {
        const row = await tx.apiKey.create({ data: key, select: apiKeySelect });
        await tx.operatorAuditLog.create({
          data: operatorAuditRow(audit, TARGET_TYPE),
          select: { id: true },
        });
        return toApiKeyRecord(row);
      });
    } catch (error) {
      // The merchant went away between the command's check and this insert.
      if (prismaErrorCode(error) === FOREIGN_KEY_VIOLATION) return null;
      throw error;
    }
  }

  revokeKey(merchantId: string, keyId: string, at: Date, audit: AuditDraft): Promise<ApiKeyRecord | null> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.apiKey.updateMany({
        where: { id: keyId, merchantId, revokedAt: null },
        data: { revokedAt: at },
      });
      if (count === 0) return null;
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      const row = await tx.apiKey.findUniqueOrThrow({ where: { id: keyId }, select: apiKeySelect });
      return toApiKeyRecord(row);
    });
  }

  rollKey(
    keyId: string,
    next: NewApiKeyRow,
    audit: AuditDraft,
  ): Promise<{ revoked: ApiKeyRecord; created: ApiKeyRecord } | null> {
    return this.db.$transaction(async (tx) => {
      // Only an active key of the same merchant, kind and mode is replaced.
      const { count } = await tx.apiKey.updateMany({
        where: { id: keyId, merchantId: next.merchantId, kind: next.kind, mode: next.mode, revokedAt: null },
        data: { revokedAt: next.createdAt },
      });
      if (count === 0) return null;
      const created = await tx.apiKey.create({ data: next, select: apiKeySelect });
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      const revoked = await tx.apiKey.findUniqueOrThrow({ where: { id: keyId }, select: apiKeySelect });
      return { revoked: toApiKeyRecord(revoked), created: toApiKeyRecord(created) };
    });
  }

  updateKeyOrigins(
    merchantId: string,
    keyId: string,
    origins: string[],
    audit: AuditDraft,
  ): Promise<ApiKeyRecord | null> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.apiKey.updateMany({
        where: { id: keyId, merchantId, kind: "PUBLISHABLE", revokedAt: null },
        data: { allowedOrigins: origins },
      });
      if (count === 0) return null;
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      const row = await tx.apiKey.findUniqueOrThrow({ where: { id: keyId }, select: apiKeySelect });
      return toApiKeyRecord(row);
    });
  }
}
