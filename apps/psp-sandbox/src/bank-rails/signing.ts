// How the sandbox bank signs its notifications: `Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<raw body>">` under the webhook secret the API was configured with (verified by the API's
// packages/platform/src/bank-rails/bank-signature.ts). Payout and incoming-credit notifications alike.
import { createHmac } from "node:crypto";

export const BANK_SIGNATURE_HEADER = "Bank-Signature";

export function signBankNotification(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
  return `t=${timestampSeconds},v1=${mac}`;
}
