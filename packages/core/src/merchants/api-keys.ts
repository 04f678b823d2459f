// API keys: `sk_test_…`/`sk_live_…` secret keys for servers and `pk_test_…`/
// `pk_live_…` publishable keys for browsers (they may only tokenize cards). The
// key is shown once; we keep its SHA-256, which is enough for 192 random bits.
import { createHash, randomBytes } from "node:crypto";
import type { Mode } from "../payments/payment-record";

export type ApiKeyKind = "SECRET" | "PUBLISHABLE";

const KIND_PREFIX: Record<ApiKeyKind, string> = { SECRET: "sk", PUBLISHABLE: "pk" };
const MODE_PREFIX: Record<Mode, string> = { TEST: "test", LIVE: "live" };
const KEY_PATTERN = /^(sk|pk)_(test|live)_([0-9A-Za-z]{32})$/;
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export interface GeneratedApiKey {
  kind: ApiKeyKind;
  mode: Mode;
  /** The whole key: give it to the merchant once, never store it. */
  key: string;
  secretHash: string;
  displayHint: string;
}

export function generateApiKey(kind: ApiKeyKind, mode: Mode): GeneratedApiKey {
  // 32 characters from a 62-letter alphabet by rejection sampling: ~190 bits, no modulo bias.
  let body = "";
  while (body.length < 32) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && body.length < 32) body += ALPHABET[byte % 62];
    }
  }
  const key = `${KIND_PREFIX[kind]}_${MODE_PREFIX[mode]}_${body}`;
  return { kind, mode, key, secretHash: hashApiKey(key), displayHint: `${key.slice(0, 8)}…${key.slice(-4)}` };
}

const OPERATOR_KEY_PATTERN = /^op_([0-9A-Za-z]{32})$/;

/** An operator's key (`op_…`): acts on any merchant's payments for reviews; shown once, stored hashed. */
export function generateOperatorKey(): { key: string; secretHash: string; displayHint: string } {
  const merchantShaped = generateApiKey("SECRET", "TEST").key;
  const key = `op_${merchantShaped.slice("sk_test_".length)}`;
  return { key, secretHash: hashApiKey(key), displayHint: `${key.slice(0, 5)}…${key.slice(-4)}` };
}

export function isOperatorKey(key: string): boolean {
  return OPERATOR_KEY_PATTERN.test(key);
}

/** The kind and mode a key claims by its shape; whether it exists is the store's question. */
export function parseApiKey(key: string): { kind: ApiKeyKind; mode: Mode } | null {
  const match = KEY_PATTERN.exec(key);
  if (match === null) return null;
  return { kind: match[1] === "sk" ? "SECRET" : "PUBLISHABLE", mode: match[2] === "test" ? "TEST" : "LIVE" };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
