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
import type { Sql } from "../sql";
import { MerchantRepository } from "./merchant.repository";
import { operatorAuditRow } from "./operator-audit-row";

const TARGET_TYPE = "merchant";

/**
 * A secret key's signing policy by the key's hash $1: the key, its signing secret (none: nulls) and its merchant's
 * requirement (no row: not required), in one statement (issue 23; through Prisma it was four queries, once per key
 * every 15 to 27 s when the API's cache refreshes it).
 */
const POLICY_BY_KEY_HASH = `
SELECT k.id, k.kind::text AS kind, k.merchant_id AS "merchantId", k.revoked_at AS "revokedAt",
       s.id AS "secretId", s.ciphertext, s.nonce, s.auth_tag AS "authTag", s.key_version AS "keyVersion",
       COALESCE(r.required, false) AS required
  FROM api_keys k
  LEFT JOIN api_key_signing_secrets s ON s.api_key_id = k.id
  LEFT JOIN merchant_request_signing r ON r.merchant_id = k.merchant_id
 WHERE k.secret_hash = $1`;

interface PolicyRow {
  id: string;
  kind: string;
  merchantId: string;
  revokedAt: Date | null;
  secretId: string | null;
  ciphertext: Buffer | null;
  nonce: Buffer | null;
  authTag: Buffer | null;
  keyVersion: number | null;
  required: boolean;
}

export class RequestSigningStoreRepository implements RequestSigningStore {
  private readonly merchants: MerchantRepository;

  constructor(
    private readonly db: DatabaseClient,
    /** The API's read of a key's policy, on every refresh of its cache. */
    private readonly sql: Sql,
  ) {
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
    const [row] = await this.sql.query<PolicyRow>(POLICY_BY_KEY_HASH, [keyHash]);
    if (row === undefined || row.kind !== "SECRET" || row.revokedAt !== null) return null;
    const { secretId, ciphertext, nonce, authTag, keyVersion } = row;
    return {
      apiKeyId: row.id,
      merchantId: row.merchantId,
      secret:
        secretId === null || ciphertext === null || nonce === null || authTag === null || keyVersion === null
          ? null
          : { id: secretId, encrypted: { ciphertext, nonce, authTag, keyVersion } },
      required: row.required,
    };
  }
}
