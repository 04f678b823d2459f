// Goal: the onboarding table allows exactly the documented edges; REJECTED is final; every edge is listed once.
import { describe, expect, it } from "vitest";
import {
  ONBOARDING_EVENTS,
  ONBOARDING_STATUSES,
  type OnboardingEvent,
  type OnboardingStatus,
  onboardingTransition,
  onboardingTransitionEdges,
} from "./onboarding-state-machine";

const ALLOWED: [OnboardingStatus, OnboardingEvent, OnboardingStatus][] = [
  ["PENDING_VERIFICATION", "APPROVE", "VERIFIED"],
  ["PENDING_VERIFICATION", "RESTRICT", "RESTRICTED"],
  ["PENDING_VERIFICATION", "REJECT", "REJECTED"],
  ["VERIFIED", "RESTRICT", "RESTRICTED"],
  ["RESTRICTED", "APPROVE", "VERIFIED"],
  ["RESTRICTED", "REJECT", "REJECTED"],
];

describe("onboarding state machine", () => {
  it.each(ALLOWED)("%s --%s--> %s", (from, event, to) => {
    expect(onboardingTransition(from, event)).toBe(to);
  });

  const refused = ONBOARDING_STATUSES.flatMap((from) =>
    ONBOARDING_EVENTS.filter((event) => !ALLOWED.some(([f, e]) => f === from && e === event)).map(
      (event) => [from, event] as const,
    ),
  );
  it.each(refused)("refuses %s --%s-->", (from, event) => {
    expect(onboardingTransition(from, event)).toBeNull();
  });

  it("keeps REJECTED final and lists each edge once", () => {
    expect(ONBOARDING_EVENTS.map((event) => onboardingTransition("REJECTED", event))).toEqual([
      null,
      null,
      null,
    ]);
    expect(onboardingTransitionEdges()).toHaveLength(ALLOWED.length);
  });
});
