// The bank's notification signature: `Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
// under the shared webhook secret (the Stripe scheme, which banks' APIs also use). Checked on the raw body before
// anything is parsed; a timestamp more than five minutes away is refused, so a captured request cannot be replayed later.
import { createHmac, timingSafeEqual } from "node:crypto";

export const BANK_SIGNATURE_HEADER = "bank-signature";
export const BANK_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export function bankSignature(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
  return `t=${timestampSeconds},v1=${mac}`;
}

export type BankSignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyBankSignature(
  secret: string,
  header: string | null,
  body: string,
  nowMs: number,
): BankSignatureCheck {
  if (header === null || header.length > 500) return { ok: false, reason: "missing signature" };
  const parts = new Map<string, string>();
  for (const part of header.split(",")) {
    const index = part.indexOf("=");
    if (index > 0) parts.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  const timestamp = Number(parts.get("t"));
  const given = parts.get("v1") ?? "";
  if (!Number.isInteger(timestamp) || !/^[0-9a-f]{64}$/.test(given))
    return { ok: false, reason: "malformed signature" };
  if (Math.abs(nowMs - timestamp * 1000) > BANK_SIGNATURE_TOLERANCE_MS)
    return { ok: false, reason: "stale signature" };
  const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest();
  const ok = timingSafeEqual(expected, Buffer.from(given, "hex"));
  return ok ? { ok: true } : { ok: false, reason: "bad signature" };
}
