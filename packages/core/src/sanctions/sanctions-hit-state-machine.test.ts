// Goal: a hit is decided once: OPEN -> FALSE_POSITIVE | CONFIRMED, nothing leaves a decision.
import { describe, expect, it } from "vitest";
import {
  SANCTIONS_HIT_DECISIONS,
  SANCTIONS_HIT_STATUSES,
  type SanctionsHitDecision,
  type SanctionsHitStatus,
  sanctionsHitTransition,
  sanctionsHitTransitionEdges,
} from "./sanctions-hit-state-machine";

const ALLOWED: [SanctionsHitStatus, SanctionsHitDecision, SanctionsHitStatus][] = [
  ["OPEN", "FALSE_POSITIVE", "FALSE_POSITIVE"],
  ["OPEN", "CONFIRMED", "CONFIRMED"],
];

describe("sanctions hit state machine", () => {
  it.each(ALLOWED)("%s --%s--> %s", (from, decision, to) => {
    expect(sanctionsHitTransition(from, decision)).toBe(to);
  });
  const refused = SANCTIONS_HIT_STATUSES.flatMap((from) =>
    SANCTIONS_HIT_DECISIONS.filter((d) => !ALLOWED.some(([f, e]) => f === from && e === d)).map(
      (d) => [from, d] as const,
    ),
  );
  it.each(refused)("refuses %s --%s-->", (from, decision) => {
    expect(sanctionsHitTransition(from, decision)).toBeNull();
  });
  it("lists each edge once", () => {
    expect(sanctionsHitTransitionEdges()).toHaveLength(ALLOWED.length);
  });
});
