// Pins the dispute state machine: its edges, and which PSP view wins when notifications arrive late, twice or at
// a later stage (a reopened dispute).
import { describe, expect, it } from "vitest";
import {
  canTransitionDispute,
  DISPUTE_STATUSES,
  type DisputeStage,
  type DisputeStatus,
  decideDisputeStatus,
} from "./dispute-state-machine";

// Written out independently of DISPUTE_TRANSITIONS so a typo in the table cannot make its own test pass.
const EDGES = new Set([
  "INQUIRY>NEEDS_RESPONSE",
  "INQUIRY>UNDER_REVIEW",
  "INQUIRY>WON",
  "INQUIRY>LOST",
  "INQUIRY>ACCEPTED",
  "NEEDS_RESPONSE>UNDER_REVIEW",
  "NEEDS_RESPONSE>WON",
  "NEEDS_RESPONSE>LOST",
  "NEEDS_RESPONSE>ACCEPTED",
  "UNDER_REVIEW>WON",
  "UNDER_REVIEW>LOST",
  "WON>NEEDS_RESPONSE",
  "WON>UNDER_REVIEW",
  "WON>LOST",
  "LOST>NEEDS_RESPONSE",
  "LOST>UNDER_REVIEW",
  "LOST>WON",
]);

describe("dispute transitions", () => {
  const pairs = DISPUTE_STATUSES.flatMap((from) => DISPUTE_STATUSES.map((to) => [from, to] as const));
  it.each(pairs)("%s -> %s is allowed exactly when listed", (from, to) => {
    expect(canTransitionDispute(from, to)).toBe(EDGES.has(`${from}>${to}`));
  });

  it("ACCEPTED is final", () => {
    for (const to of DISPUTE_STATUSES) expect(canTransitionDispute("ACCEPTED", to)).toBe(false);
  });
});

type Case = [DisputeStatus, DisputeStage, DisputeStatus, DisputeStage, string];
describe("decideDisputeStatus", () => {
  const cases: Case[] = [
    ["NEEDS_RESPONSE", "chargeback", "NEEDS_RESPONSE", "chargeback", "same"],
    ["NEEDS_RESPONSE", "chargeback", "UNDER_REVIEW", "chargeback", "change"],
    ["UNDER_REVIEW", "chargeback", "NEEDS_RESPONSE", "chargeback", "stale"],
    ["WON", "chargeback", "NEEDS_RESPONSE", "chargeback", "stale"],
    ["WON", "chargeback", "UNDER_REVIEW", "chargeback", "stale"],
    ["LOST", "chargeback", "WON", "chargeback", "stale"],
    ["NEEDS_RESPONSE", "chargeback", "INQUIRY", "inquiry", "stale"],
    ["INQUIRY", "inquiry", "NEEDS_RESPONSE", "chargeback", "change"],
    // Adyen: CHARGEBACK_REVERSED (won), then SECOND_CHARGEBACK reopens it at a later stage.
    ["WON", "chargeback", "LOST", "second_chargeback", "change"],
    ["LOST", "second_chargeback", "WON", "pre_arbitration", "change"],
    ["LOST", "second_chargeback", "WON", "chargeback", "stale"],
    ["LOST", "pre_arbitration", "WON", "pre_arbitration", "stale"],
    ["ACCEPTED", "chargeback", "WON", "chargeback", "illegal"],
    ["ACCEPTED", "chargeback", "NEEDS_RESPONSE", "second_chargeback", "illegal"],
  ];
  it.each(cases)("%s at %s, then %s at %s: %s", (status, stage, nextStatus, nextStage, expected) => {
    expect(decideDisputeStatus({ status, stage }, { status: nextStatus, stage: nextStage }).kind).toBe(
      expected,
    );
  });
});

describe("a later stage after evidence", () => {
  it("keeps an inquiry answered with evidence under review when the chargeback comes", () => {
    expect(
      decideDisputeStatus(
        { status: "UNDER_REVIEW", stage: "inquiry" },
        { status: "NEEDS_RESPONSE", stage: "chargeback" },
      ),
    ).toEqual({ kind: "change", to: { status: "UNDER_REVIEW", stage: "chargeback" } });
  });
});
