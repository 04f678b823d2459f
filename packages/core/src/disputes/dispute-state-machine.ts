// A dispute's states, and the order of a dispute's stages at the PSP. The status table says which changes are
// legal; the stage decides which of two conflicting notifications is the newer one (a PSP may deliver them out of
// order, and a dispute may be reopened at a later stage: Adyen runs CHARGEBACK, CHARGEBACK_REVERSED,
// SECOND_CHARGEBACK, PREARBITRATION_…). The database holds the same edges (dispute_status_transitions).

export const DISPUTE_STATUSES = [
  "INQUIRY",
  "NEEDS_RESPONSE",
  "UNDER_REVIEW",
  "WON",
  "LOST",
  "ACCEPTED",
] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

/**
 * The dispute's stage at the PSP, earliest first. A notification of an earlier stage than the dispute's is stale
 * and changes nothing; `LOST` is final only at the last stage.
 */
export const DISPUTE_STAGES = ["inquiry", "chargeback", "second_chargeback", "pre_arbitration"] as const;
export type DisputeStage = (typeof DISPUTE_STAGES)[number];

export function stageRank(stage: DisputeStage): number {
  return DISPUTE_STAGES.indexOf(stage);
}

/** The last stage: a loss there is final. */
export const FINAL_STAGE: DisputeStage = "pre_arbitration";

/**
 * Legal status changes. Within one stage a dispute only moves forward (inquiry, response, review, outcome); a
 * decided dispute moves again only when the PSP reopens it at a later stage (the stage check is in
 * `decideDisputeStatus`). ACCEPTED (the merchant gave up) is final.
 */
export const DISPUTE_TRANSITIONS: { readonly [S in DisputeStatus]: readonly DisputeStatus[] } = Object.freeze(
  {
    INQUIRY: Object.freeze(["NEEDS_RESPONSE", "UNDER_REVIEW", "WON", "LOST", "ACCEPTED"] as const),
    NEEDS_RESPONSE: Object.freeze(["UNDER_REVIEW", "WON", "LOST", "ACCEPTED"] as const),
    UNDER_REVIEW: Object.freeze(["WON", "LOST"] as const),
    WON: Object.freeze(["NEEDS_RESPONSE", "UNDER_REVIEW", "LOST"] as const),
    LOST: Object.freeze(["NEEDS_RESPONSE", "UNDER_REVIEW", "WON"] as const),
    ACCEPTED: Object.freeze([] as const),
  },
);

/** How far a status is along one stage; a notification never moves a dispute back within its stage. */
const PROGRESS: { readonly [S in DisputeStatus]: number } = {
  INQUIRY: 0,
  NEEDS_RESPONSE: 1,
  UNDER_REVIEW: 2,
  WON: 3,
  LOST: 3,
  ACCEPTED: 3,
};

export function isDecided(status: DisputeStatus): boolean {
  return PROGRESS[status] === 3;
}

export function canTransitionDispute(from: DisputeStatus, to: DisputeStatus): boolean {
  return (DISPUTE_TRANSITIONS[from] as readonly DisputeStatus[]).includes(to);
}

export interface DisputePosition {
  status: DisputeStatus;
  stage: DisputeStage;
}

export type StatusDecision =
  | { kind: "change"; to: DisputePosition }
  /** Same status and stage: a duplicate, or a notification that only refreshes details. */
  | { kind: "same" }
  /** Older than what we have (an earlier stage, or behind within the stage): ignored, reported. */
  | { kind: "stale" }
  /** Not an edge of the table (e.g. anything after ACCEPTED): ignored, reported. */
  | { kind: "illegal" };

/**
 * Decides whether a PSP's view of the dispute moves ours. Newer means a later stage, or the same stage and
 * further along it; a decided dispute is reopened only by a later stage.
 */
export function decideDisputeStatus(current: DisputePosition, incoming: DisputePosition): StatusDecision {
  const currentRank = stageRank(current.stage);
  const incomingRank = stageRank(incoming.stage);
  if (incoming.status === current.status && incomingRank === currentRank) return { kind: "same" };
  if (incomingRank < currentRank) return { kind: "stale" };
  if (incomingRank === currentRank) {
    if (isDecided(current.status))
      return current.status === "ACCEPTED" ? { kind: "illegal" } : { kind: "stale" };
    if (PROGRESS[incoming.status] <= PROGRESS[current.status]) return { kind: "stale" };
  }
  if (incoming.status === current.status) return { kind: "change", to: incoming };
  // A later stage asking for a response the merchant already gave (evidence sent during the inquiry): the dispute
  // stays under review, at the new stage.
  if (current.status === "UNDER_REVIEW" && incoming.status === "NEEDS_RESPONSE") {
    return { kind: "change", to: { status: "UNDER_REVIEW", stage: incoming.stage } };
  }
  if (!canTransitionDispute(current.status, incoming.status)) return { kind: "illegal" };
  return { kind: "change", to: incoming };
}
