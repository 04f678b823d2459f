// Key material: vault encryption keys, the fingerprint key and the idempotency
// hash secret. Production passes them in the environment; a development run
// generates them once into the data folder (mode 600) so restarts can decrypt
// what earlier runs stored.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import type { Env } from "./env";

export interface AppSecrets {
  vaultEncryptionKeys: string;
  vaultFingerprintKey: string;
  idempotencyHashSecret: string;
}

export function loadSecrets(env: Env): AppSecrets {
  if (env.VAULT_ENCRYPTION_KEYS && env.VAULT_FINGERPRINT_KEY && env.IDEMPOTENCY_HASH_SECRET) {
    return {
      vaultEncryptionKeys: env.VAULT_ENCRYPTION_KEYS,
      vaultFingerprintKey: env.VAULT_FINGERPRINT_KEY,
      idempotencyHashSecret: env.IDEMPOTENCY_HASH_SECRET,
    };
  }
  if (env.NODE_ENV === "production") {
    throw new Error(
      "VAULT_ENCRYPTION_KEYS, VAULT_FINGERPRINT_KEY and IDEMPOTENCY_HASH_SECRET are required in production",
    );
  }
  const file = join(env.DATA_DIR, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as AppSecrets;
  const secrets: AppSecrets = {
    vaultEncryptionKeys: `1:${generateKeyMaterial()}`,
    vaultFingerprintKey: randomBytes(32).toString("base64"),
    idempotencyHashSecret: randomBytes(32).toString("base64"),
  };
  mkdirSync(env.DATA_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
