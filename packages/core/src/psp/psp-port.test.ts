// Type-level check that the port's outcome union stays exhaustive (the in-process sandbox's conformance is
// checked beside it, in packages/psp-testkit).
import { describe, expect, it } from "vitest";
import type { PspOutcome } from "./psp-port";

// A new outcome kind must fail to compile here, forcing every caller's switch to be revisited.
function describeOutcome(outcome: PspOutcome): string {
  switch (outcome.outcome) {
    case "succeeded":
      return `ok ${outcome.pspReference}`;
    case "declined":
      return `declined ${outcome.code}`;
    case "failed":
      return `failed ${outcome.code} retryable=${outcome.retryable}`;
    case "unknown":
      return "unknown";
    case "pending":
      return `pending ${outcome.pspReference}`;
    case "unavailable":
      return "unavailable";
    case "requires_action":
      return `requires_action ${outcome.redirectUrl}`;
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

describe("PspOutcome", () => {
  it.each([
    [{ outcome: "succeeded", pspReference: "r" }, "ok r"],
    [{ outcome: "declined", code: "card_declined", message: "m" }, "declined card_declined"],
    [
      { outcome: "failed", code: "processing_error", message: "m", retryable: true },
      "failed processing_error retryable=true",
    ],
    [{ outcome: "unknown", message: "timeout" }, "unknown"],
  ] as [PspOutcome, string][])("covers %j", (outcome, expected) => {
    expect(describeOutcome(outcome)).toBe(expected);
  });
});
