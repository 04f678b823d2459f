// The checkout session state machine in one table: OPEN -> COMPLETE | EXPIRED. A session completes when its
// payment is authorized (or captured, or held for review): the merchant reads the session and its payment to
// learn the outcome. It expires when its time runs out unpaid. The database holds the same edges
// (checkout_session_status_transitions, migration 20261208140000) and a trigger refuses any other change.
export const CHECKOUT_SESSION_STATUSES = ["OPEN", "COMPLETE", "EXPIRED"] as const;
export type CheckoutSessionStatus = (typeof CHECKOUT_SESSION_STATUSES)[number];

export const CHECKOUT_SESSION_EVENTS = ["PAID", "EXPIRED"] as const;
export type CheckoutSessionEvent = (typeof CHECKOUT_SESSION_EVENTS)[number];

type TransitionTable = {
  readonly [S in CheckoutSessionStatus]: { readonly [E in CheckoutSessionEvent]?: CheckoutSessionStatus };
};

export const CHECKOUT_SESSION_TRANSITIONS: TransitionTable = Object.freeze({
  OPEN: Object.freeze({ PAID: "COMPLETE", EXPIRED: "EXPIRED" }),
  COMPLETE: Object.freeze({}),
  EXPIRED: Object.freeze({}),
});

/** The outbox topic each event publishes (merchant webhooks). */
export const CHECKOUT_SESSION_EVENT_TOPICS: { readonly [E in CheckoutSessionEvent]: string } = Object.freeze({
  PAID: "checkout.session.completed",
  EXPIRED: "checkout.session.expired",
});

/** The next status, or null when the table has no such edge (the command turns it into a typed error). */
export function checkoutSessionTransition(
  from: CheckoutSessionStatus,
  event: CheckoutSessionEvent,
): CheckoutSessionStatus | null {
  return CHECKOUT_SESSION_TRANSITIONS[from][event] ?? null;
}

/** Every edge of the table as [from, to] pairs, for the database's copy and its test. */
export function checkoutSessionTransitionEdges(): [CheckoutSessionStatus, CheckoutSessionStatus][] {
  const edges: [CheckoutSessionStatus, CheckoutSessionStatus][] = [];
  for (const from of CHECKOUT_SESSION_STATUSES)
    for (const to of Object.values(CHECKOUT_SESSION_TRANSITIONS[from]))
      edges.push([from, to as CheckoutSessionStatus]);
  return edges;
}
