import { randomBytes } from "node:crypto";

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const UPPER_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function randomString(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  // A slight modulo bias is fine: these are identifiers, not secrets.
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/**
 * Ids are random rather than seeded: a sandbox restarted with the same seed must not hand out a
 * PSP reference that a long-lived database already holds.
 */
export type StripeIdPrefix = "pi" | "ch" | "re" | "evt" | "txn" | "pm" | "req" | "du" | "frr" | "file";

export function stripeId(prefix: StripeIdPrefix): string {
  return `${prefix}_${randomString(ALPHANUMERIC, 24)}`;
}

/** Adyen PSP references are 16 upper-case alphanumerics, for payments and modifications alike. */
export function adyenPspReference(): string {
  return randomString(UPPER_ALPHANUMERIC, 16);
}
