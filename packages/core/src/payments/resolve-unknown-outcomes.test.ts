// Goal: the resolver, on the in-memory fakes, asks the same PSP again with the attempt's own key and records a
// definite answer; an inconclusive one (unknown, or the PSP not reached) is rescheduled without recording
// anything, and after the last step of the schedule the attempt is escalated to operators.
import { describe, expect, it } from "vitest";
import type { PspOutcome } from "../psp/psp-port";
import { paymentIn, paymentKit, storedAttempt } from "../testing/payment-test-kit";
import { RESOLVE_SCHEDULE_MS, resolveUnknownOutcomes } from "./resolve-unknown-outcomes";
import { tokenizeCard } from "./tokenize-card";

async function unknownAuthorization(answer: PspOutcome | "throw", resolveCount = 0) {
  const kit = paymentKit();
  kit.psp.answer("authorize", answer);
  const card = { number: "4242424242424242", expMonth: 12, expYear: 2030, cvc: "123" };
  const { paymentMethod } = (await tokenizeCard(kit.deps, kit.actor, { idempotencyKey: "card-1", card }))
    .value;
  const payment = paymentIn(kit.actor, "PENDING", {
    pendingOperation: "AUTHORIZE",
    paymentMethodId: paymentMethod.id,
  });
  kit.store.seedPayment(payment);
  const attempt = storedAttempt("AUTHORIZE", "UNKNOWN", payment.amountMinor, {});
  kit.store.seedAttempt(payment.id, { ...attempt, resolveCount });
  return { kit, payment, attempt };
}

describe("resolveUnknownOutcomes", () => {
  it.each([
    {
      answer: { outcome: "succeeded", pspReference: "r1" },
      summary: { resolved: 1, rescheduled: 0, escalated: 0 },
      status: "AUTHORIZED",
    },
    {
      answer: { outcome: "declined", code: "card_declined", message: "no" },
      summary: { resolved: 1, rescheduled: 0, escalated: 0 },
      status: "DECLINED",
    },
    {
      answer: { outcome: "unknown", message: "timeout" },
      summary: { resolved: 0, rescheduled: 1, escalated: 0 },
      status: "PENDING",
    },
    {
      label: "nothing (a timeout)",
      answer: "throw",
      summary: { resolved: 0, rescheduled: 1, escalated: 0 },
      status: "PENDING",
    },
    {
      answer: { outcome: "unavailable", message: "down" },
      summary: { resolved: 0, rescheduled: 1, escalated: 0 },
      status: "PENDING",
    },
  ] as const)("the PSP answers $answer.outcome -> $summary", async (row) => {
    const { kit, payment, attempt } = await unknownAuthorization(row.answer as PspOutcome | "throw");
    expect(await resolveUnknownOutcomes(kit.deps)).toEqual(row.summary);
    // Asked again of the same PSP with the attempt's own key: it can never charge twice.
    expect(kit.psp.calls).toEqual([
      {
        operation: "authorize",
        request: expect.objectContaining({ idempotencyKey: attempt.idempotencyKey }),
      },
    ]);
    expect((await kit.store.findPayment(kit.actor, payment.id))?.status).toBe(row.status);
  });

  it("an attempt still unknown after the last step of the schedule is escalated to operators", async () => {
    const { kit, payment } = await unknownAuthorization(
      { outcome: "unknown", message: "timeout" },
      RESOLVE_SCHEDULE_MS.length - 1,
    );
    expect(await resolveUnknownOutcomes(kit.deps)).toEqual({ resolved: 0, rescheduled: 0, escalated: 1 });
    expect(kit.store.events.map((event) => event.type)).toEqual(["payment.escalated"]);
    expect(kit.store.outbox).toEqual([
      { topic: "payment.escalated", payload: expect.objectContaining({ paymentId: payment.id }) },
    ]);
    // Escalated: the resolver no longer picks it up.
    expect(await resolveUnknownOutcomes(kit.deps)).toEqual({ resolved: 0, rescheduled: 0, escalated: 0 });
  });
});
