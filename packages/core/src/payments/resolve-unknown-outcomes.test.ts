// Goal: the resolver, on the in-memory fakes, asks the same PSP again with the attempt's own key and records a
// definite answer; an inconclusive one (unknown, or the PSP not reached) is rescheduled without recording
// anything, and after the last step of the schedule the attempt is escalated to operators. An answer that
// contradicts what a notification recorded while the PSP was asked changes nothing and is reported, once.
import { describe, expect, it } from "vitest";
import type { AuthorizeRequest, PspOutcome } from "../psp/psp-port";
import { paymentIn, paymentKit, storedAttempt } from "../testing/payment-test-kit";
import { ScriptedPsp } from "../testing/scripted-psp";
import { applyPspNotification } from "./apply-psp-notification";
import type { ResolverContradictions } from "./payment-deps";
import { RESOLVE_SCHEDULE_MS, resolveUnknownOutcomes } from "./resolve-unknown-outcomes";
import { tokenizeCard } from "./tokenize-card";

async function unknownAuthorization(
  answer: PspOutcome | "throw",
  resolveCount = 0,
  psp: ScriptedPsp = new ScriptedPsp(),
) {
  const kit = paymentKit([psp]);
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

  it.each([
    {
      notified: false,
      answer: { outcome: "succeeded", pspReference: "r1" },
      recorded: "FAILED",
      status: "DECLINED",
    },
    {
      notified: true,
      answer: { outcome: "declined", code: "card_declined", message: "no" },
      recorded: "SUCCEEDED",
      status: "AUTHORIZED",
    },
  ] as const)(
    "a notification says success=$notified while the PSP is asked, which answers $answer.outcome: reported, nothing changed",
    async (row) => {
      const psp = new InterruptedPsp();
      const { kit, payment, attempt } = await unknownAuthorization(row.answer, 0, psp);
      const reports: Parameters<ResolverContradictions["resolverContradiction"]>[0][] = [];
      kit.deps.contradictions = {
        async resolverContradiction(report) {
          reports.push(report);
          return true;
        },
      };
      psp.meanwhile = async () => {
        const result = await applyPspNotification(kit.deps, {
          kind: "authorization",
          pspName: "scripted",
          pspReference: "notified_1",
          reference: payment.id,
          success: row.notified,
          code: row.notified ? null : "card_declined",
        });
        expect(result).toMatchObject({ applied: true, status: row.status });
      };
      expect(await resolveUnknownOutcomes(kit.deps)).toEqual({ resolved: 1, rescheduled: 0, escalated: 0 });
      expect(reports).toEqual([
        {
          notification: expect.objectContaining({ kind: "authorization", success: !row.notified }),
          contradiction: {
            paymentId: payment.id,
            attemptId: attempt.id,
            operation: "AUTHORIZE",
            recorded: row.recorded,
            amountMinor: attempt.amountMinor,
          },
          rule: "resolver.asked_again",
        },
      ]);
      // What the notification recorded stands; the attempt is settled, so a second run asks nothing.
      expect((await kit.store.findPayment(kit.actor, payment.id))?.status).toBe(row.status);
      expect(await resolveUnknownOutcomes(kit.deps)).toEqual({ resolved: 0, rescheduled: 0, escalated: 0 });
      expect(reports).toHaveLength(1);
    },
  );
});

/** Runs `meanwhile` (once) while an authorization is at the PSP, before answering as scripted. */
class InterruptedPsp extends ScriptedPsp {
  meanwhile: (() => Promise<void>) | null = null;

  override async authorize(request: AuthorizeRequest) {
    const meanwhile = this.meanwhile;
    this.meanwhile = null;
    if (meanwhile) await meanwhile();
    return super.authorize(request);
  }
}
