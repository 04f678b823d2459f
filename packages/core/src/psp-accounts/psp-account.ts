// PSP accounts: the credentials with which the platform reaches a PSP in live mode (test mode reaches the
// sandbox). An account names its PSP, the endpoint its SDK calls, and for Adyen the merchant account; its
// API key and webhook secret are stored encrypted by the vault (associated data: the secret's own id) and
// never shown again after they are entered. Replacing a secret keeps the previous one valid for a while
// (the overlap), so webhooks the PSP signed before it switched still verify.
import { DomainError, invariant } from "../errors/domain-error";
import type { Mode } from "../payments/payment-record";

/**
 * A PSP's name ("stripe", "adyen"): its webhook route, its routing name, its live accounts' `psp`. The core checks
 * only the spelling; which PSPs exist is the platform's registry (packages/platform/src/psps/registry.ts), handed
 * to the commands as a PspCatalog, so adding a PSP is its folder plus one registration line and no core change.
 */
export type PspName = string & { readonly __brand: "PspName" };

/** Lower-case ASCII letters, digits, "_" and "-", a letter first, at most 32 characters (a URL path segment). */
const PSP_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** A PSP name from outside (a form, a path, a row), or null when it is not spelled like one. */
export function parsePspName(text: string): PspName | null {
  return typeof text === "string" && PSP_NAME.test(text) ? (text as PspName) : null;
}

/** A PSP name written in code (a module's id): a misspelling is a programmer error. */
export function pspName(text: string): PspName {
  const name = parsePspName(text);
  invariant(name !== null, `${text} is not spelled like a PSP name`);
  return name;
}

/** The shape a secret of one kind has at a PSP (Stripe's webhook secrets start with whsec_, …). */
export interface SecretShape {
  readonly pattern: RegExp;
  /** Said to the operator when a secret does not have the shape: what it should look like, never the value. */
  readonly message: string;
}

/** What a live account of one PSP must carry: each PSP declares it in its own folder (its PspModule). */
export interface PspAccountRules {
  /** PSPs that scope every call by a merchant account (Adyen) need one on the account. */
  readonly merchantAccountRequired: boolean;
  readonly webhookSecret: SecretShape;
  readonly reportCredential: SecretShape;
}

/** The PSPs a live account may name, with each one's rules: built by the platform from its PSP registry. */
export type PspCatalog = ReadonlyMap<PspName, PspAccountRules>;

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

function shaped(value: string, shape: SecretShape, field: string): string {
  const secret = validSecret(value, field);
  if (!shape.pattern.test(secret)) throw invalid(shape.message, field);
  return secret;
}

/** The webhook secret in the form its PSP issues it (Stripe: whsec_…; Adyen: an HMAC key in hex). */
export function validWebhookSecret(rules: PspAccountRules, value: string): string {
  return shaped(value, rules.webhookSecret, "webhookSecret");
}

/**
 * A report credential in the form its PSP takes it (Adyen: the report user as "user:password"; Stripe: a secret
 * or restricted key).
 */
export function validReportCredential(rules: PspAccountRules, value: string): string {
  return shaped(value, rules.reportCredential, "reportCredential");
}

/** The rules of a registered PSP; INVALID_INPUT naming the registered ones otherwise. */
export function registeredPsp(catalog: PspCatalog, psp: string): { psp: PspName; rules: PspAccountRules } {
  const name = parsePspName(psp);
  const rules = name === null ? undefined : catalog.get(name);
  if (name === null || rules === undefined)
    throw invalid(`psp must be one of ${[...catalog.keys()].sort().join(", ")}`, "psp");
  return { psp: name, rules };
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

export function validatePspAccountInput(input: PspAccountInput, catalog: PspCatalog): ValidPspAccountInput {
  const { psp, rules } = registeredPsp(catalog, input.psp);
  if (input.mode !== "LIVE" && input.mode !== "TEST") throw invalid("mode must be LIVE or TEST", "mode");
  const merchantAccount = input.merchantAccount?.trim() || null;
  if (rules.merchantAccountRequired && merchantAccount === null)
    throw invalid(`${psp} accounts need their merchant account`, "merchantAccount");
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
    webhookSecret: validWebhookSecret(rules, input.webhookSecret),
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
