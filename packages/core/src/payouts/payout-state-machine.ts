// The payout state machine in one table: PENDING -> IN_TRANSIT -> PAID, or FAILED / CANCELED, and a paid payout
// RETURNED by the bank days later. The database holds the same edges (payout_status_transitions, migration
// 20261208110000_payouts) and a trigger refuses any other status change; payout-store.integration-test.ts checks
// that the two agree.
export const PAYOUT_STATUSES = ["PENDING", "IN_TRANSIT", "PAID", "FAILED", "CANCELED", "RETURNED"] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const PAYOUT_EVENTS = ["SENT", "PAID", "FAILED", "CANCELED", "RETURNED"] as const;
export type PayoutEvent = (typeof PAYOUT_EVENTS)[number];

type TransitionTable = { readonly [S in PayoutStatus]: { readonly [E in PayoutEvent]?: PayoutStatus } };

export const PAYOUT_TRANSITIONS: TransitionTable = Object.freeze({
  // Not yet accepted by the bank: it may still be cancelled, or refused by the bank (an invalid account).
  PENDING: Object.freeze({ SENT: "IN_TRANSIT", FAILED: "FAILED", CANCELED: "CANCELED" }),
  // Accepted by the bank: it arrives (PAID) or the receiving bank refuses it (an account closed).
  IN_TRANSIT: Object.freeze({ PAID: "PAID", FAILED: "FAILED" }),
  // Paid, and sent back by the receiving bank days later.
  PAID: Object.freeze({ RETURNED: "RETURNED" }),
  FAILED: Object.freeze({}),
  CANCELED: Object.freeze({}),
  RETURNED: Object.freeze({}),
});

/** The outbox topic each status publishes (merchant webhooks, the events feed). */
export const PAYOUT_STATUS_TOPICS: { readonly [S in PayoutStatus]: string } = Object.freeze({
  PENDING: "payout.created",
  IN_TRANSIT: "payout.in_transit",
  PAID: "payout.paid",
  FAILED: "payout.failed",
  CANCELED: "payout.canceled",
  RETURNED: "payout.returned",
});

/** The next status, or null when the table has no such edge (the command turns it into a typed error). */
export function payoutTransition(from: PayoutStatus, event: PayoutEvent): PayoutStatus | null {
  return PAYOUT_TRANSITIONS[from][event] ?? null;
}

/** No edge leaves these. */
export function isPayoutFinal(status: PayoutStatus): boolean {
  return Object.keys(PAYOUT_TRANSITIONS[status]).length === 0;
}

/**
 * The statuses a bank's word moves a payout through, from where it is: a PAID notice for a payout still PENDING
 * (the bank's answer to our call was lost, its notice came first) is SENT then PAID. Null: no path (stale or
 * contradicting notice, e.g. PAID after FAILED); [] when it is already there (a repeat).
 */
export function payoutPathTo(
  from: PayoutStatus,
  target: "IN_TRANSIT" | "PAID" | "FAILED" | "RETURNED",
): PayoutEvent[] | null {
  if (from === target) return [];
  const paths: Record<typeof target, PayoutEvent[][]> = {
    IN_TRANSIT: [["SENT"]],
    PAID: [["PAID"], ["SENT", "PAID"]],
    FAILED: [["FAILED"]],
    RETURNED: [["RETURNED"], ["PAID", "RETURNED"], ["SENT", "PAID", "RETURNED"]],
  };
  for (const path of paths[target]) {
    let status: PayoutStatus | null = from;
    for (const event of path) status = status === null ? null : payoutTransition(status, event);
    if (status === target) return path;
  }
  return null;
}

/** Every edge of the table as [from, to] pairs, for the database's copy and its test. */
export function payoutTransitionEdges(): [PayoutStatus, PayoutStatus][] {
  const edges: [PayoutStatus, PayoutStatus][] = [];
  for (const from of PAYOUT_STATUSES)
    for (const to of Object.values(PAYOUT_TRANSITIONS[from])) edges.push([from, to as PayoutStatus]);
  return edges;
}
