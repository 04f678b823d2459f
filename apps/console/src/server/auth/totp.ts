// TOTP (RFC 6238) for console operators, through otplib: 160-bit secrets,
// 6 digits every 30 s, a code accepted one step either side of now (clock
// drift), and only for a time step later than the last one accepted (no
// replay). The secret is kept encrypted with AES-256-GCM under a key derived
// (HKDF) from the vault's current key, bound to the operator's id, so a
// database dump alone yields no secret and a row copied onto another operator
// fails to decrypt. Recovery codes are 80 random bits each, so their SHA-256
// cannot be brute-forced offline.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import type { VaultKeyring } from "@paycore/core/vault/card-vault";
import { generateSecret, generateSync, generateURI, verifySync } from "otplib";

export const TOTP_ISSUER = "paycore console";
export const TOTP_PERIOD_SECONDS = 30;
/** Seconds of drift tolerated either side: one step. */
const TOTP_TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;
export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_CODE_BYTES = 10;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(email: string, secret: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: email, secret, period: TOTP_PERIOD_SECONDS });
}

/** The current code (tests and the e2e helper compute codes the way an authenticator app would). */
export function totpCode(secret: string, now: Date): string {
  return generateSync({ secret, epoch: Math.floor(now.getTime() / 1000), period: TOTP_PERIOD_SECONDS });
}

/**
 * The time step of `code` if it is valid at `now` and later than `afterTimeStep`; null otherwise. Only six
 * digits are tried: anything else is not a code.
 */
export function verifyTotpCode(
  secret: string,
  code: string,
  now: Date,
  afterTimeStep: bigint | null,
): bigint | null {
  const token = code.replace(/\s+/g, "");
  if (!/^[0-9]{6}$/.test(token)) return null;
  const epoch = Math.floor(now.getTime() / 1000);
  const result = verifySync({
    secret,
    token,
    epoch,
    period: TOTP_PERIOD_SECONDS,
    epochTolerance: TOTP_TOLERANCE_SECONDS,
    ...(afterTimeStep === null ? {} : { afterTimeStep: Number(afterTimeStep) }),
  });
  return result.valid ? BigInt(Math.floor(epoch / TOTP_PERIOD_SECONDS) + result.delta) : null;
}

const SECRET_FORMAT = "v1";
const HKDF_INFO = "paycore/console/totp-secret";

function keyFor(keyring: VaultKeyring, version: number): Buffer {
  const key = keyring.keys.get(version);
  if (!key) throw new Error(`totp secret: no vault key version ${version}`);
  return Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), HKDF_INFO, 32));
}

/** "v1.<key version>.<nonce>.<tag>.<ciphertext>" (base64url parts), the operator's id as associated data. */
export function encryptTotpSecret(keyring: VaultKeyring, secret: string, operatorId: string): string {
  const version = keyring.currentVersion;
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFor(keyring, version), nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(operatorId, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [SECRET_FORMAT, version, nonce, cipher.getAuthTag(), ciphertext]
    .map((part) => (Buffer.isBuffer(part) ? part.toString("base64url") : String(part)))
    .join(".");
}

/** Throws on tampering, a wrong operator or an unknown key version: a secret is never guessed at. */
export function decryptTotpSecret(keyring: VaultKeyring, stored: string, operatorId: string): string {
  const [format, version, nonce, tag, ciphertext] = stored.split(".");
  if (format !== SECRET_FORMAT || !version || !nonce || !tag || ciphertext === undefined) {
    throw new Error("totp secret: unknown format");
  }
  const decipher = createDecipheriv(
    "aes-256-gcm",
    keyFor(keyring, Number(version)),
    Buffer.from(nonce, "base64url"),
    { authTagLength: 16 },
  );
  decipher.setAAD(Buffer.from(operatorId, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
    "utf8",
  );
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Ten codes like "7KQ2-M9XD-3VTR-8HBN" (Crockford base32, 80 bits): shown once, stored hashed. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(RECOVERY_CODE_BYTES);
    let bits = 0n;
    for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
    let text = "";
    for (let index = 0; index < 16; index++) {
      text = CROCKFORD[Number(bits & 31n)] + text;
      bits >>= 5n;
    }
    return text.match(/.{4}/g)?.join("-") ?? text;
  });
}

/** Case, spaces and dashes do not matter; Crockford's look-alikes (O, I, L) read as 0, 1, 1. */
export function normaliseRecoveryCode(code: string): string | null {
  const text = code.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return /^[0-9A-HJKMNP-TV-Z]{16}$/.test(text) ? text : null;
}

export function hashRecoveryCode(normalised: string): string {
  return createHash("sha256").update(normalised, "utf8").digest("hex");
}
