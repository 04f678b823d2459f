// Type-level check that the port's outcome union stays exhaustive and that the sandbox satisfies the port.
import { describe, expect, expectTypeOf, it } from "vitest";
import type { PaymentServiceProvider, PspOutcome } from "./psp-port";
import { SandboxPsp } from "./sandbox-psp";

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
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

describe("PaymentServiceProvider", () => {
  it("is implemented by the sandbox", () => {
    expectTypeOf<SandboxPsp>().toExtend<PaymentServiceProvider>();
    const psp: PaymentServiceProvider = new SandboxPsp();
    expect(psp.name).toBe("sandbox");
  });

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
