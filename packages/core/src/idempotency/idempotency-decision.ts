export interface ExistingIdempotencyRecord {
  operation: string;
  requestHash: string;
  status: "IN_PROGRESS" | "COMPLETED";
  lockedUntil: Date;
  resourceId: string | null;
}

export type IdempotencyDecision =
  | { kind: "replay" }
  | { kind: "reused"; reason: "different_input" | "different_operation" }
  | { kind: "in_progress" }
  | { kind: "take_over" };

/** What to do when a request arrives with a key that already has a record. */
export function decideOnExisting(
  existing: ExistingIdempotencyRecord,
  incoming: { operation: string; requestHash: string },
  now: Date,
): IdempotencyDecision {
  // Mismatches win over everything else: replaying a stored response for a different
  // request would tell the client its new request succeeded when it never ran.
  if (existing.operation !== incoming.operation) {
    return { kind: "reused", reason: "different_operation" };
  }
  if (existing.requestHash !== incoming.requestHash) {
    return { kind: "reused", reason: "different_input" };
  }
  if (existing.status === "COMPLETED") {
    return { kind: "replay" };
  }
  if (existing.lockedUntil.getTime() > now.getTime()) {
    return { kind: "in_progress" };
  }
  // An expired lock with nothing created means the holder died before any side effect, so
  // starting over is safe. Once a resource exists, a PSP call may have happened: its outcome
  // has to be resolved (reconciliation), never redone.
  return existing.resourceId === null ? { kind: "take_over" } : { kind: "in_progress" };
}
