// Signed requests (issue 22): a merchant's server signs each API request with a signing secret that belongs to one
// secret key but is not the key, so a stolen API key alone cannot call the API once the merchant requires
// signatures. The signature is HMAC-SHA256 over the method, the path with its query string, a timestamp, a nonce
// and the SHA-256 of the body (docs/api.md#signed-requests holds the test vector a unit test checks). The server
// refuses a timestamp more than SIGNATURE_WINDOW_SECONDS away from its clock, a nonce seen within the window, and
// a signature that does not match, each with its own code. Pure: no I/O, no clock (the caller passes the time).
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The headers of a signed request (lower case: Fetch's Headers are case-insensitive). */
export const SIGNATURE_HEADERS = {
  timestamp: "x-paycore-timestamp",
  nonce: "x-paycore-nonce",
  signature: "x-paycore-signature",
} as const;

/** A timestamp further than this from the server's clock, either way, is refused. */
export const SIGNATURE_WINDOW_SECONDS = 300;

/** A nonce is 16 to 64 URL-safe characters (a UUID or 16 random bytes in hex or base64url fit). */
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** Unix seconds, no sign, no fraction, at most 12 digits. */
const TIMESTAMP = /^[0-9]{1,12}$/;
/** The one version of the scheme: `v1=` and 64 lower-case hex digits. */
const SIGNATURE = /^v1=([0-9a-f]{64})$/;

const SECRET_PREFIX = "rsk_";

/** The refusals, each with its own code (GraphQL `extensions.code`, HTTP 401). */
export type SignatureRefusal =
  | "SIGNATURE_MISSING"
  | "SIGNATURE_MALFORMED"
  | "SIGNATURE_TIMESTAMP_STALE"
  | "SIGNATURE_INVALID"
  | "SIGNATURE_NONCE_REUSED";

export const SIGNATURE_REFUSAL_MESSAGES: Readonly<Record<SignatureRefusal, string>> = {
  SIGNATURE_MISSING:
    "This merchant requires signed requests: send X-Paycore-Timestamp, X-Paycore-Nonce and X-Paycore-Signature.",
  SIGNATURE_MALFORMED:
    "The signature headers are malformed: a Unix timestamp in seconds, a nonce of 16-64 characters [A-Za-z0-9_-], and v1=<64 hex digits>.",
  SIGNATURE_TIMESTAMP_STALE: `The request's timestamp is more than ${SIGNATURE_WINDOW_SECONDS} seconds from the server's clock.`,
  SIGNATURE_INVALID: "The request's signature does not match it.",
  SIGNATURE_NONCE_REUSED: "This nonce was already used: every request needs a new one.",
};

/** A new signing secret: 32 random bytes, base64url, with a prefix that tells it apart from API keys. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** The secret's last four characters, shown to tell secrets apart. */
export function signingSecretHint(secret: string): string {
  return secret.slice(-4);
}

export interface SignedParts {
  method: string;
  /** The path with its query string exactly as sent, e.g. `/graphql?op=x`. */
  pathWithQuery: string;
  timestamp: string;
  nonce: string;
  body: Uint8Array | string;
}

/** The signed text: one field a line, the method upper-cased, the body as its SHA-256 in hex. */
export function canonicalRequest(parts: SignedParts): string {
  const bodyHash = createHash("sha256").update(parts.body).digest("hex");
  return ["v1", parts.method.toUpperCase(), parts.pathWithQuery, parts.timestamp, parts.nonce, bodyHash].join(
    "\n",
  );
}

/** The X-Paycore-Signature header's value for these parts. */
export function signRequest(secret: string, parts: SignedParts): string {
  return `v1=${createHmac("sha256", secret).update(canonicalRequest(parts)).digest("hex")}`;
}

export interface SignatureHeaders {
  timestamp: string | null;
  nonce: string | null;
  signature: string | null;
}

/** Whether any of the three headers is there (a request without any is unsigned). */
export function hasSignatureHeaders(headers: SignatureHeaders): boolean {
  return headers.timestamp !== null || headers.nonce !== null || headers.signature !== null;
}

/**
 * Checks the headers' shape and the timestamp, with no secret and no body: what can be refused before the body is
 * read. The nonce is checked for reuse only after the signature (so a forged request cannot burn a nonce).
 */
export function checkSignatureHeaders(
  headers: SignatureHeaders,
  nowSeconds: number,
):
  | { ok: true; timestamp: string; nonce: string; signatureHex: string }
  | { ok: false; code: SignatureRefusal } {
  const { timestamp, nonce, signature } = headers;
  if (timestamp === null || nonce === null || signature === null)
    return { ok: false, code: "SIGNATURE_MISSING" };
  const signed = SIGNATURE.exec(signature.trim());
  if (!TIMESTAMP.test(timestamp) || !NONCE.test(nonce) || signed === null)
    return { ok: false, code: "SIGNATURE_MALFORMED" };
  if (Math.abs(Number(timestamp) - nowSeconds) > SIGNATURE_WINDOW_SECONDS)
    return { ok: false, code: "SIGNATURE_TIMESTAMP_STALE" };
  return { ok: true, timestamp, nonce, signatureHex: signed[1] as string };
}

/** Compares the expected signature with the one sent in constant time (both are 32 bytes). */
export function signatureMatches(secret: string, parts: SignedParts, signatureHex: string): boolean {
  const expected = createHmac("sha256", secret).update(canonicalRequest(parts)).digest();
  const sent = Buffer.from(signatureHex, "hex");
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}
