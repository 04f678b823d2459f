// PSP accounts: the credentials with which the platform reaches a PSP in live mode (test mode reaches the
// sandbox). An account names its PSP, the endpoint its SDK calls, and for Adyen the merchant account; its
// API key and webhook secret are stored encrypted by the vault (associated data: the secret's own id) and
// never shown again after they are entered. Replacing a secret keeps the previous one valid for a while
// (the overlap), so webhooks the PSP signed before it switched still verify.
import { DomainError } from "../errors/domain-error";
import type { Mode } from "../payments/payment-record";

export const PSP_NAMES = ["stripe", "adyen"] as const;
export type PspName = (typeof PSP_NAMES)[number];

export const PSP_SECRET_KINDS = ["API_KEY", "WEBHOOK_SECRET", "REPORT_CREDENTIAL"] as const;
export type PspSecretKind = (typeof PSP_SECRET_KINDS)[number];

export const PSP_ACCOUNT_STATUSES = ["ACTIVE", "DISABLED"] as const;
export type PspAccountStatus = (typeof PSP_ACCOUNT_STATUSES)[number];

/** How long a replaced secret stays valid by default: a day covers any PSP's webhook retries in flight. */
export const DEFAULT_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;
export const SECRET_OVERLAP_MAX_MS = 30 * 24 * 60 * 60 * 1000;
const SECRET_LENGTH_MAX = 500;
const ENDPOINT_LENGTH_MAX = 500;
const MERCHANT_ACCOUNT_LENGTH_MAX = 100;

export interface PspAccountInput {
  psp: string;
  mode: Mode;
  endpoint: string;
  merchantAccount?: string | null;
  apiKey: string;
  webhookSecret: string;
}

export interface ValidPspAccountInput {
  psp: PspName;
  mode: Mode;
  endpoint: string;
  merchantAccount: string | null;
  apiKey: string;
  webhookSecret: string;
}

/** What anyone may see of an account: never a secret, only each current secret's last four characters. */
export interface PspAccountView {
  id: string;
  psp: PspName;
  mode: Mode;
  endpoint: string;
  merchantAccount: string | null;
  status: PspAccountStatus;
  apiKeyHint: string | null;
  webhookSecretHint: string | null;
  /** Null: no report credentials, so the account's announced settlement reports cannot be downloaded. */
  reportCredentialHint: string | null;
  lastCheckAt: Date | null;
  lastCheckOk: boolean | null;
  /** The last credential problem seen (rejected key, unreachable endpoint): the operator alert. */
  lastError: string | null;
  lastErrorAt: Date | null;
  createdAt: Date;
}

function invalid(message: string, field: string): DomainError {
  return new DomainError("INVALID_INPUT", message, { field: [field] });
}

/** Printable ASCII, bounded: keys and secrets are tokens, and a control character is a paste error. */
function validSecret(value: string, field: string): string {
  const trimmed = typeof value === "string" ? value.trim() : "";
  if (trimmed.length === 0) throw invalid(`${field} is required`, field);
  if (trimmed.length > SECRET_LENGTH_MAX)
    throw invalid(`${field} is longer than ${SECRET_LENGTH_MAX}`, field);
  if (!/^[\x21-\x7e]+$/.test(trimmed))
    throw invalid(`${field} must be printable characters without spaces`, field);
  return trimmed;
}

/** The webhook secret in the form each PSP issues it (Stripe: whsec_…; Adyen: an HMAC key in hex). */
export function validWebhookSecret(psp: PspName, value: string): string {
  const secret = validSecret(value, "webhookSecret");
  if (psp === "stripe" && !/^whsec_[A-Za-z0-9+/=_-]{8,}$/.test(secret))
    throw invalid("a Stripe webhook secret starts with whsec_", "webhookSecret");
  if (psp === "adyen" && !/^(?:[0-9A-Fa-f]{2}){16,64}$/.test(secret))
    throw invalid("an Adyen HMAC key is 32 to 128 hex digits", "webhookSecret");
  return secret;
}

/**
 * A report credential: Adyen's report user as "user:password" (basic auth on its report downloads), or a Stripe
 * secret or restricted key (its report files are read with a key).
 */
export function validReportCredential(psp: PspName, value: string): string {
  const secret = validSecret(value, "reportCredential");
  if (psp === "adyen" && !/^[^\s:]{1,200}:\S{8,}$/.test(secret))
    throw invalid(
      "an Adyen report credential is the report user and its password, as user:password",
      "reportCredential",
    );
  if (psp === "stripe" && !/^(?:sk|rk)_(?:live|test)_\S{8,}$/.test(secret))
    throw invalid("a Stripe report credential is a secret (sk_) or restricted (rk_) key", "reportCredential");
  return secret;
}

export function validApiKey(value: string): string {
  return validSecret(value, "apiKey");
}

/**
 * https only, except to a loopback host (a sandbox or a local proxy on this machine); no credentials,
 * query or fragment in the URL, which would end up in logs.
 */
export function validEndpoint(value: string): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (text.length === 0 || text.length > ENDPOINT_LENGTH_MAX)
    throw invalid(`endpoint must be a URL of at most ${ENDPOINT_LENGTH_MAX} characters`, "endpoint");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid("endpoint is not a URL", "endpoint");
  }
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || /^127\./.test(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    throw invalid("endpoint must use https (plain http only to a loopback host)", "endpoint");
  if (url.username || url.password || url.search || url.hash)
    throw invalid("endpoint must not carry credentials, a query or a fragment", "endpoint");
  return url.toString().replace(/\/$/, "");
}

export function validatePspAccountInput(input: PspAccountInput): ValidPspAccountInput {
  if (!PSP_NAMES.includes(input.psp as PspName))
    throw invalid(`psp must be one of ${PSP_NAMES.join(", ")}`, "psp");
  const psp = input.psp as PspName;
  if (input.mode !== "LIVE" && input.mode !== "TEST") throw invalid("mode must be LIVE or TEST", "mode");
  const merchantAccount = input.merchantAccount?.trim() || null;
  if (psp === "adyen" && merchantAccount === null)
    throw invalid("an Adyen account needs its merchant account", "merchantAccount");
  if (merchantAccount !== null && !/^[\x21-\x7e]{1,100}$/.test(merchantAccount))
    throw invalid(
      `merchantAccount must be 1 to ${MERCHANT_ACCOUNT_LENGTH_MAX} printable characters`,
      "merchantAccount",
    );
  return {
    psp,
    mode: input.mode,
    endpoint: validEndpoint(input.endpoint),
    merchantAccount,
    apiKey: validApiKey(input.apiKey),
    webhookSecret: validWebhookSecret(psp, input.webhookSecret),
  };
}

/** The last four characters: enough for an operator to tell two keys apart, nothing to guess from. */
export function secretHint(secret: string): string {
  return secret.slice(-4);
}

/** A credential problem as operators see it: bounded, and with anything key-like masked. */
export function describeCredentialProblem(message: string): string {
  return message
    .replace(/\b(sk|rk|pk|whsec)_(live|test)?_?[A-Za-z0-9]+/g, "$1_…")
    .replace(/\p{Cc}/gu, " ")
    .slice(0, 300);
}
