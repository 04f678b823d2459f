// Goal (issue 22): customers' e-mails and IPs seal into envelopes that open only for their kind and merchant and
// under a key version the keyring has; legacy plaintext reads as it is; the blind index is keyed, normalised and
// separate per kind; an envelope survives re-sealing under a new key version.
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import { generateKeyMaterial, parseKeyring, reencryptSecret } from "./card-vault";
import {
  createPiiVault,
  formatGeoPoint,
  formatPiiEnvelope,
  PII_ERASED,
  parseGeoPoint,
  parsePiiEnvelope,
  piiAssociatedData,
} from "./pii-vault";

const K1 = generateKeyMaterial();
const K2 = generateKeyMaterial();
const FP = generateKeyMaterial();
const vault = (keys = `1:${K1}`, fingerprintKey = FP) =>
  createPiiVault(parseKeyring({ encryptionKeys: keys, fingerprintKey }));

describe("PII vault", () => {
  it("seals into an envelope that holds no plaintext and opens back for its kind and merchant", () => {
    const sealed = vault().seal("email", "mer_a", "ada@example.test") as string;
    expect(sealed).toMatch(/^pii1:1:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("ada");
    expect(vault().open("email", "mer_a", sealed)).toBe("ada@example.test");
    expect(vault().seal("email", "mer_a", "ada@example.test")).not.toBe(sealed);
  });

  it.each([
    ["another merchant", "email", "mer_b"],
    ["another kind", "ip", "mer_a"],
  ] as const)("refuses to open under %s", (_name, kind, merchant) => {
    const sealed = vault().seal("email", "mer_a", "ada@example.test");
    expect(() => vault().open(kind, merchant, sealed)).toThrow(InvariantError);
  });

  it("refuses a tampered envelope and a key version the keyring lacks", () => {
    const sealed = vault().seal("ip", "mer_a", "81.2.69.142") as string;
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith("A") ? "B" : "A"}${sealed.slice(-1)}`;
    expect(() => vault().open("ip", "mer_a", tampered)).toThrow(InvariantError);
    expect(() => vault(`2:${K2}`).open("ip", "mer_a", sealed)).toThrow(InvariantError);
  });

  it("reads legacy plaintext as it is, null as null and the erased marker as null", () => {
    expect(vault().open("email", "mer_a", "old@example.test")).toBe("old@example.test");
    expect(vault().open("email", "mer_a", null)).toBeNull();
    expect(vault().open("email", "mer_a", PII_ERASED)).toBeNull();
    expect(vault().seal("email", "mer_a", null)).toBeNull();
    expect(parsePiiEnvelope(PII_ERASED)).toBeNull();
  });

  it("re-seals under the newest key version (the rotation's step), and the new keyring alone opens it", () => {
    const both = vault(`1:${K1},2:${K2}`);
    const sealed = vault().seal("email", "mer_a", "ada@example.test") as string;
    const old = parsePiiEnvelope(sealed);
    if (old === null) throw new Error("not an envelope");
    const next = formatPiiEnvelope(reencryptSecret(both.keyring, old, piiAssociatedData("email", "mer_a")));
    expect(next).toMatch(/^pii1:2:/);
    expect(vault(`2:${K2}`).open("email", "mer_a", next)).toBe("ada@example.test");
  });

  it("indexes normalised e-mails under a key from the secrets, separately per kind", () => {
    const index = vault().blindIndex("email", " Ada@Example.TEST ");
    expect(index).toMatch(/^[0-9a-f]{64}$/);
    expect(vault().blindIndex("email", "ada@example.test")).toBe(index);
    // Key versions do not change it (searches keep working across a rotation); another fingerprint key does.
    expect(vault(`1:${K1},2:${K2}`).blindIndex("email", "ada@example.test")).toBe(index);
    expect(vault(`1:${K1}`, generateKeyMaterial()).blindIndex("email", "ada@example.test")).not.toBe(index);
    expect(vault().blindIndex("ip", "ada@example.test")).not.toBe(index);
    expect(vault().blindIndex("email", null)).toBeNull();
  });
});

describe("a payment's location (kind geo)", () => {
  it.each([
    [48.8566, 2.3522],
    [-33.8688, 151.2093],
    [0, 0],
    [90, -180],
    [1e-7, -0.000001],
    [40.71277612345679, -74.005974],
  ])("seals %s,%s and opens to the same numbers, for its kind and merchant only", (latitude, longitude) => {
    const sealed = vault().seal("geo", "mer_a", formatGeoPoint({ latitude, longitude })) as string;
    expect(sealed).toMatch(/^pii1:1:/);
    // The sealed bytes do not hold the point as written (checking the text for "0" would fail whenever the
    // base64url of random bytes holds a 0, which it mostly does).
    const sealedBytes = Buffer.concat(
      sealed
        .slice("pii1:1:".length)
        .split(".")
        .map((part) => Buffer.from(part, "base64url")),
    );
    expect(sealedBytes.includes(Buffer.from(formatGeoPoint({ latitude, longitude }) as string))).toBe(false);
    expect(parseGeoPoint(vault().open("geo", "mer_a", sealed))).toEqual({ latitude, longitude });
    expect(() => vault().open("geo", "mer_b", sealed)).toThrow(InvariantError);
    expect(() => vault().open("ip", "mer_a", sealed)).toThrow(InvariantError);
  });

  it("null stays null; a point out of range is a programming error; stray text is no point", () => {
    expect(formatGeoPoint(null)).toBeNull();
    expect(vault().seal("geo", "mer_a", formatGeoPoint(null))).toBeNull();
    expect(() => formatGeoPoint({ latitude: 91, longitude: 0 })).toThrow(InvariantError);
    expect(() => formatGeoPoint({ latitude: Number.NaN, longitude: 0 })).toThrow(InvariantError);
    expect(parseGeoPoint(null)).toBeNull();
    expect(parseGeoPoint("somewhere")).toBeNull();
    expect(parseGeoPoint("95,10")).toBeNull();
    expect(vault().open("geo", "mer_a", PII_ERASED)).toBeNull();
  });
});
