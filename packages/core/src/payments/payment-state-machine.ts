export const PAYMENT_STATUSES = [
  "PENDING",
  "REQUIRES_REVIEW",
  "AUTHORIZED",
  "CAPTURED",
  "PARTIALLY_REFUNDED",
  "REFUNDED",
  "DECLINED",
  "FAILED",
  "CANCELLED",
  // A bank-transfer payment waiting for the customer's credit transfer (docs/api.md, "Bank transfers").
  "AWAITING_FUNDS",
  // 3-D Secure: the issuer asks for a challenge; the customer must complete it at the PSP (docs/api.md, "3-D Secure").
  "REQUIRES_ACTION",
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYMENT_EVENTS = [
  "AUTHORIZATION_SUCCEEDED",
  "HELD_FOR_REVIEW",
  "REVIEW_APPROVED",
  "REVIEW_REJECTED",
  "CAPTURE_SUCCEEDED",
  "AUTHORIZATION_DECLINED",
  "AUTHORIZATION_FAILED",
  "CANCELLED",
  "REFUNDED_PARTIALLY",
  "REFUNDED_FULLY",
  // Bank transfers: the whole amount has arrived (captured only now), or the instructions expired first.
  "FUNDS_RECEIVED",
  "FUNDS_EXPIRED",
  // 3-D Secure: the PSP asks for the customer's challenge; or nobody completed it in time.
  "AUTHENTICATION_REQUIRED",
  "ACTION_EXPIRED",
  // A bank-transfer refund the payer's bank sent back (bank-transfers/bank-refunds.ts): refundable again.
  "REFUND_RETURNED_PARTIALLY",
  "REFUND_RETURNED_FULLY",
] as const;
export type PaymentEvent = (typeof PAYMENT_EVENTS)[number];

type TransitionTable = { readonly [S in PaymentStatus]: { readonly [E in PaymentEvent]?: PaymentStatus } };

/** The only place payment status changes are defined; everything else asks this table. */
export const PAYMENT_TRANSITIONS: TransitionTable = deepFreeze({
  PENDING: {
    AUTHORIZATION_SUCCEEDED: "AUTHORIZED",
    // Automatic capture authorizes and captures in one PSP call.
    CAPTURE_SUCCEEDED: "CAPTURED",
    HELD_FOR_REVIEW: "REQUIRES_REVIEW",
    AUTHORIZATION_DECLINED: "DECLINED",
    AUTHORIZATION_FAILED: "FAILED",
    AUTHENTICATION_REQUIRED: "REQUIRES_ACTION",
  },
  // After the challenge the PSP authorizes (or captures) the payment, or declines it when the authentication
  // failed; a challenge nobody completed in time is cancelled by the expiry worker.
  REQUIRES_ACTION: {
    AUTHORIZATION_SUCCEEDED: "AUTHORIZED",
    CAPTURE_SUCCEEDED: "CAPTURED",
    HELD_FOR_REVIEW: "REQUIRES_REVIEW",
    AUTHORIZATION_DECLINED: "DECLINED",
    AUTHORIZATION_FAILED: "FAILED",
    ACTION_EXPIRED: "CANCELLED",
  },
  REQUIRES_REVIEW: {
    REVIEW_APPROVED: "AUTHORIZED",
    REVIEW_REJECTED: "CANCELLED",
    // A merchant cancel, or the authorization hold expiring before anyone reviewed it.
    CANCELLED: "CANCELLED",
  },
  AUTHORIZED: {
    CAPTURE_SUCCEEDED: "CAPTURED",
    CANCELLED: "CANCELLED",
  },
  CAPTURED: {
    REFUNDED_PARTIALLY: "PARTIALLY_REFUNDED",
    REFUNDED_FULLY: "REFUNDED",
  },
  PARTIALLY_REFUNDED: {
    REFUNDED_PARTIALLY: "PARTIALLY_REFUNDED",
    REFUNDED_FULLY: "REFUNDED",
    REFUND_RETURNED_PARTIALLY: "PARTIALLY_REFUNDED",
    REFUND_RETURNED_FULLY: "CAPTURED",
  },
  REFUNDED: {
    REFUND_RETURNED_PARTIALLY: "PARTIALLY_REFUNDED",
    REFUND_RETURNED_FULLY: "CAPTURED",
  },
  DECLINED: {},
  FAILED: {},
  CANCELLED: {},
  // A partial credit changes no status: the payment keeps waiting, with the received amount on its transfer.
  AWAITING_FUNDS: {
    FUNDS_RECEIVED: "CAPTURED",
    FUNDS_EXPIRED: "CANCELLED",
  },
});

function deepFreeze<T extends Record<string, object>>(table: T): T {
  for (const row of Object.values(table)) {
    Object.freeze(row);
  }
  return Object.freeze(table);
}

/** Thrown when code tries an event the table does not allow; it signals a bug or a lost race, never bad client input. */
export class IllegalTransitionError extends Error {
  override readonly name = "IllegalTransitionError";
  readonly from: PaymentStatus;
  readonly event: PaymentEvent;

  constructor(from: PaymentStatus, event: PaymentEvent) {
    super(`payment event ${event} is not allowed in status ${from}`);
    this.from = from;
    this.event = event;
  }
}

export function transition(from: PaymentStatus, event: PaymentEvent): PaymentStatus {
  const to = PAYMENT_TRANSITIONS[from][event];
  if (to === undefined) {
    throw new IllegalTransitionError(from, event);
  }
  return to;
}

export function canTransition(from: PaymentStatus, event: PaymentEvent): boolean {
  return PAYMENT_TRANSITIONS[from][event] !== undefined;
}

export function isTerminal(status: PaymentStatus): boolean {
  return Object.keys(PAYMENT_TRANSITIONS[status]).length === 0;
}
