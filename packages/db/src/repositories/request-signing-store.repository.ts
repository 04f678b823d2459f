// Signed requests (issue 22), write side and the API's read: API keys' signing secrets (vault ciphertexts, never
// the secret), merchants' requirement, and the policy of a secret key by its hash. Each change is written with its
// operator audit row in one transaction. Apps get RequestSigningCommands, never this class.
import type { ApiKeyRecord } from "@paycore/core/merchants/merchant";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type {
  RequestSigningStore,
  SealedSigningSecret,
  StoredSigningPolicy,
} from "@paycore/core/ports/request-signing-store";
import type { DatabaseClient } from "../client";
import { MerchantRepository } from "./merchant.repository";
import { operatorAuditRow } from "./operator-audit-row";

const TARGET_TYPE = "merchant";

export class RequestSigningStoreRepository implements RequestSigningStore {
  private readonly merchants: MerchantRepository;

  constructor(private readonly db: DatabaseClient) {
    this.merchants = new MerchantRepository(db);
  }

  findKey(merchantId: string, keyId: string): Promise<ApiKeyRecord | null> {
    return this.merchants.findKey(merchantId, keyId);
  }

  async secretHintOf(keyId: string): Promise<string | null> {
    const row = await this.db.apiKeySigningSecret.findUnique({
      where: { apiKeyId: keyId },
      select: { hint: true },
    });
    return row?.hint ?? null;
  }

  async replaceSecret(keyId: string, sealed: SealedSigningSecret, audit: AuditDraft): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.apiKeySigningSecret.deleteMany({ where: { apiKeyId: keyId } });
      await tx.apiKeySigningSecret.create({
        data: {
          id: sealed.id,
          apiKeyId: keyId,
          ciphertext: new Uint8Array(sealed.encrypted.ciphertext),
          nonce: new Uint8Array(sealed.encrypted.nonce),
          authTag: new Uint8Array(sealed.encrypted.authTag),
          keyVersion: sealed.encrypted.keyVersion,
          hint: sealed.hint,
        },
        select: { id: true },
      });
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
    });
  }

  async findRequired(merchantId: string): Promise<boolean | null> {
    const row = await this.db.merchant.findUnique({
      where: { id: merchantId },
      select: { requestSigning: { select: { required: true } } },
    });
    return row === null ? null : (row.requestSigning?.required ?? false);
  }

  setRequired(merchantId: string, required: boolean, audit: AuditDraft): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const exists = await tx.merchant.count({ where: { id: merchantId } });
      if (exists === 0) return false;
      await tx.merchantRequestSigning.upsert({
        where: { merchantId },
        create: { merchantId, required },
        update: { required, updatedAt: new Date() },
      });
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return true;
    });
  }

  async policyByKeyHash(keyHash: string): Promise<StoredSigningPolicy | null> {
    const row = await this.db.apiKey.findUnique({
      where: { secretHash: keyHash },
      select: {
        id: true,
        kind: true,
        merchantId: true,
        revokedAt: true,
        signingSecret: {
          select: { id: true, ciphertext: true, nonce: true, authTag: true, keyVersion: true },
        },
        merchant: { select: { requestSigning: { select: { required: true } } } },
      },
    });
    if (row === null || row.kind !== "SECRET" || row.revokedAt !== null) return null;
    const secret = row.signingSecret;
    return {
      apiKeyId: row.id,
      merchantId: row.merchantId,
      secret:
        secret === null
          ? null
          : {
              id: secret.id,
              encrypted: {
                ciphertext: Buffer.from(secret.ciphertext),
                nonce: Buffer.from(secret.nonce),
                authTag: Buffer.from(secret.authTag),
                keyVersion: secret.keyVersion,
              },
            },
      required: row.merchant.requestSigning?.required ?? false,
    };
  }
}
