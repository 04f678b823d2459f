// The bank sandbox's notification signature: HMAC-SHA256 over "<unix seconds>.<raw body>", sent as
// `Bank-Signature: t=<unix seconds>,v1=<hex>` (the Stripe-Signature scheme). The API verifies it with its own
// copy (packages/platform/src/bank-rails/bank-webhook.ts); this file only signs.
import { createHmac } from "node:crypto";

export const BANK_SIGNATURE_HEADER = "Bank-Signature";

export function bankSignature(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`, "utf8").digest("hex");
  return `t=${timestampSeconds},v1=${mac}`;
}
