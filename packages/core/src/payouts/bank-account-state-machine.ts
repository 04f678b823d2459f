// The bank account verification state machine in one table: an account verified by micro-deposits waits in
// PENDING_VERIFICATION until the merchant confirms both amounts (VERIFIED) or runs out of attempts, or the bank
// refuses the deposits (VERIFICATION_FAILED: locked, a new account must be added). An instant verification
// inserts the account VERIFIED or VERIFICATION_FAILED at once. The database holds the same edges
// (bank_account_status_transitions, migration 20261209130000_payouts_finish) and a trigger refuses any other.
export const BANK_ACCOUNT_STATUSES = ["PENDING_VERIFICATION", "VERIFIED", "VERIFICATION_FAILED"] as const;
export type BankAccountStatus = (typeof BANK_ACCOUNT_STATUSES)[number];

export const BANK_ACCOUNT_EVENTS = ["CONFIRMED", "LOCKED"] as const;
export type BankAccountEvent = (typeof BANK_ACCOUNT_EVENTS)[number];

type TransitionTable = {
  readonly [S in BankAccountStatus]: { readonly [E in BankAccountEvent]?: BankAccountStatus };
};

export const BANK_ACCOUNT_TRANSITIONS: TransitionTable = Object.freeze({
  PENDING_VERIFICATION: Object.freeze({ CONFIRMED: "VERIFIED", LOCKED: "VERIFICATION_FAILED" }),
  VERIFIED: Object.freeze({}),
  VERIFICATION_FAILED: Object.freeze({}),
});

/** The outbox topic (merchant webhook event type) of each status an account moves to. */
export const BANK_ACCOUNT_STATUS_TOPICS: { readonly [S in BankAccountStatus]: string | null } = Object.freeze(
  {
    PENDING_VERIFICATION: null,
    VERIFIED: "bank_account.verified",
    VERIFICATION_FAILED: "bank_account.verification_failed",
  },
);

export function bankAccountTransition(
  from: BankAccountStatus,
  event: BankAccountEvent,
): BankAccountStatus | null {
  return BANK_ACCOUNT_TRANSITIONS[from][event] ?? null;
}

/** Every edge as [from, to], for the database's copy and its test. */
export function bankAccountTransitionEdges(): [BankAccountStatus, BankAccountStatus][] {
  const edges: [BankAccountStatus, BankAccountStatus][] = [];
  for (const from of BANK_ACCOUNT_STATUSES)
    for (const to of Object.values(BANK_ACCOUNT_TRANSITIONS[from]))
      edges.push([from, to as BankAccountStatus]);
  return edges;
}
