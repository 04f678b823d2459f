import { randomFillSync } from "node:crypto";
import { monotonicFactory } from "ulid";
import { DomainError } from "../errors/domain-error";
import { containsCardNumber } from "../vault/card-number-text";

export const ID_PREFIXES = {
  merchant: "mer",
  apiKey: "key",
  paymentMethod: "pm",
  payment: "pay",
  refund: "re",
  pspAttempt: "att",
  journalEntry: "je",
  ledgerAccount: "la",
  idempotencyRecord: "idem",
  riskAssessment: "ra",
  riskListEntry: "rl",
  operatorKey: "opk",
  operator: "opr",
  operatorSession: "ses",
  routingRule: "rr",
  pspAccount: "pspa",
  pspAccountSecret: "pspsec",
  reconImport: "rimp",
  reconItem: "ritm",
  approvalRequest: "apr",
  invoice: "in",
  invoiceLine: "il",
  invoicePayment: "inpay",
  webhookEndpoint: "we",
  webhookEndpointSecret: "wesec",
  dispute: "dp",
  storedFile: "file",
  // Bank transfers (issue 18): a return of money owed to a payer.
  bankReturn: "bret",
  // Payouts (issue 18, part 1).
  bankAccount: "ba",
  payout: "po",
  checkoutSession: "cs",
  fxRateImport: "fxi",
  fxConversion: "fxc",
  // Signed requests (issue 22): an API key's signing secret.
  signingSecret: "rsks",
  // Sanctions screening (issue 22): an imported list version, one screening of one name, a possible match.
  sanctionsListVersion: "slv",
  sanctionsScreening: "scr",
  sanctionsHit: "sh",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type Id<K extends IdKind> = string & { readonly __idKind: K };

export type MerchantId = Id<"merchant">;
export type PaymentId = Id<"payment">;
export type RefundId = Id<"refund">;
export type PaymentMethodId = Id<"paymentMethod">;
export type ApiKeyId = Id<"apiKey">;
export type PspAttemptId = Id<"pspAttempt">;
export type JournalEntryId = Id<"journalEntry">;
export type LedgerAccountId = Id<"ledgerAccount">;
export type IdempotencyRecordId = Id<"idempotencyRecord">;
export type RiskAssessmentId = Id<"riskAssessment">;
export type RiskListEntryId = Id<"riskListEntry">;
export type OperatorKeyId = Id<"operatorKey">;
export type OperatorId = Id<"operator">;
export type OperatorSessionId = Id<"operatorSession">;
export type PspAccountId = Id<"pspAccount">;
export type InvoiceId = Id<"invoice">;
export type DisputeId = Id<"dispute">;
export type StoredFileId = Id<"storedFile">;
export type CheckoutSessionId = Id<"checkoutSession">;

// ulid's default source asks the OS for one random byte per character (16 system
// calls per id, 4% of the API's CPU per payment); this one draws the same
// cryptographic bytes 4 KB at a time. A character takes the top 5 bits of a byte.
const randomPool = new Uint8Array(4096);
let randomPoolAt = randomPool.length;
function pooledRandom(): number {
  if (randomPoolAt === randomPool.length) {
    randomFillSync(randomPool);
    randomPoolAt = 0;
  }
  return (randomPool[randomPoolAt++] as number) / 256;
}

// A plain ulid() would order ids made in the same millisecond randomly; the monotonic
// factory increments the random part instead, so creation order is preserved.
const nextUlid = monotonicFactory(pooledRandom);

// Upper-case Crockford base32 only, first char 0-7 so the 48-bit timestamp cannot overflow.
const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export function newId<K extends IdKind>(kind: K): Id<K> {
  return `${ID_PREFIXES[kind]}_${nextUlid()}` as Id<K>;
}

export function parseId<K extends IdKind>(kind: K, input: string): Id<K> | null {
  if (typeof input !== "string") {
    return null;
  }
  const prefix = `${ID_PREFIXES[kind]}_`;
  if (!input.startsWith(prefix)) {
    return null;
  }
  return ULID_PATTERN.test(input.slice(prefix.length)) ? (input as Id<K>) : null;
}

/** Like parseId, but throws the API error for a malformed id. */
export function requireId<K extends IdKind>(kind: K, input: string, field: string[]): Id<K> {
  const id = parseId(kind, input);
  if (!id) {
    throw new DomainError("ID_INVALID", `expected a ${kind} id starting with "${ID_PREFIXES[kind]}_"`, {
      field,
    });
  }
  return id;
}

export type IdempotencyKey = string & { readonly __brand: "IdempotencyKey" };

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export function parseIdempotencyKey(input: string): IdempotencyKey {
  if (
    typeof input !== "string" ||
    input.length === 0 ||
    input.length > IDEMPOTENCY_KEY_MAX_LENGTH ||
    !PRINTABLE_ASCII.test(input) ||
    input.trim() === ""
  ) {
    throw new DomainError(
      "IDEMPOTENCY_KEY_INVALID",
      `idempotency key must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters and not only spaces`,
      { field: ["idempotencyKey"] },
    );
  }
  if (containsCardNumber(input)) {
    // Keys are stored in clear and show up in logs and the console: never a card number.
    throw new DomainError(
      "CARD_NUMBER_IN_TEXT",
      "idempotency key looks like it contains a card number; use a random or opaque key.",
      { field: ["idempotencyKey"] },
    );
  }
  return input as IdempotencyKey;
}

export type PspReference = string & { readonly __brand: "PspReference" };

/** PSP references are opaque; we only insist they are short printable ASCII so they are safe to store and log. */
export function parsePspReference(input: string): PspReference | null {
  if (
    typeof input !== "string" ||
    input.length === 0 ||
    input.length > 255 ||
    !/^[\x21-\x7e]+$/.test(input)
  ) {
    return null;
  }
  return input as PspReference;
}
