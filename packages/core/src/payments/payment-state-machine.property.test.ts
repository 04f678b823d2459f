// Property: no sequence of allowed events escapes a terminal status or returns a payment to PENDING.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canTransition,
  IllegalTransitionError,
  isTerminal,
  PAYMENT_EVENTS,
  PAYMENT_STATUSES,
  type PaymentStatus,
  transition,
} from "./payment-state-machine";

const eventsArb = fc.array(fc.constantFrom(...PAYMENT_EVENTS), { maxLength: 40 });

describe("payment state machine properties", () => {
  it("never leaves a terminal status and never reaches PENDING again", () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        let status: PaymentStatus = "PENDING";
        for (const event of events) {
          if (!canTransition(status, event)) continue;
          const wasTerminal = isTerminal(status);
          const next = transition(status, event);
          expect(wasTerminal).toBe(false);
          expect(next).not.toBe("PENDING");
          status = next;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("transition throws exactly when canTransition is false", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PAYMENT_STATUSES), fc.constantFrom(...PAYMENT_EVENTS), (from, event) => {
        if (canTransition(from, event)) {
          expect(PAYMENT_STATUSES).toContain(transition(from, event));
        } else {
          expect(() => transition(from, event)).toThrow(IllegalTransitionError);
        }
      }),
    );
  });
});
