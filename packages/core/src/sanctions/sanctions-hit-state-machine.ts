// A sanctions hit's decision in one table (issue 22): OPEN until an operator calls it a FALSE_POSITIVE or CONFIRMED;
// both are final. The database holds the same edges (sanctions_hit_transitions) and a trigger refuses others.
export const SANCTIONS_HIT_STATUSES = ["OPEN", "FALSE_POSITIVE", "CONFIRMED"] as const;
export type SanctionsHitStatus = (typeof SANCTIONS_HIT_STATUSES)[number];

export const SANCTIONS_HIT_DECISIONS = ["FALSE_POSITIVE", "CONFIRMED"] as const;
export type SanctionsHitDecision = (typeof SANCTIONS_HIT_DECISIONS)[number];

export const SANCTIONS_HIT_TRANSITIONS: {
  readonly [S in SanctionsHitStatus]: { readonly [D in SanctionsHitDecision]?: SanctionsHitStatus };
} = Object.freeze({
  OPEN: Object.freeze({ FALSE_POSITIVE: "FALSE_POSITIVE", CONFIRMED: "CONFIRMED" }),
  FALSE_POSITIVE: Object.freeze({}),
  CONFIRMED: Object.freeze({}),
});

export function sanctionsHitTransition(
  from: SanctionsHitStatus,
  decision: SanctionsHitDecision,
): SanctionsHitStatus | null {
  return SANCTIONS_HIT_TRANSITIONS[from][decision] ?? null;
}

export function sanctionsHitTransitionEdges(): [SanctionsHitStatus, SanctionsHitStatus][] {
  return SANCTIONS_HIT_STATUSES.flatMap((from) =>
    Object.values(SANCTIONS_HIT_TRANSITIONS[from]).map(
      (to) => [from, to as SanctionsHitStatus] as [SanctionsHitStatus, SanctionsHitStatus],
    ),
  );
}
