import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { InvariantError, invariant } from "../errors/domain-error";

export interface VaultKeyring {
  currentVersion: number;
  /** AES-256 keys (32 bytes) by version; old versions stay so old ciphertexts still decrypt. */
  keys: ReadonlyMap<number, Buffer>;
  /** HMAC key (at least 32 bytes) for fingerprints; separate from encryption so each can rotate on its own terms. */
  fingerprintKey: Buffer;
}

export interface EncryptedPan {
  ciphertext: Buffer;
  nonce: Buffer;
  authTag: Buffer;
  keyVersion: number;
}

const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const AUTH_TAG_BYTES = 16;
const MIN_FINGERPRINT_KEY_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Buffer.from(_, "base64") silently skips junk, so a typo in a key would yield a different key.
function decodeBase64Strict(value: string): Buffer | null {
  if (value.length === 0 || !BASE64.test(value)) {
    return null;
  }
  return Buffer.from(value, "base64");
}

/**
 * Parses keys from configuration: encryptionKeys is "1:<base64>,2:<base64>" and the highest
 * version becomes current. Error messages name the entry position, never the key material.
 */
export function parseKeyring(spec: { encryptionKeys: string; fingerprintKey: string }): VaultKeyring {
  const keys = new Map<number, Buffer>();
  const entries = (spec.encryptionKeys ?? "").split(",").map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const separator = entry.indexOf(":");
    const versionText = separator === -1 ? "" : entry.slice(0, separator);
    invariant(
      /^[1-9][0-9]{0,8}$/.test(versionText),
      `card vault: encryption key entry #${index + 1} must look like "<version>:<base64 key>" with a positive integer version`,
    );
    const version = Number(versionText);
    invariant(!keys.has(version), `card vault: encryption key version ${version} is listed twice`);
    const key = decodeBase64Strict(entry.slice(separator + 1));
    invariant(
      key !== null && key.length === KEY_BYTES,
      `card vault: encryption key version ${version} must be ${KEY_BYTES} bytes of base64`,
    );
    keys.set(version, key);
  });
  invariant(keys.size > 0, "card vault: no encryption keys configured");

  const fingerprintKey = decodeBase64Strict((spec.fingerprintKey ?? "").trim());
  invariant(
    fingerprintKey !== null && fingerprintKey.length >= MIN_FINGERPRINT_KEY_BYTES,
    `card vault: fingerprint key must be at least ${MIN_FINGERPRINT_KEY_BYTES} bytes of base64`,
  );
  for (const [version, key] of keys) {
    // Reusing one secret for both jobs would tie fingerprint stability to encryption rotation.
    invariant(
      key.length !== fingerprintKey.length || !timingSafeEqual(key, fingerprintKey),
      `card vault: fingerprint key must differ from encryption key version ${version}`,
    );
  }

  return { currentVersion: Math.max(...keys.keys()), keys, fingerprintKey };
}

function keyFor(keyring: VaultKeyring, version: number): Buffer {
  const key = keyring.keys.get(version);
  invariant(
    key !== undefined && key.length === KEY_BYTES,
    `card vault: no usable key for version ${version}`,
  );
  return key;
}

/** AAD binds the ciphertext to its owner (e.g. the payment method id) so rows cannot be swapped. */
export function encryptPan(keyring: VaultKeyring, pan: string, associatedData: string): EncryptedPan {
  invariant(/^[0-9]{12,19}$/.test(pan), "card vault: only validated card numbers are encrypted");
  return encryptSecret(keyring, pan, associatedData);
}

/** Throws InvariantError on any tampering, wrong AAD or unknown key version: stored card data is never guessed at. */
export function decryptPan(keyring: VaultKeyring, encrypted: EncryptedPan, associatedData: string): string {
  return decryptSecret(keyring, encrypted, associatedData);
}

/**
 * Any secret the product stores (a card number, and later bank accounts, PSP credentials), encrypted under
 * the current key version with its owner's id as associated data.
 */
export function encryptSecret(
  keyring: VaultKeyring,
  plaintext: string,
  associatedData: string,
): EncryptedPan {
  const keyVersion = keyring.currentVersion;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, keyFor(keyring, keyVersion), nonce, {
    authTagLength: AUTH_TAG_BYTES,
  });
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return { ciphertext, nonce, authTag: cipher.getAuthTag(), keyVersion };
}

/** Throws InvariantError on any tampering, wrong AAD or unknown key version: stored data is never guessed at. */
export function decryptSecret(
  keyring: VaultKeyring,
  encrypted: EncryptedPan,
  associatedData: string,
): string {
  const key = keyFor(keyring, encrypted.keyVersion);
  invariant(encrypted.nonce.length === NONCE_BYTES, "card vault: nonce has the wrong length");
  // GCM accepts truncated tags unless told the length, which would weaken authentication.
  invariant(encrypted.authTag.length === AUTH_TAG_BYTES, "card vault: auth tag has the wrong length");
  const decipher = createDecipheriv(ALGORITHM, key, encrypted.nonce, { authTagLength: AUTH_TAG_BYTES });
  decipher.setAAD(Buffer.from(associatedData, "utf8"));
  decipher.setAuthTag(encrypted.authTag);
  try {
    return Buffer.concat([decipher.update(encrypted.ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new InvariantError(
      `card vault: ciphertext under key version ${encrypted.keyVersion} failed authentication`,
    );
  }
}

/** Re-encrypts under the current key; the rotation job (key-rotation.ts) calls this for rows under an old version. */
export function reencryptSecret(
  keyring: VaultKeyring,
  encrypted: EncryptedPan,
  associatedData: string,
): EncryptedPan {
  return encryptSecret(keyring, decryptSecret(keyring, encrypted, associatedData), associatedData);
}

/** Keyed, so a leaked fingerprint column cannot be brute-forced over the small space of valid PANs. */
export function fingerprintPan(keyring: VaultKeyring, pan: string): string {
  return createHmac("sha256", keyring.fingerprintKey).update(pan, "utf8").digest("hex");
}

export function generateKeyMaterial(): string {
  return randomBytes(KEY_BYTES).toString("base64");
}
