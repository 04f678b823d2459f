// Signed requests (issue 22): the documented test vector (docs/api.md#signed-requests; apps/api's
// signed-requests-docs.test.ts checks the page shows it) signs to the documented signature, and each refusal of
// the header check and the comparison has its own code.
import { describe, expect, it } from "vitest";
import {
  canonicalRequest,
  checkSignatureHeaders,
  newSigningSecret,
  SIGNATURE_WINDOW_SECONDS,
  signatureMatches,
  signingSecretHint,
  signRequest,
} from "./request-signing";

// The test vector of docs/api.md.
const VECTOR = {
  secret: "rsk_test_3x4mpl3S1gn1ngS3cr3tD0N0tUs3",
  method: "POST",
  pathWithQuery: "/graphql",
  timestamp: "1765000000",
  nonce: "4f1c2a9e7b3d4c5e8a6f0b1d2c3e4f5a",
  body: '{"query":"{ balance { currency available } }"}',
  bodySha256: "2a287563605f8c0b563fbea8d649269652e8dd29fb1b238151b12a9f6f63fbb9",
  signature: "v1=9746d9f17444e6592002dbb0f6f4fb3c9f177ea0de6ce51dc9d7ffa01ab15b42",
};

describe("the test vector", () => {
  it("signs to the documented signature", () => {
    expect(canonicalRequest(VECTOR)).toBe(
      ["v1", "POST", "/graphql", VECTOR.timestamp, VECTOR.nonce, VECTOR.bodySha256].join("\n"),
    );
    expect(signRequest(VECTOR.secret, VECTOR)).toBe(VECTOR.signature);
    expect(signRequest(VECTOR.secret, { ...VECTOR, body: Buffer.from(VECTOR.body) })).toBe(VECTOR.signature);
  });
});

describe("checkSignatureHeaders", () => {
  const now = Number(VECTOR.timestamp);
  const headers = { timestamp: VECTOR.timestamp, nonce: VECTOR.nonce, signature: VECTOR.signature };

  it("accepts the vector's headers within the window, both ways", () => {
    for (const skew of [0, SIGNATURE_WINDOW_SECONDS, -SIGNATURE_WINDOW_SECONDS])
      expect(checkSignatureHeaders(headers, now + skew)).toMatchObject({ ok: true, nonce: VECTOR.nonce });
  });

  it.each([
    ["no timestamp", { ...headers, timestamp: null }, now, "SIGNATURE_MISSING"],
    ["no nonce", { ...headers, nonce: null }, now, "SIGNATURE_MISSING"],
    ["no signature", { ...headers, signature: null }, now, "SIGNATURE_MISSING"],
    [
      "a timestamp in milliseconds' shape with a fraction",
      { ...headers, timestamp: "1765000000.5" },
      now,
      "SIGNATURE_MALFORMED",
    ],
    ["a negative timestamp", { ...headers, timestamp: "-1" }, now, "SIGNATURE_MALFORMED"],
    ["a short nonce", { ...headers, nonce: "abc" }, now, "SIGNATURE_MALFORMED"],
    ["a nonce with a space", { ...headers, nonce: "abcdefgh ijklmnop" }, now, "SIGNATURE_MALFORMED"],
    [
      "another scheme version",
      { ...headers, signature: VECTOR.signature.replace("v1=", "v2=") },
      now,
      "SIGNATURE_MALFORMED",
    ],
    ["upper-case hex", { ...headers, signature: VECTOR.signature.toUpperCase() }, now, "SIGNATURE_MALFORMED"],
    ["a stale timestamp", headers, now + SIGNATURE_WINDOW_SECONDS + 1, "SIGNATURE_TIMESTAMP_STALE"],
    ["a future timestamp", headers, now - SIGNATURE_WINDOW_SECONDS - 1, "SIGNATURE_TIMESTAMP_STALE"],
  ] as const)("refuses %s", (_label, sent, at, code) => {
    expect(checkSignatureHeaders(sent, at)).toEqual({ ok: false, code });
  });
});

describe("signatureMatches", () => {
  const hex = VECTOR.signature.slice(3);
  it("matches the vector and nothing changed in it", () => {
    expect(signatureMatches(VECTOR.secret, VECTOR, hex)).toBe(true);
    expect(signatureMatches(`${VECTOR.secret}x`, VECTOR, hex)).toBe(false);
    expect(signatureMatches(VECTOR.secret, { ...VECTOR, body: `${VECTOR.body} ` }, hex)).toBe(false);
    expect(signatureMatches(VECTOR.secret, { ...VECTOR, method: "GET" }, hex)).toBe(false);
    expect(signatureMatches(VECTOR.secret, { ...VECTOR, pathWithQuery: "/graphql?x=1" }, hex)).toBe(false);
    expect(signatureMatches(VECTOR.secret, { ...VECTOR, timestamp: "1765000001" }, hex)).toBe(false);
    expect(signatureMatches(VECTOR.secret, { ...VECTOR, nonce: `${VECTOR.nonce}0` }, hex)).toBe(false);
  });

  it("makes distinct secrets that are not API keys", () => {
    const a = newSigningSecret();
    const b = newSigningSecret();
    expect(a).toMatch(/^rsk_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(signingSecretHint(a)).toBe(a.slice(-4));
  });
});
