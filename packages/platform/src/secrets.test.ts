// Goal: production never starts with a made-up secret (every missing one is
// named, no value is shown), and a development run generates only what the
// environment lacks, once, writing nothing the environment gave to disk.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readEnv } from "./env";
import { loadSecrets } from "./secrets";

const ALL = {
  VAULT_ENCRYPTION_KEYS: "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  VAULT_FINGERPRINT_KEY: "fingerprint-key-from-env",
  IDEMPOTENCY_HASH_SECRET: "idempotency-secret-from-env",
  STRIPE_WEBHOOK_SECRET: "whsec_from_env",
  ADYEN_HMAC_KEY: "ab".repeat(32),
};

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function dataDir(): string {
  const folder = mkdtempSync(join(tmpdir(), "paycore-secrets-"));
  folders.push(folder);
  // A folder that does not exist yet: it is created when something must be written.
  return join(folder, "data");
}

describe("loadSecrets", () => {
  it.each(Object.keys(ALL))("refuses to start in production without %s, naming only it", (variable) => {
    const env = readEnv({ ...ALL, [variable]: undefined, NODE_ENV: "production", DATA_DIR: dataDir() });
    const attempt = () => loadSecrets(env);
    expect(attempt).toThrow(new RegExp(`^${variable} required in production`));
    try {
      attempt();
    } catch (error) {
      for (const value of Object.values(ALL)) expect(String(error)).not.toContain(value);
    }
  });

  it("uses the environment's secrets in production and writes nothing", () => {
    const dir = dataDir();
    expect(loadSecrets(readEnv({ ...ALL, NODE_ENV: "production", DATA_DIR: dir }))).toEqual({
      vaultEncryptionKeys: ALL.VAULT_ENCRYPTION_KEYS,
      vaultFingerprintKey: ALL.VAULT_FINGERPRINT_KEY,
      idempotencyHashSecret: ALL.IDEMPOTENCY_HASH_SECRET,
      stripeWebhookSecret: ALL.STRIPE_WEBHOOK_SECRET,
      adyenHmacKeyHex: ALL.ADYEN_HMAC_KEY,
    });
    expect(() => readFileSync(join(dir, "secrets.json"))).toThrow(/ENOENT/);
  });

  it("outside production generates only the missing webhook secrets, once, and shares them across loads", () => {
    const dir = dataDir();
    const partial = {
      VAULT_ENCRYPTION_KEYS: ALL.VAULT_ENCRYPTION_KEYS,
      VAULT_FINGERPRINT_KEY: ALL.VAULT_FINGERPRINT_KEY,
      IDEMPOTENCY_HASH_SECRET: ALL.IDEMPOTENCY_HASH_SECRET,
      DATA_DIR: dir,
    };
    const first = loadSecrets(readEnv(partial));
    const second = loadSecrets(readEnv(partial));
    expect(second).toEqual(first);
    expect(first.vaultFingerprintKey).toBe(ALL.VAULT_FINGERPRINT_KEY);
    expect(first.stripeWebhookSecret).toMatch(/^whsec_[0-9a-f]{48}$/);
    const written = JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"));
    expect(Object.keys(written).sort()).toEqual(["adyenHmacKeyHex", "stripeWebhookSecret"]);
  });
});
