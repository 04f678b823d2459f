// Goal: a PSP's notification, on the in-memory fakes, settles the attempt it is about exactly once and never
// moves a payment backwards: an authorization or modification whose call is over is applied, a repeat is
// reported already applied, a call still in flight makes the PSP redeliver, an unknown reference goes to the
// dead letters, and a failure reported after a confirmed refund, or an authorization that contradicts the one we
// recorded (or succeeds late for an attempt we gave up on), is flagged for an operator naming the attempt.
import { describe, expect, it } from "vitest";
import type { StoredAttempt } from "../ports/payment-store";
import { paymentIn, paymentKit, storedAttempt } from "../testing/payment-test-kit";
import { applyPspNotification, authorizationContradiction } from "./apply-psp-notification";
import type { PaymentStatus } from "./payment-state-machine";

function authorization(reference: string, success: boolean, code: string | null = null) {
  return {
    kind: "authorization",
    pspName: "scripted",
    pspReference: "psp_auth_1",
    reference,
    success,
    code,
  } as const;
}

describe("authorization notifications", () => {
  it.each([
    { attempt: "UNKNOWN", success: true, code: null, result: { applied: true, status: "AUTHORIZED" } },
    { attempt: "ACKNOWLEDGED", success: true, code: null, result: { applied: true, status: "AUTHORIZED" } },
    {
      attempt: "UNKNOWN",
      success: false,
      code: "card_declined",
      result: { applied: true, status: "DECLINED" },
    },
    // A retryable failure code means nothing was charged: FAILED, not DECLINED.
    {
      attempt: "UNKNOWN",
      success: false,
      code: "processing_error",
      result: { applied: true, status: "FAILED" },
    },
    { attempt: "PENDING", success: true, code: null, result: { applied: false, reason: "in_flight" } },
  ] as const)("on a $attempt attempt, success $success ($code) -> $result", async (row) => {
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, "PENDING", { pendingOperation: "AUTHORIZE" });
    kit.store.seedPayment(payment);
    kit.store.seedAttempt(payment.id, storedAttempt("AUTHORIZE", row.attempt, payment.amountMinor));
    const result = await applyPspNotification(kit.deps, authorization(payment.id, row.success, row.code));
    expect(result).toMatchObject(row.result);
    const after = await kit.store.findPayment(kit.actor, payment.id);
    expect(after?.status).toBe(row.result.applied ? row.result.status : "PENDING");
    if (!row.result.applied) return;
    // Delivered again: nothing left to apply, nothing moves.
    expect(await applyPspNotification(kit.deps, authorization(payment.id, row.success, row.code))).toEqual({
      applied: false,
      reason: "already_applied",
    });
    expect((await kit.store.findPayment(kit.actor, payment.id))?.version).toBe(after?.version);
  });

  it("a reference nobody knows is reported for the dead letters", async () => {
    const kit = paymentKit();
    expect(await applyPspNotification(kit.deps, authorization("pay_unknown", true))).toEqual({
      applied: false,
      reason: "unknown_payment",
    });
  });
});

