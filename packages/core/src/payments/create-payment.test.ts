// Goal: createPayment, on the in-memory fakes, records every authorization outcome the way the payment rules
// require (status, answer, attempt, posting), fails over to the next PSP only when the first certainly charged
// nothing, and refuses bad input before anything is written. tokenizeCard supplies the payment method.
import { describe, expect, it } from "vitest";
import type { PspOutcome } from "../psp/psp-port";
import { paymentKit } from "../testing/payment-test-kit";
import { ScriptedPsp } from "../testing/scripted-psp";
import { createPayment } from "./create-payment";
import type { CaptureMethod } from "./payment-record";
import { tokenizeCard } from "./tokenize-card";

const CARD = { number: "4242424242424242", expMonth: 12, expYear: 2030, cvc: "123" };

async function withCard(kit: ReturnType<typeof paymentKit>) {
  const tokenized = await tokenizeCard(kit.deps, kit.actor, { idempotencyKey: "card-1", card: CARD });
  return tokenized.value.paymentMethod.id;
}

function request(paymentMethodId: string, captureMethod: CaptureMethod = "MANUAL") {
  return { idempotencyKey: "pay-1", amount: "10000", currency: "USD", paymentMethodId, captureMethod };
}

describe("createPayment by the PSP's outcome", () => {
  it.each([
    {
      outcome: { outcome: "succeeded", pspReference: "r1" },
      capture: "MANUAL",
      status: "AUTHORIZED",
      error: null,
      attempt: "SUCCEEDED",
    },
    {
      outcome: { outcome: "succeeded", pspReference: "r1" },
      capture: "AUTOMATIC",
      status: "CAPTURED",
      error: null,
      attempt: "SUCCEEDED",
    },
    {
      outcome: { outcome: "declined", code: "insufficient_funds", message: "no" },
      capture: "MANUAL",
      status: "DECLINED",
      error: "PAYMENT_DECLINED",
      attempt: "FAILED",
    },
    {
      outcome: { outcome: "failed", code: "processing_error", message: "no", retryable: false },
      capture: "MANUAL",
      status: "FAILED",
      error: "PAYMENT_FAILED",
      attempt: "FAILED",
    },
    {
      outcome: { outcome: "unavailable", message: "down" },
      capture: "MANUAL",
      status: "FAILED",
      error: "PSP_NOT_REACHED",
      attempt: "FAILED",
    },
    {
      outcome: { outcome: "unknown", message: "timeout" },
      capture: "AUTOMATIC",
      status: "PENDING",
      error: null,
      attempt: "UNKNOWN",
    },
    {
      outcome: { outcome: "pending", pspReference: "r1" },
      capture: "MANUAL",
      status: "PENDING",
      error: null,
      attempt: "ACKNOWLEDGED",
    },
  ] as const)("$outcome.outcome with $capture capture -> $status", async (row) => {
    const kit = paymentKit();
    kit.psp.answer("authorize", row.outcome as PspOutcome);
    const paymentMethodId = await withCard(kit);
    const result = await createPayment(kit.deps, kit.actor, request(paymentMethodId, row.capture));
    expect(result.value.payment.status).toBe(row.status);
    expect(result.value.errors.map((error) => error.code)).toEqual(row.error ? [row.error] : []);
    const [attempt] = await kit.store.attemptsOf(result.value.payment.id);
    expect(attempt?.status).toBe(row.attempt);
    expect(kit.store.journal.length).toBe(row.status === "CAPTURED" ? 1 : 0);
    // Undecided: the authorization stays in flight for the notification or the resolver.
    const undecided = row.status === "PENDING";
    expect(result.value.payment.pendingOperation).toBe(undecided ? "AUTHORIZE" : null);
    const replay = await createPayment(kit.deps, kit.actor, request(paymentMethodId, row.capture));
    expect(replay.value).toEqual(result.value);
    expect(kit.psp.count("authorize")).toBe(1);
  });
});

describe("failover", () => {
  it.each([
    { first: { outcome: "unavailable", message: "down" }, failsOver: true },
    {
      first: { outcome: "failed", code: "processing_error", message: "no", retryable: true },
      failsOver: true,
    },
    {
      first: { outcome: "failed", code: "processing_error", message: "no", retryable: false },
      failsOver: false,
    },
    { first: { outcome: "unknown", message: "timeout" }, failsOver: false },
    { first: { outcome: "declined", code: "card_declined", message: "no" }, failsOver: false },
  ] as const)(
    "first PSP $first.outcome (retryable: $first.retryable) -> fails over: $failsOver",
    async (row) => {
      const first = new ScriptedPsp("first").answer("authorize", row.first as PspOutcome);
      const second = new ScriptedPsp("second").answer("authorize", {
        outcome: "succeeded",
        pspReference: "r2",
      });
      const kit = paymentKit([first, second]);
      const result = await createPayment(kit.deps, kit.actor, request(await withCard(kit)));
      expect(second.count("authorize")).toBe(row.failsOver ? 1 : 0);
      expect(result.value.payment.pspName).toBe(row.failsOver ? "second" : "first");
      if (row.failsOver) expect(result.value.payment.status).toBe("AUTHORIZED");
      expect((await kit.store.attemptsOf(result.value.payment.id)).length).toBe(row.failsOver ? 2 : 1);
    },
  );
});

describe("no PSP to ask", () => {
  it.each([
    {
      when: "no PSP is configured for the mode",
      breakerOpen: false,
      code: "PSP_NOT_CONFIGURED",
      retryable: false,
    },
    { when: "the only PSP's breaker is open", breakerOpen: true, code: "PSP_NOT_REACHED", retryable: true },
  ])("$when: $code (retryable $retryable), nothing written or sent", async (row) => {
    const kit = row.breakerOpen ? paymentKit() : paymentKit([]);
    if (row.breakerOpen) kit.router.breakersOpen.add(kit.psp.name);
    const paymentMethodId = await withCard(kit);
    await expect(createPayment(kit.deps, kit.actor, request(paymentMethodId))).rejects.toMatchObject({
      code: row.code,
      retryable: row.retryable,
    });
    expect(kit.store.events).toEqual([]);
  });
});

describe("bad input", () => {
  it.each([
    { field: "currency", input: { currency: "XXXX" }, code: "CURRENCY_INVALID" },
    { field: "amount", input: { amount: "-5" }, code: "AMOUNT_INVALID" },
    { field: "paymentMethodId", input: { paymentMethodId: "pm_nope" }, code: "PAYMENT_METHOD_NOT_FOUND" },
  ])("a bad $field is refused with $code, nothing written or sent", async ({ input, code }) => {
    const kit = paymentKit();
    kit.psp.answer("authorize", { outcome: "succeeded", pspReference: "r1" });
    const paymentMethodId = await withCard(kit);
    await expect(
      createPayment(kit.deps, kit.actor, { ...request(paymentMethodId), ...input }),
    ).rejects.toMatchObject({
      code,
    });
    expect(kit.psp.calls).toEqual([]);
    expect(kit.store.events).toEqual([]);
  });
});
