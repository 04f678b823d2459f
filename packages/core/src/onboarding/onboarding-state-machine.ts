// A merchant's onboarding in one table (issue 22): PENDING_VERIFICATION until an operator approves or rejects it;
// a verified merchant may be RESTRICTED (by an operator, a risk-signal rule or a confirmed sanctions hit) and an
// operator may lift the restriction (VERIFIED again) or reject the merchant for good. The database holds the same
// edges (merchant_onboarding_transitions, migration 20261209180000_merchant_onboarding) and a trigger on merchants
// refuses any other status change; onboarding-store.integration-test.ts checks that the two agree.
export const ONBOARDING_STATUSES = ["PENDING_VERIFICATION", "VERIFIED", "RESTRICTED", "REJECTED"] as const;
export type OnboardingStatus = (typeof ONBOARDING_STATUSES)[number];

export const ONBOARDING_EVENTS = ["APPROVE", "RESTRICT", "REJECT"] as const;
export type OnboardingEvent = (typeof ONBOARDING_EVENTS)[number];

type TransitionTable = {
  readonly [S in OnboardingStatus]: { readonly [E in OnboardingEvent]?: OnboardingStatus };
};

export const ONBOARDING_TRANSITIONS: TransitionTable = Object.freeze({
  PENDING_VERIFICATION: Object.freeze({ APPROVE: "VERIFIED", RESTRICT: "RESTRICTED", REJECT: "REJECTED" }),
  VERIFIED: Object.freeze({ RESTRICT: "RESTRICTED" }),
  // Lifted by an operator after review, or closed for good.
  RESTRICTED: Object.freeze({ APPROVE: "VERIFIED", REJECT: "REJECTED" }),
  REJECTED: Object.freeze({}),
});

/** The next status, or null when the table has no such edge (the command turns it into a typed error). */
export function onboardingTransition(
  from: OnboardingStatus,
  event: OnboardingEvent,
): OnboardingStatus | null {
  return ONBOARDING_TRANSITIONS[from][event] ?? null;
}

/** Every edge of the table as [from, to] pairs, for the database's copy and its test. */
export function onboardingTransitionEdges(): [OnboardingStatus, OnboardingStatus][] {
  const edges: [OnboardingStatus, OnboardingStatus][] = [];
  for (const from of ONBOARDING_STATUSES)
    for (const to of Object.values(ONBOARDING_TRANSITIONS[from])) edges.push([from, to as OnboardingStatus]);
  return edges;
}

/** The outbox topic of every onboarding change (the merchant's account as the API shows it). */
export const ONBOARDING_TOPIC = "account.updated";
