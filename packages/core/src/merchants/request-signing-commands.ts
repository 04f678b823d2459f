// The one write path for signed requests (issue 22), shared by the console and the CLI: an active secret key's
// signing secret (made or rolled, sealed with the vault, shown once, audited with its hint only) and a merchant's
// requirement that its secret keys' requests be signed (audited). Also the API's read of a key's policy, with the
// secret decrypted in memory.
import { DomainError } from "../errors/domain-error";
import { newId } from "../ids/ids";
import type { Actor } from "../ports/audit";
import type { RequestSigningStore } from "../ports/request-signing-store";
import { decryptSecret, encryptSecret, type VaultKeyring } from "../vault/card-vault";
import { newSigningSecret, signingSecretHint } from "./request-signing";

/** A key's signing policy as the API checks it: the secret in clear (memory only), and the merchant's rule. */
export interface SigningPolicy {
  apiKeyId: string;
  merchantId: string;
  secret: string | null;
  required: boolean;
}

export class RequestSigningCommands {
  constructor(private readonly deps: { store: RequestSigningStore; vault: VaultKeyring }) {}

  /**
   * Makes the signing secret of an active secret key, or rolls it (the old one stops verifying at once, within the
   * API's 30 s policy cache). The secret is in this answer only. Null when the key is not the merchant's.
   */
  async rollSigningSecret(
    actor: Actor,
    merchantId: string,
    keyId: string,
  ): Promise<{ apiKeyId: string; secret: string; hint: string } | null> {
    const key = await this.deps.store.findKey(merchantId, keyId);
    if (key === null) return null;
    if (key.revokedAt !== null)
      throw new DomainError("INVALID_INPUT", "The key is revoked.", { field: ["keyId"] });
    if (key.kind !== "SECRET")
      throw new DomainError("INVALID_INPUT", "Only secret keys (sk_…) sign requests.", { field: ["keyId"] });
    const previousHint = await this.deps.store.secretHintOf(key.id);
    const secret = newSigningSecret();
    const id = newId("signingSecret");
    const hint = signingSecretHint(secret);
    await this.deps.store.replaceSecret(
      key.id,
      { id, encrypted: encryptSecret(this.deps.vault, secret, id), hint },
      {
        actor,
        action: previousHint === null ? "api_key.create_signing_secret" : "api_key.roll_signing_secret",
        targetId: key.merchantId,
        before: { apiKeyId: key.id, signingSecretHint: previousHint },
        after: { apiKeyId: key.id, signingSecretHint: hint },
      },
    );
    return { apiKeyId: key.id, secret, hint };
  }

  /**
   * Requires (or stops requiring) every request of the merchant's secret keys to be signed. Takes effect within
   * the API's 30 s policy cache. Null when there is no such merchant.
   */
  async setRequired(
    actor: Actor,
    merchantId: string,
    required: boolean,
  ): Promise<{ required: boolean } | null> {
    if (typeof required !== "boolean")
      throw new DomainError("INVALID_INPUT", "required is true or false.", { field: ["required"] });
    const before = await this.deps.store.findRequired(merchantId);
    if (before === null) return null;
    const written = await this.deps.store.setRequired(merchantId, required, {
      actor,
      action: "merchant.set_signed_requests",
      targetId: merchantId,
      before: { signedRequestsRequired: before },
      after: { signedRequestsRequired: required },
    });
    return written ? { required } : null;
  }

  /** The policy of an active secret key by its hash, secret decrypted; null for any other key. */
  async policyByKeyHash(keyHash: string): Promise<SigningPolicy | null> {
    const stored = await this.deps.store.policyByKeyHash(keyHash);
    if (stored === null) return null;
    return {
      apiKeyId: stored.apiKeyId,
      merchantId: stored.merchantId,
      secret:
        stored.secret === null
          ? null
          : decryptSecret(this.deps.vault, stored.secret.encrypted, stored.secret.id),
      required: stored.required,
    };
  }
}
