// Key material: vault encryption keys, the fingerprint key, the idempotency
// hash secret and the webhook secrets. Production passes all of them in the
// environment and starts without any of them otherwise: a webhook secret made
// up at start would be one the PSP does not know, and every notification would
// be refused. A development run generates what the environment lacks once into
// the data folder (mode 600), so restarts, the sandbox and every API process
// share them and can decrypt what earlier runs stored.
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

/** Each secret and the variable it comes from. */
const VARIABLES: ReadonlyArray<readonly [keyof AppSecrets, keyof Env]> = [
  ["vaultEncryptionKeys", "VAULT_ENCRYPTION_KEYS"],
  ["vaultFingerprintKey", "VAULT_FINGERPRINT_KEY"],
  ["idempotencyHashSecret", "IDEMPOTENCY_HASH_SECRET"],
  ["stripeWebhookSecret", "STRIPE_WEBHOOK_SECRET"],
  ["adyenHmacKeyHex", "ADYEN_HMAC_KEY"],
];

const GENERATE: Record<keyof AppSecrets, () => string> = {
  vaultEncryptionKeys: () => `1:${generateKeyMaterial()}`,
  vaultFingerprintKey: () => randomBytes(32).toString("base64"),
  idempotencyHashSecret: () => randomBytes(32).toString("base64"),
  stripeWebhookSecret: () => `whsec_${randomBytes(24).toString("hex")}`,
  adyenHmacKeyHex: () => randomBytes(32).toString("hex"),
};

export function loadSecrets(env: Env): AppSecrets {
  const fromEnv: Partial<AppSecrets> = {};
  const missing: string[] = [];
  for (const [secret, variable] of VARIABLES) {
    const value = env[variable];
    if (typeof value === "string" && value !== "") fromEnv[secret] = value;
    else missing.push(variable);
  }
  if (missing.length === 0) return fromEnv as AppSecrets;
  if (env.NODE_ENV === "production") {
    // Names only: never a value.
    throw new Error(`${missing.join(", ")} required in production (see docs/operations.md, "Configuration")`);
  }
  const file = join(env.DATA_DIR, "secrets.json");
  const stored: Partial<AppSecrets> = existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as Partial<AppSecrets>)
    : {};
  // Only what neither the environment nor an earlier run gave is generated (files of older versions lack the
  // newer secrets), and only generated secrets go to disk: what the environment gives stays there.
  let generated = false;
  for (const [secret] of VARIABLES) {
    if (fromEnv[secret] !== undefined || stored[secret] !== undefined) continue;
    stored[secret] = GENERATE[secret]();
    generated = true;
  }
  if (generated) {
    mkdirSync(env.DATA_DIR, { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return { ...stored, ...fromEnv } as AppSecrets;
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
