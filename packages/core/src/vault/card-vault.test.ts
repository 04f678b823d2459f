// Checks that card numbers encrypt and decrypt only under the right key and AAD, survive key rotation, and fingerprint stably.
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import {
  decryptPan,
  type EncryptedPan,
  encryptPan,
  fingerprintPan,
  generateKeyMaterial,
  parseKeyring,
  reencryptSecret,
  type VaultKeyring,
} from "./card-vault";

const PAN = "4242424242424242";
const AAD = "pm_01JD5Z3K8Q9W2X4Y6Z7A8B9C0D";
const K1 = generateKeyMaterial();
const K2 = generateKeyMaterial();
const FP = generateKeyMaterial();

function keyring(encryptionKeys = `1:${K1}`, fingerprintKey = FP): VaultKeyring {
  return parseKeyring({ encryptionKeys, fingerprintKey });
}

function flip(buffer: Buffer, index = 0): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe("parseKeyring", () => {
  it("makes the highest version current, whatever the order", () => {
    const ring = keyring(`2:${K2}, 1:${K1}`);
    expect(ring.currentVersion).toBe(2);
    expect([...ring.keys.keys()].sort()).toEqual([1, 2]);
    expect(ring.keys.get(1)?.length).toBe(32);
  });

  const short = Buffer.alloc(16, 7).toString("base64");
  it.each([
    ["empty", "", FP],
    ["no version", K1, FP],
    ["version 0", `0:${K1}`, FP],
    ["negative version", `-1:${K1}`, FP],
    ["non-numeric version", `v1:${K1}`, FP],
    ["duplicate version", `1:${K1},1:${K2}`, FP],
    ["short key", `1:${short}`, FP],
    ["junk in base64", `1:${K1.slice(0, 10)}!${K1.slice(11)}`, FP],
    ["empty key", "1:", FP],
    ["trailing comma", `1:${K1},`, FP],
    ["missing fingerprint key", `1:${K1}`, ""],
    ["short fingerprint key", `1:${K1}`, short],
    ["fingerprint key equal to an encryption key", `1:${K1}`, K1],
  ])("rejects %s without echoing key material", (_label, encryptionKeys, fingerprintKey) => {
    try {
      parseKeyring({ encryptionKeys, fingerprintKey });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvariantError);
      const message = (e as Error).message;
      for (const secret of [K1, K2, FP, short]) {
        expect(message).not.toContain(secret);
        expect(message).not.toContain(secret.slice(0, 12));
      }
    }
  });
});

describe("encryptPan / decryptPan", () => {
  it("round-trips and never stores the PAN in clear", () => {
    const ring = keyring();
    const encrypted = encryptPan(ring, PAN, AAD);
    expect(encrypted.keyVersion).toBe(1);
    expect(encrypted.nonce).toHaveLength(12);
    expect(encrypted.authTag).toHaveLength(16);
    expect(encrypted.ciphertext.toString("utf8")).not.toContain(PAN);
    expect(decryptPan(ring, encrypted, AAD)).toBe(PAN);
  });

  it("uses a fresh nonce each time", () => {
    const ring = keyring();
    const a = encryptPan(ring, PAN, AAD);
    const b = encryptPan(ring, PAN, AAD);
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it.each([
    ["a flipped ciphertext byte", (e: EncryptedPan) => ({ ...e, ciphertext: flip(e.ciphertext, 3) }), AAD],
    ["a flipped nonce byte", (e: EncryptedPan) => ({ ...e, nonce: flip(e.nonce) }), AAD],
    ["a flipped tag byte", (e: EncryptedPan) => ({ ...e, authTag: flip(e.authTag, 15) }), AAD],
    ["a truncated tag", (e: EncryptedPan) => ({ ...e, authTag: e.authTag.subarray(0, 12) }), AAD],
    ["a wrong AAD", (e: EncryptedPan) => e, "pm_OTHER"],
    ["an unknown key version", (e: EncryptedPan) => ({ ...e, keyVersion: 9 }), AAD],
    ["a key version pointing at another key", (e: EncryptedPan) => ({ ...e, keyVersion: 2 }), AAD],
  ])("fails on %s", (_label, tamper, aad) => {
    // Both keys are loaded so that "wrong version" fails on authentication, not on a missing key.
    const ring = keyring(`1:${K1},2:${K2}`);
    const original = encryptPan(keyring(`1:${K1}`), PAN, AAD);
    expect(decryptPan(ring, original, AAD)).toBe(PAN);
    expect(() => decryptPan(ring, tamper(original), aad)).toThrow(InvariantError);
  });

  it("refuses to encrypt something that is not a card number", () => {
    expect(() => encryptPan(keyring(), "4242 4242 4242 4242", AAD)).toThrow(InvariantError);
  });
});

describe("key rotation", () => {
  it("decrypts old ciphertexts after a new key becomes current, and encrypts new ones under it", () => {
    const before = keyring(`1:${K1}`);
    const old = encryptPan(before, PAN, AAD);

    const after = keyring(`1:${K1},2:${K2}`);
    expect(after.currentVersion).toBe(2);
    expect(decryptPan(after, old, AAD)).toBe(PAN);

    const fresh = encryptPan(after, PAN, AAD);
    expect(fresh.keyVersion).toBe(2);
    expect(() => decryptPan(before, fresh, AAD)).toThrow(InvariantError);

    const rotated = reencryptSecret(after, old, AAD);
    expect(rotated.keyVersion).toBe(2);
    expect(decryptPan(keyring(`2:${K2}`), rotated, AAD)).toBe(PAN);
  });
});

describe("fingerprintPan", () => {
  it("is 64 hex chars, stable across encryption key rotation, and different per card", () => {
    const fingerprint = fingerprintPan(keyring(), PAN);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintPan(keyring(`1:${K1},2:${K2}`), PAN)).toBe(fingerprint);
    expect(fingerprintPan(keyring(), "5555555555554444")).not.toBe(fingerprint);
  });

  it("differs under a different fingerprint key", () => {
    expect(fingerprintPan(keyring(`1:${K1}`, generateKeyMaterial()), PAN)).not.toBe(
      fingerprintPan(keyring(`1:${K1}`, FP), PAN),
    );
  });
});

describe("generateKeyMaterial", () => {
  it("is base64 of 32 random bytes", () => {
    const a = generateKeyMaterial();
    expect(Buffer.from(a, "base64")).toHaveLength(32);
    expect(a).not.toBe(generateKeyMaterial());
  });
});
