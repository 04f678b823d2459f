export const ERROR_CODES = [
  "INVALID_INPUT",
  "AMOUNT_INVALID",
  "AMOUNT_TOO_LARGE",
  "CURRENCY_INVALID",
  "METADATA_INVALID",
  "DESCRIPTION_TOO_LONG",
  "CARD_NUMBER_IN_TEXT",
  "IDEMPOTENCY_KEY_INVALID",
  "ID_INVALID",
  "CARD_NUMBER_INVALID",
  "CARD_EXPIRY_INVALID",
  "CARD_EXPIRED",
  "CARD_CVC_INVALID",
  "PAYMENT_NOT_FOUND",
  "PAYMENT_METHOD_NOT_FOUND",
  "REFUND_NOT_FOUND",
  "PAYMENT_NOT_CAPTURABLE",
  "PAYMENT_NOT_CANCELLABLE",
  "PAYMENT_NOT_REFUNDABLE",
  "PAYMENT_NOT_IN_REVIEW",
  "AMOUNT_EXCEEDS_CAPTURABLE",
  "AMOUNT_EXCEEDS_REFUNDABLE",
  "PAYMENT_OPERATION_IN_PROGRESS",
  "PAYMENT_DECLINED",
  "PAYMENT_FAILED",
  "PSP_UNAVAILABLE",
  "IDEMPOTENCY_KEY_REUSED",
  "IDEMPOTENCY_IN_PROGRESS",
  "PSP_ACCOUNT_NOT_FOUND",
  "PSP_ACCOUNT_EXISTS",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

// Only these describe a transient condition: the same request can succeed later
// without the client changing anything.
const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "IDEMPOTENCY_IN_PROGRESS",
  "PAYMENT_OPERATION_IN_PROGRESS",
  "PSP_UNAVAILABLE",
]);

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
    this.retryable = options?.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
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
