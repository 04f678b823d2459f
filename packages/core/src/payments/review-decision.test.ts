// Goal: an operator's review decisions and the hold expiry, on the in-memory fakes: approval authorizes a held
// payment (and captures it at once when it asked for automatic capture), rejection and expiry void it, each
// audited under the operator or the system, and a payment not held for review is refused untouched.
import { describe, expect, it } from "vitest";
import { paymentIn, paymentKit, REVIEW_HOLD_TTL_MS, TEST_NOW } from "../testing/payment-test-kit";
import { expireReviewHolds } from "./expire-review-holds";
import type { CaptureMethod } from "./payment-record";
import { PAYMENT_STATUSES } from "./payment-state-machine";
import { approveReview, rejectReview } from "./review-decision";

const operator = { operatorId: "op_1" };

function heldPayment(captureMethod: CaptureMethod) {
  const kit = paymentKit();
  kit.psp
    .answer("capture", { outcome: "succeeded", pspReference: "cap_1" })
    .answer("void", { outcome: "succeeded", pspReference: "void_1" });
  const payment = paymentIn(kit.actor, "REQUIRES_REVIEW", { captureMethod });
  kit.store.seedPayment(payment);
  return { kit, payment, input: { idempotencyKey: "decision-1", paymentId: payment.id, note: "looks fine" } };
}

describe("review decisions", () => {
  it.each([
    { decision: "approve", captureMethod: "MANUAL", status: "AUTHORIZED", calls: [] },
    { decision: "approve", captureMethod: "AUTOMATIC", status: "CAPTURED", calls: ["capture"] },
    { decision: "reject", captureMethod: "MANUAL", status: "CANCELLED", calls: ["void"] },
    { decision: "reject", captureMethod: "AUTOMATIC", status: "CANCELLED", calls: ["void"] },
  ] as const)("$decision a held $captureMethod payment -> $status", async (row) => {
    const { kit, input } = heldPayment(row.captureMethod);
    const decide = row.decision === "approve" ? approveReview : rejectReview;
    const result = await decide(kit.deps, operator, input);
    expect(result.value.payment.status).toBe(row.status);
    expect(result.value.errors).toEqual([]);
    expect(kit.psp.calls.map((call) => call.operation)).toEqual(row.calls);
    const audited = kit.store.events.find((event) => event.type.startsWith("review."));
    expect(audited).toMatchObject({
      source: "OPERATOR",
      actor: "operator:op_1",
      data: { note: "looks fine" },
    });
    const replay = await decide(kit.deps, operator, input);
    expect(replay.value).toEqual(result.value);
    expect(kit.psp.calls.length).toBe(row.calls.length);
  });

  it.each(PAYMENT_STATUSES.filter((status) => status !== "REQUIRES_REVIEW"))(
    "a %s payment is not held for review: both decisions are refused, nothing written",
    async (status) => {
      const kit = paymentKit();
      const payment = paymentIn(kit.actor, status);
      kit.store.seedPayment(payment);
      const input = { idempotencyKey: "decision-1", paymentId: payment.id };
      await expect(approveReview(kit.deps, operator, input)).rejects.toMatchObject({
        code: "PAYMENT_NOT_IN_REVIEW",
      });
      await expect(rejectReview(kit.deps, operator, input)).rejects.toMatchObject({
        code: "PAYMENT_NOT_IN_REVIEW",
      });
      expect(await kit.store.findPayment(kit.actor, payment.id)).toEqual(payment);
      expect(kit.psp.calls).toEqual([]);
    },
  );
});

describe("expireReviewHolds", () => {
  it.each([
    { void: { outcome: "succeeded", pspReference: "v" }, expired: 1, failed: 0, status: "CANCELLED" },
    { void: { outcome: "unavailable", message: "down" }, expired: 0, failed: 1, status: "REQUIRES_REVIEW" },
  ] as const)("a hold past its deadline, void $void.outcome -> $status", async (row) => {
    const kit = paymentKit();
    kit.psp.answer("void", row.void);
    const due = paymentIn(kit.actor, "REQUIRES_REVIEW", {
      reviewExpiresAt: new Date(TEST_NOW.getTime() - 1),
    });
    const notYet = paymentIn(kit.actor, "REQUIRES_REVIEW", {
      reviewExpiresAt: new Date(TEST_NOW.getTime() + REVIEW_HOLD_TTL_MS),
    });
    kit.store.seedPayment(due);
    kit.store.seedPayment(notYet);
    expect(await expireReviewHolds(kit.deps)).toEqual({ expired: row.expired, failed: row.failed });
    expect((await kit.store.findPayment(kit.actor, due.id))?.status).toBe(row.status);
    expect((await kit.store.findPayment(kit.actor, notYet.id))?.status).toBe("REQUIRES_REVIEW");
    expect(kit.psp.count("void")).toBe(1);
  });
});
