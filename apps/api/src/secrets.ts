// Key material: vault encryption keys, the fingerprint key and the idempotency
// hash secret. Production passes them in the environment; a development run
// generates them once into the data folder (mode 600) so restarts can decrypt
// what earlier runs stored.
import { hkdfSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import type { Env } from "./env";

export interface AppSecrets {
  vaultEncryptionKeys: string;
  vaultFingerprintKey: string;
  idempotencyHashSecret: string;
  /** Shared with the PSPs that sign their webhooks (the sandbox in development). */
  stripeWebhookSecret: string;
  adyenHmacKeyHex: string;
}

export function loadSecrets(env: Env): AppSecrets {
  if (env.VAULT_ENCRYPTION_KEYS && env.VAULT_FINGERPRINT_KEY && env.IDEMPOTENCY_HASH_SECRET) {
    return {
      vaultEncryptionKeys: env.VAULT_ENCRYPTION_KEYS,
      vaultFingerprintKey: env.VAULT_FINGERPRINT_KEY,
      idempotencyHashSecret: env.IDEMPOTENCY_HASH_SECRET,
      stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET ?? `whsec_${randomBytes(24).toString("hex")}`,
      adyenHmacKeyHex: env.ADYEN_HMAC_KEY ?? randomBytes(32).toString("hex"),
    };
  }
  if (env.NODE_ENV === "production") {
    throw new Error(
      "VAULT_ENCRYPTION_KEYS, VAULT_FINGERPRINT_KEY and IDEMPOTENCY_HASH_SECRET are required in production",
    );
  }
  const file = join(env.DATA_DIR, "secrets.json");
  const generated: AppSecrets = {
    vaultEncryptionKeys: `1:${generateKeyMaterial()}`,
    vaultFingerprintKey: randomBytes(32).toString("base64"),
    idempotencyHashSecret: randomBytes(32).toString("base64"),
    stripeWebhookSecret: `whsec_${randomBytes(24).toString("hex")}`,
    adyenHmacKeyHex: randomBytes(32).toString("hex"),
  };
  // Files written by older versions lack the newer secrets: those are added, the rest kept.
  const secrets: AppSecrets = existsSync(file)
    ? { ...generated, ...(JSON.parse(readFileSync(file, "utf8")) as Partial<AppSecrets>) }
    : generated;
  mkdirSync(env.DATA_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** HKDF's info label for the console's key: a key derived under another label is unrelated to it. */
const CONSOLE_IDEMPOTENCY_HASH_LABEL = "paycore/console/idempotency-hash/v1";

/**
 * The console's own idempotency hash secret (base64), derived from the API's. The console hashes only operators'
 * requests, which live under keys of their own kind (OPERATOR), so it never needs to check a hash the API wrote;
 * HKDF is one-way, so the console's copy never yields the API's secret. A request sent under one key through both
 * the console and the API's operator keys is refused (IDEMPOTENCY_KEY_REUSED), never run twice.
 */
export function consoleIdempotencyHashSecret(apiSecretBase64: string): string {
  const derived = hkdfSync(
    "sha256",
    Buffer.from(apiSecretBase64, "base64"),
    Buffer.alloc(0),
    CONSOLE_IDEMPOTENCY_HASH_LABEL,
    32,
  );
  return Buffer.from(derived).toString("base64");
}
