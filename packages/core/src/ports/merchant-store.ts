// Where merchants and their API keys are kept. Every change is written together with its operator audit row, in
// one transaction; a key is stored only as its hash.
import type { ApiKeyId, MerchantId } from "../ids/ids";
import type { ApiKeyKind } from "../merchants/api-keys";
import type {
  ApiKeyRecord,
  MerchantAccessPolicy,
  MerchantRecord,
  MerchantSettings,
} from "../merchants/merchant";
import type { Mode } from "../payments/payment-record";
import type { AuditDraft } from "./audit";

export interface NewMerchant extends MerchantSettings, MerchantAccessPolicy {
  id: MerchantId;
  name: string;
}

/** A key as stored: its hash and hint, never the key. */
export interface NewApiKeyRow {
  id: ApiKeyId;
  merchantId: MerchantId;
  kind: ApiKeyKind;
  mode: Mode;
  secretHash: string;
  displayHint: string;
  createdAt: Date;
  /** A publishable key's card-fields origins (validated by the command); empty for a secret key. */
  allowedOrigins: string[];
}

export type MerchantChanges = Partial<MerchantSettings> & Partial<MerchantAccessPolicy>;

export interface MerchantStore {
  findById(id: string): Promise<MerchantRecord | null>;
  findAccessPolicy(id: string): Promise<MerchantAccessPolicy | null>;
  findKey(merchantId: string, keyId: string): Promise<ApiKeyRecord | null>;
  create(merchant: NewMerchant, keys: NewApiKeyRow[], audit: AuditDraft): Promise<MerchantRecord>;
  /** False when there is no such merchant (then nothing is written). */
  update(id: string, changes: MerchantChanges, audit: AuditDraft): Promise<boolean>;
  /** Null when there is no such merchant. */
  addKey(key: NewApiKeyRow, audit: AuditDraft): Promise<ApiKeyRecord | null>;
  /** Null when the key does not exist for this merchant or is already revoked. */
  revokeKey(merchantId: string, keyId: string, at: Date, audit: AuditDraft): Promise<ApiKeyRecord | null>;
  /** Revokes `keyId` and adds `next`, or null (nothing written) when `keyId` is not an active key of the merchant. */
  rollKey(
    keyId: string,
    next: NewApiKeyRow,
    audit: AuditDraft,
  ): Promise<{ revoked: ApiKeyRecord; created: ApiKeyRecord } | null>;
  /**
   * Replaces an active publishable key's card-fields origins, with its audit row; null (nothing written) when it
   * is not an active publishable key of the merchant.
   */
  updateKeyOrigins(
    merchantId: string,
    keyId: string,
    origins: string[],
    audit: AuditDraft,
  ): Promise<ApiKeyRecord | null>;
}
