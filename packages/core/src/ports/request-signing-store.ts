// Signed requests (issue 22): API keys' signing secrets (sealed with the vault) and whether a merchant requires
// signatures. Every change is written with its operator audit row in one transaction.
import type { ApiKeyRecord } from "../merchants/merchant";
import type { EncryptedPan } from "../vault/card-vault";
import type { AuditDraft } from "./audit";

export interface SealedSigningSecret {
  /** The row's id, also the ciphertext's associated data. */
  id: string;
  encrypted: EncryptedPan;
  hint: string;
}

/** What the API needs to check a request made with one secret key. */
export interface StoredSigningPolicy {
  apiKeyId: string;
  merchantId: string;
  /** Null: this key has no signing secret. */
  secret: { id: string; encrypted: EncryptedPan } | null;
  /** The merchant requires every request of its secret keys to be signed. */
  required: boolean;
}

export interface RequestSigningStore {
  findKey(merchantId: string, keyId: string): Promise<ApiKeyRecord | null>;
  /** The hint of the key's current signing secret, if any. */
  secretHintOf(keyId: string): Promise<string | null>;
  /** Replaces the key's signing secret (or adds its first). */
  replaceSecret(keyId: string, sealed: SealedSigningSecret, audit: AuditDraft): Promise<void>;
  /** Null when there is no such merchant. */
  findRequired(merchantId: string): Promise<boolean | null>;
  /** False when there is no such merchant (nothing written). */
  setRequired(merchantId: string, required: boolean, audit: AuditDraft): Promise<boolean>;
  /** By the SHA-256 of an active secret key; null for any other key. */
  policyByKeyHash(keyHash: string): Promise<StoredSigningPolicy | null>;
}
