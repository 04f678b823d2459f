// Customers' personal data at rest (issue 22): e-mail addresses and IP addresses are sealed with the card vault's
// keys (AES-256-GCM, key versions, the same rotation) into a self-describing text envelope, so the columns that held
// plaintext keep their type and the database triggers that copy an address (a receipt's from its payment) copy the
// ciphertext. Searching uses a blind index: HMAC-SHA256 under a key derived from the vault's fingerprint key (never
// from the data) over the normalised value, so equal inputs give equal index values and a leaked column cannot be
// reversed without the key.
import { createHmac, hkdfSync } from "node:crypto";
import { invariant } from "../errors/domain-error";
import { decryptSecret, type EncryptedPan, encryptSecret, type VaultKeyring } from "./card-vault";

/**
 * What a sealed value is; part of its associated data, so an IP ciphertext never opens as an e-mail. `geo` is a
 * payment's location (billing coordinates or the IP's), sealed as `formatGeoPoint`'s text; it has no blind index.
 */
export type PiiKind = "email" | "ip" | "geo";

/** Every sealed value starts with this; a value without it is a plaintext row not yet backfilled. */
export const PII_ENVELOPE_PREFIX = "pii1:";
/** What an erased value becomes in a column that may not be null (a receipt's address). */
export const PII_ERASED = "pii1:erased";

const HKDF_BLIND_INDEX_LABEL = "paycore/pii/blind-index/v1";

export interface PiiVault {
  readonly keyring: VaultKeyring;
  /** The envelope of `value` under the current key version, bound to its kind and merchant; null stays null. */
  seal(kind: PiiKind, merchantId: string, value: string | null): string | null;
  /**
   * The plaintext of a stored value: an envelope is opened (InvariantError on tampering or an unknown key version),
   * a plaintext row not yet backfilled is returned as it is, and an erased value reads as null.
   */
  open(kind: PiiKind, merchantId: string, stored: string | null): string | null;
  /** The blind index of a value of this kind (normalised first); null stays null. */
  blindIndex(kind: PiiKind, value: string | null): string | null;
}

/** Trimmed lower case: the form every e-mail is stored, indexed and searched in. */
export function normaliseEmailForIndex(email: string): string {
  return email.trim().toLowerCase();
}

/** Trimmed lower case (IPv6 hex digits): the same address always gives the same index value. */
export function normaliseIpForIndex(ip: string): string {
  return ip.trim().toLowerCase();
}

/** A point as the text a `geo` envelope seals: "latitude,longitude", each the number's shortest exact form. */
export function formatGeoPoint(point: { latitude: number; longitude: number } | null): string | null {
  if (point === null) return null;
  invariant(
    Number.isFinite(point.latitude) &&
      Number.isFinite(point.longitude) &&
      Math.abs(point.latitude) <= 90 &&
      Math.abs(point.longitude) <= 180,
    "pii vault: a location is a latitude and a longitude in range",
  );
  return `${point.latitude},${point.longitude}`;
}

const GEO_POINT = /^(-?[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?),(-?[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?)$/;

/** The point of an opened `geo` value; null for null, or for text that is no point (never written by us). */
export function parseGeoPoint(text: string | null): { latitude: number; longitude: number } | null {
  if (text === null) return null;
  const match = GEO_POINT.exec(text);
  if (match === null) return null;
  const latitude = Number(match[1]);
  const longitude = Number(match[2]);
  return Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180 ? { latitude, longitude } : null;
}

export function piiAssociatedData(kind: PiiKind, merchantId: string): string {
  return `pii:${kind}:${merchantId}`;
}

/**
 * The blind index key: HKDF of the vault's fingerprint key under its own label. The fingerprint key comes from the
 * secrets (VAULT_FINGERPRINT_KEY), so the index key is never derivable from the data, and a card fingerprint
 * computed under the fingerprint key itself can never collide with an e-mail's index value.
 */
export function deriveBlindIndexKey(fingerprintKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", fingerprintKey, Buffer.alloc(0), HKDF_BLIND_INDEX_LABEL, 32));
}

export function formatPiiEnvelope(encrypted: EncryptedPan): string {
  const part = (buffer: Buffer) => buffer.toString("base64url");
  return `${PII_ENVELOPE_PREFIX}${encrypted.keyVersion}:${part(encrypted.nonce)}.${part(encrypted.authTag)}.${part(encrypted.ciphertext)}`;
}

const ENVELOPE = /^pii1:([1-9][0-9]{0,8}):([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

/** The parts of an envelope, or null when `stored` is not one (plaintext, or the erased marker). */
export function parsePiiEnvelope(stored: string): EncryptedPan | null {
  const match = ENVELOPE.exec(stored);
  if (match === null) return null;
  const [, version, nonce, tag, ciphertext] = match as unknown as [string, string, string, string, string];
  return {
    keyVersion: Number(version),
    nonce: Buffer.from(nonce, "base64url"),
    authTag: Buffer.from(tag, "base64url"),
    ciphertext: Buffer.from(ciphertext, "base64url"),
  };
}

export function isSealedPii(stored: string): boolean {
  return stored.startsWith(PII_ENVELOPE_PREFIX);
}

export function createPiiVault(keyring: VaultKeyring): PiiVault {
  const indexKey = deriveBlindIndexKey(keyring.fingerprintKey);
  const normalise = (kind: PiiKind, value: string) =>
    kind === "email" ? normaliseEmailForIndex(value) : normaliseIpForIndex(value);
  return {
    keyring,
    seal(kind, merchantId, value) {
      if (value === null) return null;
      invariant(!isSealedPii(value), "pii vault: a value is sealed once");
      return formatPiiEnvelope(encryptSecret(keyring, value, piiAssociatedData(kind, merchantId)));
    },
    open(kind, merchantId, stored) {
      if (stored === null || stored === PII_ERASED) return null;
      if (!isSealedPii(stored)) return stored;
      const encrypted = parsePiiEnvelope(stored);
      invariant(encrypted !== null, "pii vault: a stored envelope is malformed");
      return decryptSecret(keyring, encrypted, piiAssociatedData(kind, merchantId));
    },
    blindIndex(kind, value) {
      if (value === null) return null;
      return createHmac("sha256", indexKey)
        .update(`${kind}:${normalise(kind, value)}`, "utf8")
        .digest("hex");
    },
  };
}
