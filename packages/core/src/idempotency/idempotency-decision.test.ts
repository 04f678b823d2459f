// Pins the decision for a repeated idempotency key across operation, input, status, lock expiry and resource existence.
import { describe, expect, it } from "vitest";
import {
  decideOnExisting,
  type ExistingIdempotencyRecord,
  type IdempotencyDecision,
} from "./idempotency-decision";

const NOW = new Date("2025-06-15T12:00:00.000Z");
const LATER = new Date(NOW.getTime() + 30_000);
const EARLIER = new Date(NOW.getTime() - 1);

function record(overrides: Partial<ExistingIdempotencyRecord>): ExistingIdempotencyRecord {
  return {
    operation: "createPayment",
    requestHash: "h1",
    status: "IN_PROGRESS",
    lockedUntil: LATER,
    resourceId: null,
    ...overrides,
  };
}

describe("decideOnExisting", () => {
  it.each([
    [
      "different operation wins over everything",
      { operation: "refundPayment", status: "COMPLETED" },
      "createPayment",
      "h2",
      { kind: "reused", reason: "different_operation" },
    ],
    [
      "different operation while in progress",
      { operation: "refundPayment" },
      "createPayment",
      "h1",
      { kind: "reused", reason: "different_operation" },
    ],
    [
      "different input, completed",
      { status: "COMPLETED" },
      "createPayment",
      "h2",
      { kind: "reused", reason: "different_input" },
    ],
    [
      "different input, in progress",
      {},
      "createPayment",
      "h2",
      { kind: "reused", reason: "different_input" },
    ],
    [
      "different input, lock expired",
      { lockedUntil: EARLIER },
      "createPayment",
      "h2",
      { kind: "reused", reason: "different_input" },
    ],
    ["completed", { status: "COMPLETED", resourceId: "pay_1" }, "createPayment", "h1", { kind: "replay" }],
    [
      "completed with an expired lock",
      { status: "COMPLETED", lockedUntil: EARLIER },
      "createPayment",
      "h1",
      { kind: "replay" },
    ],
    ["in progress, lock held", {}, "createPayment", "h1", { kind: "in_progress" }],
    [
      "in progress, lock held, resource created",
      { resourceId: "pay_1" },
      "createPayment",
      "h1",
      { kind: "in_progress" },
    ],
    ["lock expired, nothing created", { lockedUntil: EARLIER }, "createPayment", "h1", { kind: "take_over" }],
    [
      "lock expiring exactly now, nothing created",
      { lockedUntil: NOW },
      "createPayment",
      "h1",
      { kind: "take_over" },
    ],
    [
      "lock expired, resource created",
      { lockedUntil: EARLIER, resourceId: "pay_1" },
      "createPayment",
      "h1",
      { kind: "in_progress" },
    ],
  ] as [string, Partial<ExistingIdempotencyRecord>, string, string, IdempotencyDecision][])(
    "%s",
    (_label, existing, operation, requestHash, expected) => {
      expect(decideOnExisting(record(existing), { operation, requestHash }, NOW)).toEqual(expected);
    },
  );
});
