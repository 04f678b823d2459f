// The Paycore-Signature header, compatible with Stripe's scheme so a merchant can verify it with the official
// SDK (stripe.webhooks.constructEvent(rawBody, header, secret)) or a few lines of their own:
//   Paycore-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=<…>]
// During a secret's overlap one v1 is sent per valid secret, current first. Signed afresh for every attempt.
import { createHmac, randomBytes } from "node:crypto";

export const SIGNATURE_HEADER = "Paycore-Signature";
const SECRET_PREFIX = "whsec_";

export function signatureV1(secret: string, timestampS: number, rawBody: string): string {
  return createHmac("sha256", secret).update(`${timestampS}.${rawBody}`, "utf8").digest("hex");
}

/** The header's value for a body signed at `timestampS` with each of `secrets` (at least one). */
export function signatureHeader(secrets: readonly string[], timestampS: number, rawBody: string): string {
  if (secrets.length === 0) throw new Error("a webhook is signed with at least one secret");
  if (!Number.isInteger(timestampS) || timestampS < 0)
    throw new Error("timestamp must be whole unix seconds");
  return [
    `t=${timestampS}`,
    ...secrets.map((secret) => `v1=${signatureV1(secret, timestampS, rawBody)}`),
  ].join(",");
}

/** A new signing secret: `whsec_` and 32 random bytes in base64url (what Stripe's secrets look like). */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** The secret's last four characters, shown to tell secrets apart. */
export function webhookSecretHint(secret: string): string {
  return secret.slice(-4);
}
