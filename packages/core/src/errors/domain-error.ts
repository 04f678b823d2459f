/**
 * What a client may do after an error: `no` (change the request first), `same_key` (send it again later with the
 * same idempotency key: nothing was stored under it, or the key's final answer is still being written) or
 * `new_key` (nothing was done, but the key has recorded this answer and would replay it).
 */
export type RetryAdvice = "no" | "same_key" | "new_key";

interface ErrorCodeSpec {
  readonly retry: RetryAdvice;
  /** When the code is answered: the errors table in docs/api.md says the same for clients. */
  readonly description: string;
}

/**
 * Every code a UserError (or a console DomainError) can carry, in the order the GraphQL enum prints them. The one
 * source of the codes and of their retryability: ERROR_CODES, the retryable flag and the API's enum derive from it.
 * Errors that are GraphQL errors rather than payload errors (authentication, rate and query limits) are listed in
 * apps/api/src/schema/graphql-error-codes.ts: they are transport failures, raised before any command runs.
 */
export const ERROR_TABLE = {
  INVALID_INPUT: {
    retry: "no",
    description: "bad input not covered by a more precise code, with its field path",
  },
  AMOUNT_INVALID: {
    retry: "no",
    description: "an amount that is zero, negative, fractional or not canonical digits",
  },
  AMOUNT_TOO_LARGE: { retry: "no", description: "an amount above its currency's maximum" },
  CURRENCY_INVALID: { retry: "no", description: "not a supported ISO 4217 currency" },
  METADATA_INVALID: { retry: "no", description: "metadata over its key, length or size limits" },
  DESCRIPTION_TOO_LONG: { retry: "no", description: "a description over its length limit" },
  CARD_NUMBER_IN_TEXT: {
    retry: "no",
    description: "a card number written in free text or an idempotency key",
  },
  IDEMPOTENCY_KEY_INVALID: {
    retry: "no",
    description: "an empty, non-printable or over-long idempotency key",
  },
  ID_INVALID: { retry: "no", description: "an id that is not of the expected prefixed form" },
  CARD_NUMBER_INVALID: { retry: "no", description: "a card number failing its length or Luhn check" },
  CARD_EXPIRY_INVALID: { retry: "no", description: "an impossible expiry month or year" },
  CARD_EXPIRED: { retry: "no", description: "a card past its expiry" },
  CARD_CVC_INVALID: { retry: "no", description: "a CVC of the wrong length for its brand" },
  PAYMENT_NOT_FOUND: { retry: "no", description: "an unknown payment, or another merchant's or mode's" },
  PAYMENT_METHOD_NOT_FOUND: {
    retry: "no",
    description: "an unknown payment method, or another merchant's or mode's",
  },
  REFUND_NOT_FOUND: { retry: "no", description: "an unknown refund, or another merchant's or mode's" },
  PAYMENT_NOT_CAPTURABLE: { retry: "no", description: "the payment's state forbids a capture" },
  PAYMENT_NOT_CANCELLABLE: { retry: "no", description: "the payment's state forbids a cancellation" },
  PAYMENT_NOT_REFUNDABLE: { retry: "no", description: "the payment's state forbids a refund" },
  PAYMENT_NOT_IN_REVIEW: { retry: "no", description: "a review decision on a payment not held for review" },
  AMOUNT_EXCEEDS_CAPTURABLE: { retry: "no", description: "more than is left to capture" },
  AMOUNT_EXCEEDS_REFUNDABLE: { retry: "no", description: "more than is left to refund" },
  PAYMENT_OPERATION_IN_PROGRESS: {
    retry: "same_key",
    description:
      "another operation on the payment is in flight (a request running now, or a capture, authorization or void an asynchronous PSP has yet to confirm): send this one again once it settles",
  },
  PAYMENT_DECLINED: { retry: "no", description: "the PSP or the risk rules declined the payment" },
  PAYMENT_FAILED: { retry: "no", description: "the PSP refused or failed the operation without charging" },
  PSP_NOT_REACHED: {
    retry: "new_key",
    description: "no PSP could be reached (network, outage, open breaker): nothing was done, retry later",
  },
  PAYMENT_OUTCOME_PENDING: {
    retry: "no",
    description:
      "the PSP was sent the request but did not confirm it: its outcome is resolved with the PSP, and the same key replays the settled answer; a new key would repeat the operation",
  },
  PSP_NOT_CONFIGURED: {
    retry: "no",
    description:
      "no PSP is configured for this mode, currency or payment (e.g. live mode without a PSP account)",
  },
  IDEMPOTENCY_KEY_REUSED: {
    retry: "no",
    description: "the key was used with other input or another mutation",
  },
  IDEMPOTENCY_IN_PROGRESS: {
    retry: "same_key",
    description: "a request with this key is still running: the same key will replay its answer",
  },
  INVOICE_NOT_FOUND: { retry: "no", description: "an unknown invoice, or another merchant's or mode's" },
  INVOICE_NOT_EDITABLE: { retry: "no", description: "a change to an invoice that is no longer a draft" },
  INVOICE_STATE_INVALID: {
    retry: "no",
    description:
      "an invoice action its status forbids (finalising twice, voiding a paid invoice, an empty draft)",
  },
  CHECKOUT_SESSION_NOT_FOUND: {
    retry: "no",
    description: "an unknown checkout session, another merchant's or mode's, or a wrong page token",
  },
  CHECKOUT_SESSION_COMPLETED: { retry: "no", description: "a payment for a checkout session already paid" },
  CHECKOUT_SESSION_EXPIRED: { retry: "no", description: "a payment for a checkout session past its expiry" },
  CHECKOUT_SESSION_BUSY: {
    retry: "no",
    description: "a payment for a checkout session while another of its payments is still being decided",
  },
  CHECKOUT_ATTEMPTS_EXCEEDED: {
    retry: "no",
    description: "a checkout session has used up its payment attempts: create a new session",
  },
  RETURN_URL_INVALID: {
    retry: "no",
    description: "a return URL that is not an absolute http(s) URL of at most 2048 characters",
  },
  THREE_D_SECURE_NOT_REQUIRED: {
    retry: "no",
    description: "a 3-D Secure return for a payment that never asked for authentication",
  },
  THREE_D_SECURE_RETURN_MISMATCH: {
    retry: "no",
    description:
      "a 3-D Secure return whose authentication is not this payment's (tampered, or another payment's challenge)",
  },
  INVOICE_PAYMENT_MISMATCH: {
    retry: "no",
    description:
      "a payment that is not captured or not exactly the invoice's total and currency (no partial payment)",
  },
  INVOICE_PAYMENT_TRIES_EXCEEDED: {
    retry: "no",
    description:
      "an invoice's hosted page made its maximum of checkout sessions (each expired unpaid): a bound on card testing",
  },
  AMOUNT_DISPUTED: {
    retry: "no",
    description:
      "a refund of money held by an open or lost dispute: only the undisputed amount is refundable",
  },
  DISPUTE_NOT_FOUND: { retry: "no", description: "an unknown dispute, or another merchant's or mode's" },
  DISPUTE_NOT_ACCEPTABLE: {
    retry: "no",
    description: "the dispute is already decided (won, lost or accepted) or under review",
  },
  DISPUTE_EVIDENCE_NOT_ALLOWED: {
    retry: "no",
    description: "evidence for a dispute that is not waiting for a response",
  },
  EVIDENCE_INVALID: {
    retry: "no",
    description: "dispute evidence over its text or file limits, or a file that is not a PDF, PNG or JPEG",
  },
  API_KEY_NOT_FOUND: {
    retry: "no",
    description: "an unknown publishable key, a revoked one, or another merchant's or mode's",
  },
  PSP_ACCOUNT_NOT_FOUND: { retry: "no", description: "an unknown PSP account (console)" },
  PSP_ACCOUNT_EXISTS: { retry: "no", description: "a PSP account of that name already exists (console)" },
  OPERATOR_NOT_FOUND: { retry: "no", description: "an unknown console operator (console and CLI)" },
  OPERATOR_EXISTS: {
    retry: "no",
    description: "an operator with that email already exists (console and CLI)",
  },
  OPERATOR_SELF_CHANGE: {
    retry: "no",
    description: "an operator tried to disable or demote themselves (console)",
  },
  LAST_ACTIVE_ADMIN: {
    retry: "no",
    description: "the change would leave no active admin (console and CLI)",
  },
  OPERATOR_CHANGED: {
    retry: "no",
    description: "the operator changed since it was read: reload and decide again (console and CLI)",
  },
  APPROVAL_NOT_FOUND: { retry: "no", description: "an unknown approval request (console)" },
  APPROVAL_NOT_PENDING: {
    retry: "no",
    description: "an approval request already approved or rejected (console)",
  },
  APPROVAL_SAME_OPERATOR: {
    retry: "no",
    description: "the operator who asked for an approval cannot approve it: four eyes (console)",
  },
  APPROVAL_ADMIN_REQUIRED: {
    retry: "no",
    description:
      "an operator who is not an admin tried to approve a request only a second admin may approve: a large reserve, a customer's erasure (console)",
  },
  APPROVAL_ALREADY_REQUESTED: {
    retry: "no",
    description: "an approval for that target is already pending (console)",
  },
  RECON_ITEM_NOT_FOUND: { retry: "no", description: "an unknown reconciliation item (console)" },
  RECON_ITEM_STATE_INVALID: {
    retry: "no",
    description: "the reconciliation item's state or category forbids the action (console)",
  },
  ATTEMPT_NOT_OPEN: {
    retry: "no",
    description:
      "an out-of-band outcome for a PSP attempt that is already settled, or whose own call is still running (console)",
  },
  DEAD_LETTER_NOT_FOUND: { retry: "no", description: "an unknown dead letter (console and CLI)" },
  DEAD_LETTER_CLOSED: {
    retry: "no",
    description: "a dead letter already replayed or dismissed (console and CLI)",
  },
  LEDGER_ADJUSTMENT_INVALID: {
    retry: "no",
    description:
      "a manual ledger adjustment that is unbalanced, names an account that is not adjustable, or has no reason (console)",
  },
  WEBHOOK_URL_INVALID: {
    retry: "no",
    description: "a webhook URL that is malformed, too long, not https in live mode, or has credentials",
  },
  WEBHOOK_URL_FORBIDDEN: {
    retry: "no",
    description:
      "a webhook URL whose host resolves to a private, loopback, link-local or other internal address",
  },
  WEBHOOK_EVENT_TYPE_INVALID: { retry: "no", description: "an enabled event type that is not in the list" },
  WEBHOOK_ENDPOINT_NOT_FOUND: {
    retry: "no",
    description: "an unknown webhook endpoint, or another merchant's or mode's",
  },
  WEBHOOK_ENDPOINT_LIMIT: { retry: "no", description: "the merchant has as many endpoints as a mode allows" },
  WEBHOOK_ENDPOINT_STATE: {
    retry: "no",
    description: "the endpoint's status forbids the change (e.g. enabling a deleted endpoint)",
  },
  WEBHOOK_EVENT_NOT_FOUND: { retry: "no", description: "an unknown event, or another merchant's or mode's" },
  // Balances and payouts (issue 18, part 1).
  BANK_ACCOUNT_INVALID: {
    retry: "no",
    description:
      "an IBAN, routing or account number that fails its checksum or format, or a rail/currency mismatch",
  },
  // Refunds of bank-transfer payments (issue 18, bank-transfers/bank-refunds.ts).
  BANK_ACCOUNT_REQUIRED: {
    retry: "no",
    description:
      "a refund of a bank-transfer payment paid by several transfers needs the payer's bank account",
  },
  BANK_UNAVAILABLE: {
    retry: "no",
    description: "no bank is configured here to send a bank-transfer payment's refund",
  },
  BANK_ACCOUNT_NOT_FOUND: {
    retry: "no",
    description: "an unknown bank account, or another merchant's or mode's",
  },
  BANK_ACCOUNT_NOT_VERIFIED: {
    retry: "no",
    description:
      "the destination failed verification, or the merchant has no verified account in the currency",
  },
  BANK_ACCOUNT_LIMIT: { retry: "no", description: "the merchant has as many bank accounts as a mode allows" },
  PAYOUT_NOT_FOUND: { retry: "no", description: "an unknown payout, or another merchant's or mode's" },
  PAYOUT_INSUFFICIENT_BALANCE: { retry: "no", description: "a payout above the available balance" },
  PAYOUT_BALANCE_NEGATIVE: {
    retry: "no",
    description:
      "the available balance is negative (refunds, disputes): payouts wait until captures restore it",
  },
  PAYOUT_NO_BALANCE: { retry: "no", description: "a payout in a currency the merchant has no balance in" },
  PAYOUTS_PAUSED: { retry: "no", description: "an operator paused this merchant's payouts" },
  PAYOUT_STATE_INVALID: {
    retry: "no",
    description:
      "the payout's status forbids the action (e.g. cancelling a paid payout, retrying one not failed)",
  },
  // Payouts, finished (issue 18): micro-deposit verification.
  BANK_ACCOUNT_STATE_INVALID: {
    retry: "no",
    description:
      "the bank account is not waiting for micro-deposit confirmation (already verified, locked, or the deposits are not sent yet)",
  },
  MICRO_DEPOSITS_MISMATCH: {
    retry: "no",
    description:
      "the confirmed amounts are not the two micro-deposits; the message says how many attempts remain",
  },
  BANK_ACCOUNT_VERIFICATION_LOCKED: {
    retry: "no",
    description: "too many wrong micro-deposit confirmations: the account is VERIFICATION_FAILED for good",
  },
  // Multiple currencies (issue 18): a conversion is never made with a guessed or outdated rate.
  FX_RATE_MISSING: {
    retry: "no",
    description: "no exchange rate (direct, inverse or through EUR) exists between the two currencies",
  },
  FX_RATE_STALE: {
    retry: "no",
    description:
      "the newest exchange rate between the two currencies is older than the configured maximum age",
  },
  FX_RATES_FILE_INVALID: {
    retry: "no",
    description: "a rates file refused whole: the message names the first bad line and why (CLI, worker)",
  },
  // Onboarding, KYC and sanctions (issue 22).
  ONBOARDING_STATE_INVALID: {
    retry: "no",
    description: "the merchant's onboarding status forbids the change (e.g. approving a rejected merchant)",
  },
  ONBOARDING_DETAILS_MISSING: {
    retry: "no",
    description: "a merchant approved before its business details were submitted",
  },
  LIVE_LIMIT_EXCEEDED: {
    retry: "no",
    description:
      "a live payment that would take an unverified merchant's live total in its currency past the configured limit",
  },
  PAYOUTS_HELD_UNVERIFIED: {
    retry: "no",
    description: "a live payout of a merchant not verified yet (test-mode payouts work)",
  },
  MERCHANT_RESTRICTED: {
    retry: "no",
    description: "a live payment or a payout of a restricted, rejected or frozen merchant",
  },
  PAYOUTS_BLOCKED_SANCTIONS: {
    retry: "no",
    description: "a payout while a possible sanctions match of the merchant waits for an operator's review",
  },
  SANCTIONS_HIT_NOT_FOUND: { retry: "no", description: "an unknown sanctions hit (console, CLI)" },
  SANCTIONS_HIT_DECIDED: {
    retry: "no",
    description: "a decision on a sanctions hit already decided (false positive or confirmed)",
  },
  SANCTIONS_LIST_INVALID: {
    retry: "no",
    description:
      "a sanctions list file refused whole: not the OFAC SDN CSV or EU XML layout, or over its bounds (CLI)",
  },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export const ERROR_CODES = Object.keys(ERROR_TABLE) as readonly ErrorCode[] as readonly [
  ErrorCode,
  ...ErrorCode[],
];

/** True when the request may succeed later unchanged but for, at most, a new idempotency key (see RetryAdvice). */
export function isRetryable(code: ErrorCode): boolean {
  return ERROR_TABLE[code].retry !== "no";
}

/** The codes after which a client sends the same request again with the same key (bounded by the client). */
export const SAME_KEY_RETRY_CODES: ReadonlySet<ErrorCode> = new Set(
  ERROR_CODES.filter((code) => ERROR_TABLE[code].retry === "same_key"),
);

/**
 * An expected business failure the client can act on. It is shown to API callers,
 * so its message must never contain card numbers, CVCs or key material.
 */
export class DomainError extends Error {
  override readonly name = "DomainError";
  readonly code: ErrorCode;
  readonly field: string[] | null;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { field?: string[]; retryable?: boolean }) {
    super(message);
    this.code = code;
    this.field = options?.field ? [...options.field] : null;
    this.retryable = options?.retryable ?? isRetryable(code);
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

/** A broken assumption in our own code: it is a bug, so it crashes the request instead of being mapped to a client error. */
export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new InvariantError(message);
  }
}
