// Pins the payment state machine to its table: every status × event pair either moves to the listed status or throws.
import { describe, expect, it } from "vitest";
import {
  canTransition,
  IllegalTransitionError,
  isTerminal,
  PAYMENT_EVENTS,
  PAYMENT_STATUSES,
  PAYMENT_TRANSITIONS,
  type PaymentEvent,
  type PaymentStatus,
  transition,
} from "./payment-state-machine";

// Written out independently of PAYMENT_TRANSITIONS so a typo in the table cannot make its own test pass.
const EXPECTED: Record<string, PaymentStatus> = {
  "PENDING AUTHORIZATION_SUCCEEDED": "AUTHORIZED",
  "PENDING CAPTURE_SUCCEEDED": "CAPTURED",
  "PENDING HELD_FOR_REVIEW": "REQUIRES_REVIEW",
  "PENDING AUTHORIZATION_DECLINED": "DECLINED",
  "PENDING AUTHORIZATION_FAILED": "FAILED",
  "PENDING AUTHENTICATION_REQUIRED": "REQUIRES_ACTION",
  "REQUIRES_ACTION AUTHORIZATION_SUCCEEDED": "AUTHORIZED",
  "REQUIRES_ACTION CAPTURE_SUCCEEDED": "CAPTURED",
  "REQUIRES_ACTION HELD_FOR_REVIEW": "REQUIRES_REVIEW",
  "REQUIRES_ACTION AUTHORIZATION_DECLINED": "DECLINED",
  "REQUIRES_ACTION AUTHORIZATION_FAILED": "FAILED",
  "REQUIRES_ACTION ACTION_EXPIRED": "CANCELLED",
  "REQUIRES_REVIEW REVIEW_APPROVED": "AUTHORIZED",
  "REQUIRES_REVIEW REVIEW_REJECTED": "CANCELLED",
  "REQUIRES_REVIEW CANCELLED": "CANCELLED",
  "AUTHORIZED CAPTURE_SUCCEEDED": "CAPTURED",
  "AUTHORIZED CANCELLED": "CANCELLED",
  "CAPTURED REFUNDED_PARTIALLY": "PARTIALLY_REFUNDED",
  "CAPTURED REFUNDED_FULLY": "REFUNDED",
  "PARTIALLY_REFUNDED REFUNDED_PARTIALLY": "PARTIALLY_REFUNDED",
  "PARTIALLY_REFUNDED REFUNDED_FULLY": "REFUNDED",
  "PARTIALLY_REFUNDED REFUND_RETURNED_PARTIALLY": "PARTIALLY_REFUNDED",
  "PARTIALLY_REFUNDED REFUND_RETURNED_FULLY": "CAPTURED",
  "REFUNDED REFUND_RETURNED_PARTIALLY": "PARTIALLY_REFUNDED",
  "REFUNDED REFUND_RETURNED_FULLY": "CAPTURED",
  "AWAITING_FUNDS FUNDS_RECEIVED": "CAPTURED",
  "AWAITING_FUNDS FUNDS_EXPIRED": "CANCELLED",
};

const ALL_PAIRS = PAYMENT_STATUSES.flatMap((from) =>
  PAYMENT_EVENTS.map((event) => [from, event, EXPECTED[`${from} ${event}`] ?? null] as const),
);

describe("transition", () => {
  it("covers every status × event pair", () => {
    expect(ALL_PAIRS).toHaveLength(PAYMENT_STATUSES.length * PAYMENT_EVENTS.length);
  });

  it.each(ALL_PAIRS)("%s + %s -> %s", (from, event, expected) => {
    expect(canTransition(from, event)).toBe(expected !== null);
    if (expected === null) {
      expect(() => transition(from, event)).toThrow(IllegalTransitionError);
    } else {
      expect(transition(from, event)).toBe(expected);
    }
  });

  it("reports from and event on an illegal transition", () => {
    try {
      transition("REFUNDED", "CAPTURE_SUCCEEDED");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IllegalTransitionError);
      expect((e as IllegalTransitionError).from).toBe("REFUNDED");
      expect((e as IllegalTransitionError).event).toBe("CAPTURE_SUCCEEDED");
    }
  });

  it("cannot be edited at runtime", () => {
    expect(Object.isFrozen(PAYMENT_TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(PAYMENT_TRANSITIONS.PENDING)).toBe(true);
  });
});

describe("isTerminal", () => {
  it.each([
    ["PENDING", false],
    ["REQUIRES_REVIEW", false],
    ["AUTHORIZED", false],
    ["CAPTURED", false],
    ["PARTIALLY_REFUNDED", false],
    // A bank-transfer refund may come back (its bank returned it): refundable again.
    ["REFUNDED", false],
    ["DECLINED", true],
    ["FAILED", true],
    ["CANCELLED", true],
    ["AWAITING_FUNDS", false],
    ["REQUIRES_ACTION", false],
  ] as [PaymentStatus, boolean][])("%s -> %s", (status, terminal) => {
    expect(isTerminal(status)).toBe(terminal);
    expect(PAYMENT_EVENTS.some((event: PaymentEvent) => canTransition(status, event))).toBe(!terminal);
  });
});