describe("modification notifications", () => {
  it.each([
    { attempt: "PENDING", result: "in_flight" },
    { attempt: "UNKNOWN", result: "in_flight" },
    { attempt: null, result: "unknown_payment" },
  ] as const)("a capture notice that outruns our $attempt authorization's answer -> $result", async (row) => {
    // An automatic capture's notice names the authorization's PSP reference, which we have not recorded yet, and
    // echoes our payment id: redelivered later while the authorization is in flight, never a dead letter.
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, "PENDING", { pendingOperation: "AUTHORIZE", pspReference: null });
    kit.store.seedPayment(payment);
    if (row.attempt !== null) {
      // The kit's attempts carry no PSP reference: the answer that would record one has not come.
      kit.store.seedAttempt(payment.id, storedAttempt("AUTHORIZE", row.attempt, payment.amountMinor));
    }
    const notification = {
      kind: "capture",
      pspName: "scripted",
      paymentPspReference: "psp_not_recorded_yet",
      modificationReference: "mod_1",
      attemptReference: payment.id,
      success: true,
      code: null,
    } as const;
    expect(await applyPspNotification(kit.deps, notification)).toEqual({
      applied: false,
      reason: row.result,
    });
    expect((await kit.store.findPayment(kit.actor, payment.id))?.status).toBe("PENDING");
  });

  it.each([
    { kind: "capture", from: "AUTHORIZED", operation: "CAPTURE", success: true, status: "CAPTURED" },
    { kind: "capture", from: "AUTHORIZED", operation: "CAPTURE", success: false, status: "AUTHORIZED" },
    { kind: "void", from: "AUTHORIZED", operation: "VOID", success: true, status: "CANCELLED" },
    { kind: "void", from: "AUTHORIZED", operation: "VOID", success: false, status: "AUTHORIZED" },
  ] as const)("$kind success $success on an acknowledged attempt -> $status", async (row) => {
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, row.from as PaymentStatus, { pendingOperation: row.operation });
    kit.store.seedPayment(payment);
    const attempt = storedAttempt(row.operation, "ACKNOWLEDGED", payment.amountMinor);
    kit.store.seedAttempt(payment.id, attempt);
    const notification = {
      kind: row.kind,
      pspName: "scripted",
      paymentPspReference: payment.pspReference as string,
      modificationReference: "mod_1",
      attemptReference: attempt.id,
      success: row.success,
      code: row.success ? null : "refused",
    };
    expect(await applyPspNotification(kit.deps, notification)).toMatchObject({
      applied: true,
      status: row.status,
    });
    const after = await kit.store.findPayment(kit.actor, payment.id);
    expect(after).toMatchObject({ status: row.status, pendingOperation: null });
    expect(kit.store.journal.length).toBe(row.kind === "capture" && row.success ? 1 : 0);
  });

  it("a failure reported for a refund already confirmed contradicts it: reported, nothing applied", async () => {
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, "REFUNDED");
    kit.store.seedPayment(payment);
    const attempt = storedAttempt("REFUND", "ACKNOWLEDGED", payment.amountMinor);
    kit.store.seedAttempt(payment.id, { ...attempt, status: "SUCCEEDED" as never, pspReference: "ref_1" });
    const notification = {
      kind: "refund",
      pspName: "scripted",
      paymentPspReference: payment.pspReference as string,
      modificationReference: "ref_1",
      success: false,
      code: "refund_failed",
    } as const;
    expect(await applyPspNotification(kit.deps, notification)).toEqual({
      applied: false,
      reason: "contradicts_confirmed",
      contradiction: {
        paymentId: payment.id,
        attemptId: attempt.id,
        operation: "REFUND",
        recorded: "SUCCEEDED",
        amountMinor: payment.amountMinor,
      },
    });
    expect(await kit.store.findPayment(kit.actor, payment.id)).toEqual(payment);
  });
});

describe("authorizationContradiction", () => {
  const at = (status: string, pspReference: string | null, pspName = "scripted") =>
    ({
      ...storedAttempt("AUTHORIZE", "UNKNOWN", 10_000n),
      status,
      pspReference,
      pspName,
    }) as unknown as StoredAttempt;
  const payment = { id: "pay_1" } as never;
  it.each([
    {
      what: "a decline of an authorization we recorded succeeded",
      success: false,
      attempts: [at("SUCCEEDED", "psp_auth_1")],
      recorded: "SUCCEEDED",
    },
    {
      what: "a success of one we recorded failed",
      success: true,
      attempts: [at("FAILED", "psp_auth_1")],
      recorded: "FAILED",
    },
    {
      what: "a late success of an attempt failed after a timeout (no reference)",
      success: true,
      attempts: [at("FAILED", null)],
      recorded: "FAILED",
    },
    {
      what: "a late success of an attempt that failed over (unknown, no reference)",
      success: true,
      attempts: [at("SUCCEEDED", "other_ref", "other"), at("UNKNOWN", null)],
      recorded: "UNKNOWN",
    },
    {
      what: "a repeated success of the authorization we recorded",
      success: true,
      attempts: [at("SUCCEEDED", "psp_auth_1")],
      recorded: null,
    },
    {
      what: "a late success under a new reference of an attempt the PSP failed",
      success: true,
      attempts: [at("FAILED", "psp_auth_0")],
      recorded: "FAILED",
    },
    {
      what: "a decline of an attempt we recorded failed",
      success: false,
      attempts: [at("FAILED", null)],
      recorded: null,
    },
    {
      what: "a success from a PSP we never called",
      success: true,
      attempts: [at("FAILED", null, "other")],
      recorded: null,
    },
  ] as const)("$what -> $recorded", ({ success, attempts, recorded }) => {
    const found = authorizationContradiction(
      { ...authorization("pay_1", success), code: success ? null : "card_declined" },
      payment,
      attempts as unknown as StoredAttempt[],
    );
    expect(found?.recorded ?? null).toBe(recorded);
    if (found) expect(found.attemptId).toBe(attempts.find((a) => a.pspName === "scripted")?.id);
  });
});
