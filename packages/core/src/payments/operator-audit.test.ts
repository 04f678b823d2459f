// Goal: an operator's payment command writes its audit row with the change that completes it (the PSP's
// outcome recorded), never apart from it: one row per command, none for a refused command or a replay, and the
// row holds the payment as read and as the change left it.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { paymentIn, paymentKit } from "../testing/payment-test-kit";
import { cancelPayment, capturePayment, refundPayment } from "./modify-payment";
import { approveReview, rejectReview } from "./review-decision";

const OK = { outcome: "succeeded", pspReference: "psp_mod_1" } as const;

function kitAnswering() {
  const kit = paymentKit();
  for (const operation of ["capture", "void", "refund"] as const) kit.psp.answer(operation, OK);
  return kit;
}

const audit = (action: string, details: Record<string, string> = {}) => ({
  audit: { actor: { operatorId: "op_1", name: "ops@example.com" }, action, details },
});

describe("operator audit rows of payment commands", () => {
  it("a partial capture writes one row with the settled attempt, before and after", async () => {
    const kit = kitAnswering();
    const payment = paymentIn(kit.actor, "AUTHORIZED");
    kit.store.seedPayment(payment);
    const input = { idempotencyKey: "key-1", paymentId: payment.id, amount: "2500" };
    await capturePayment(kit.deps, kit.actor, input, audit("payment.capture", { note: "partial" }));
    expect(kit.store.operatorAudit).toHaveLength(1);
    const [row] = kit.store.operatorAudit;
    const [attempt] = await kit.store.attemptsOf(payment.id);
    expect(row).toMatchObject({
      action: "payment.capture",
      targetId: payment.id,
      actor: { operatorId: "op_1" },
      before: { status: "AUTHORIZED", pendingOperation: null, amountCapturedMinor: "0" },
      after: {
        note: "partial",
        status: "CAPTURED",
        pendingOperation: null,
        amountCapturedMinor: "2500",
        attemptId: attempt?.id,
        attemptStatus: "SUCCEEDED",
        posted: true,
      },
    });
    // A replay of the same key answers the stored result and writes no second row.
    await capturePayment(kit.deps, kit.actor, input, audit("payment.capture"));
    expect(kit.store.operatorAudit).toHaveLength(1);
  });

  it("a refund's row names the refund it reserved; a refused refund writes no row", async () => {
    const kit = kitAnswering();
    const payment = paymentIn(kit.actor, "CAPTURED");
    kit.store.seedPayment(payment);
    await expect(
      refundPayment(
        kit.deps,
        kit.actor,
        { idempotencyKey: "key-0", paymentId: payment.id, amount: "999999" },
        audit("payment.refund"),
      ),
    ).rejects.toBeInstanceOf(DomainError);
    expect(kit.store.operatorAudit).toEqual([]);
    const result = await refundPayment(
      kit.deps,
      kit.actor,
      { idempotencyKey: "key-1", paymentId: payment.id, amount: "100", reason: "damaged" },
      audit("payment.refund", { reason: "damaged" }),
    );
    expect(kit.store.operatorAudit).toHaveLength(1);
    expect(kit.store.operatorAudit[0]?.after).toMatchObject({
      reason: "damaged",
      refundId: result.value.refund.id,
      refundStatus: "SUCCEEDED",
      status: "PARTIALLY_REFUNDED",
      amountRefundedMinor: "100",
    });
  });

  it("cancel, approve and reject each write their row", async () => {
    const kit = kitAnswering();
    const authorized = paymentIn(kit.actor, "AUTHORIZED");
    const held = paymentIn(kit.actor, "REQUIRES_REVIEW");
    const heldToo = paymentIn(kit.actor, "REQUIRES_REVIEW");
    for (const p of [authorized, held, heldToo]) kit.store.seedPayment(p);
    await cancelPayment(
      kit.deps,
      kit.actor,
      { idempotencyKey: "k1", paymentId: authorized.id },
      audit("payment.cancel"),
    );
    await rejectReview(
      kit.deps,
      { operatorId: "ops" },
      { idempotencyKey: "k2", paymentId: held.id },
      audit("review.reject"),
    );
    await approveReview(
      kit.deps,
      { operatorId: "ops" },
      { idempotencyKey: "k3", paymentId: heldToo.id },
      audit("review.approve"),
    );
    expect(kit.store.operatorAudit.map((row) => [row.action, row.targetId, row.after?.status])).toEqual([
      ["payment.cancel", authorized.id, "CANCELLED"],
      ["review.reject", held.id, "CANCELLED"],
      ["review.approve", heldToo.id, "AUTHORIZED"],
    ]);
  });

  it("a command without an audit request writes no operator row (the merchant API's)", async () => {
    const kit = kitAnswering();
    const payment = paymentIn(kit.actor, "AUTHORIZED");
    kit.store.seedPayment(payment);
    await capturePayment(kit.deps, kit.actor, { idempotencyKey: "key-1", paymentId: payment.id });
    expect(kit.store.operatorAudit).toEqual([]);
  });
});
