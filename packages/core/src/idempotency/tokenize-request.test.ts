// Pins what a tokenizeCard request hash is made of: the vault fingerprint and the expiry, never the card number
// or the CVC, so a stored hash reveals nothing of either even to someone holding the hash secret.
import { describe, expect, it } from "vitest";
import { fingerprintPan, parseKeyring } from "../vault/card-vault";
import { canonicalJson, hashRequest } from "./request-hash";
import { tokenizeRequestIdentity } from "./tokenize-request";

const SECRET = Buffer.alloc(32, 3);
const VAULT = parseKeyring({
  encryptionKeys: `1:${Buffer.alloc(32, 5).toString("base64")}`,
  fingerprintKey: Buffer.alloc(32, 9).toString("base64"),
});
const PAN = "4242424242424242";
const CARD = { number: PAN, expMonth: 12, expYear: 2035, cvc: "123" };

function hashOf(card: typeof CARD): string {
  return hashRequest(
    SECRET,
    "tokenizeCard",
    tokenizeRequestIdentity(card, fingerprintPan(VAULT, card.number)),
  );
}

describe("tokenizeRequestIdentity", () => {
  it("holds the keyed fingerprint and the expiry, nothing else", () => {
    const identity = tokenizeRequestIdentity(CARD, fingerprintPan(VAULT, PAN));
    expect(Object.keys(identity).sort()).toEqual(["expMonth", "expYear", "fingerprint"]);
    const hashed = canonicalJson(identity);
    expect(hashed).not.toContain(PAN);
    expect(hashed).not.toContain(PAN.slice(6, 12));
    expect(hashed).not.toContain('"123"');
  });

  it.each([
    ["another CVC", { ...CARD, cvc: "987" }, true],
    ["a four-digit CVC", { ...CARD, cvc: "4321" }, true],
    ["another card number", { ...CARD, number: "4000056655665556" }, false],
    ["another expiry month", { ...CARD, expMonth: 11 }, false],
    ["another expiry year", { ...CARD, expYear: 2036 }, false],
  ])("with %s, hashes the same: %s", (_label, other, same) => {
    expect(hashOf(other) === hashOf(CARD)).toBe(same);
  });

  it("changes with the vault's fingerprint key: the hash is no handle on the PAN without it", () => {
    const otherVault = parseKeyring({
      encryptionKeys: `1:${Buffer.alloc(32, 5).toString("base64")}`,
      fingerprintKey: Buffer.alloc(32, 10).toString("base64"),
    });
    const withOtherKey = hashRequest(
      SECRET,
      "tokenizeCard",
      tokenizeRequestIdentity(CARD, fingerprintPan(otherVault, PAN)),
    );
    expect(withOtherKey).not.toBe(hashOf(CARD));
  });
});
