// Goal: an operator's out-of-band outcome for an escalated attempt settles it through the same change builders
// as the PSP's answer (authorization, capture, refund), with the operator's audit row in that change; a settled
// attempt or a call still running is refused (ATTEMPT_NOT_OPEN), and a later PSP message that contradicts the
// recorded outcome is reported `contradicts_confirmed` naming the attempt, never applied.
import { describe, expect, it } from "vitest";
import { paymentIn, paymentKit, storedAttempt } from "../testing/payment-test-kit";
import { applyPspNotification } from "./apply-psp-notification";
import { resolveEscalatedAttempt } from "./resolve-escalated-attempt";

const operator = { operatorId: "op_1", name: "ops@example.com" };

describe("resolveEscalatedAttempt", () => {
  it("an authorization confirmed by the PSP's support authorizes the payment, audited; a later decline contradicts it", async () => {
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, "PENDING", { pendingOperation: "AUTHORIZE" });
    kit.store.seedPayment(payment);
    const attempt = storedAttempt("AUTHORIZE", "UNKNOWN", payment.amountMinor);
    kit.store.seedAttempt(payment.id, attempt);
    const result = await resolveEscalatedAttempt(kit.deps, operator, {
      paymentId: payment.id,
      attemptId: attempt.id,
      outcome: "SUCCEEDED",
      pspReference: "psp_auth_ok",
      note: "confirmed by phone, ticket 42",
    });
    expect(result.payment.status).toBe("AUTHORIZED");
    expect(kit.store.operatorAudit).toHaveLength(1);
    expect(kit.store.operatorAudit[0]).toMatchObject({
      action: "attempt.resolve",
      targetId: payment.id,
      before: { status: "PENDING" },
      after: { status: "AUTHORIZED", confirmedOutcome: "SUCCEEDED", pspReference: "psp_auth_ok" },
    });
    // The PSP later says it declined: reported for an operator, the payment stays authorized.
    const contradiction = await applyPspNotification(kit.deps, {
      kind: "authorization",
      pspName: "scripted",
      pspReference: "psp_auth_ok",
      reference: payment.id,
      success: false,
      code: "card_declined",
    });
    expect(contradiction).toEqual({
      applied: false,
      reason: "contradicts_confirmed",
      contradiction: {
        paymentId: payment.id,
        attemptId: attempt.id,
        operation: "AUTHORIZE",
        recorded: "SUCCEEDED",
        amountMinor: payment.amountMinor,
      },
    });
    expect((await kit.store.findPayment(kit.actor, payment.id))?.status).toBe("AUTHORIZED");
    // Settled now: recording it again is refused.
    await expect(
      resolveEscalatedAttempt(kit.deps, operator, {
        paymentId: payment.id,
        attemptId: attempt.id,
        outcome: "FAILED",
        note: "again",
      }),
    ).rejects.toMatchObject({ code: "ATTEMPT_NOT_OPEN" });
  });

  it("a capture confirmed failed leaves the payment authorized; the PSP's later success contradicts it", async () => {
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, "AUTHORIZED", { pendingOperation: "CAPTURE" });
    kit.store.seedPayment(payment);
    const attempt = storedAttempt("CAPTURE", "ACKNOWLEDGED", payment.amountMinor);
    kit.store.seedAttempt(payment.id, attempt);
    const result = await resolveEscalatedAttempt(kit.deps, operator, {
      paymentId: payment.id,
      attemptId: attempt.id,
      outcome: "FAILED",
      pspReference: "cap_ref_1",
      note: "PSP dashboard shows it refused",
    });
    expect(result.payment).toMatchObject({ status: "AUTHORIZED", pendingOperation: null });
    expect(kit.store.journal).toHaveLength(0);
    const later = await applyPspNotification(kit.deps, {
      kind: "capture",
      pspName: "scripted",
      paymentPspReference: payment.pspReference as string,
      modificationReference: "cap_ref_1",
      attemptReference: attempt.id,
      success: true,
      code: null,
    });
    expect(later).toEqual({
      applied: false,
      reason: "contradicts_confirmed",
      contradiction: {
        paymentId: payment.id,
        attemptId: attempt.id,
        operation: "CAPTURE",
        recorded: "FAILED",
        amountMinor: payment.amountMinor,
      },
    });
    expect((await kit.store.findPayment(kit.actor, payment.id))?.status).toBe("AUTHORIZED");
  });

  it("a capture confirmed succeeded captures and posts it", async () => {
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, "AUTHORIZED", { pendingOperation: "CAPTURE" });
    kit.store.seedPayment(payment);
    const attempt = storedAttempt("CAPTURE", "UNKNOWN", payment.amountMinor);
    kit.store.seedAttempt(payment.id, attempt);
    const result = await resolveEscalatedAttempt(kit.deps, operator, {
      paymentId: payment.id,
      attemptId: attempt.id,
      outcome: "SUCCEEDED",
      pspReference: "cap_ok",
      note: "support confirmed",
    });
    expect(result.payment.status).toBe("CAPTURED");
    expect(kit.store.journal).toHaveLength(1);
    expect(kit.store.operatorAudit[0]?.after).toMatchObject({ status: "CAPTURED", posted: true });
  });

  it.each([
    { what: "a running call", status: "PENDING" as const, input: {}, code: "ATTEMPT_NOT_OPEN" },
    {
      what: "a success without reference",
      status: "UNKNOWN" as const,
      input: { pspReference: null },
      code: "INVALID_INPUT",
    },
    { what: "no note", status: "UNKNOWN" as const, input: { note: "  " }, code: "INVALID_INPUT" },
    {
      what: "a reference with spaces",
      status: "UNKNOWN" as const,
      input: { pspReference: "a b" },
      code: "INVALID_INPUT",
    },
  ])("refuses $what, writing nothing", async ({ status, input, code }) => {
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, "AUTHORIZED", { pendingOperation: "CAPTURE" });
    kit.store.seedPayment(payment);
    const attempt = storedAttempt("CAPTURE", status, payment.amountMinor);
    kit.store.seedAttempt(payment.id, attempt);
    await expect(
      resolveEscalatedAttempt(kit.deps, operator, {
        paymentId: payment.id,
        attemptId: attempt.id,
        outcome: "SUCCEEDED",
        pspReference: "cap_ok",
        note: "n",
        ...input,
      }),
    ).rejects.toMatchObject({ code });
    expect(await kit.store.findPayment(kit.actor, payment.id)).toEqual(payment);
    expect(kit.store.operatorAudit).toEqual([]);
  });
});
