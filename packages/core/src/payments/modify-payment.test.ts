// Goal: capture, cancel and refund, run through the shared record -> call -> settle runner on the in-memory
// fakes, do what every PSP outcome requires on a payment in every status: a status that does not allow the
// operation is refused before anything is written or sent; otherwise the attempt is recorded, the PSP asked
// once, and the outcome recorded with the request's answer, which a retry with the same key replays.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import type { PspOutcome } from "../psp/psp-port";
import { paymentIn, paymentKit } from "../testing/payment-test-kit";
import { cancelPayment, capturePayment, refundPayment } from "./modify-payment";
import type { RefundRecord } from "./payment-record";
import { PAYMENT_STATUSES, type PaymentStatus } from "./payment-state-machine";

const OUTCOMES: Record<PspOutcome["outcome"], PspOutcome> = {
  succeeded: { outcome: "succeeded", pspReference: "psp_modification_1" },
  declined: { outcome: "declined", code: "card_declined", message: "declined" },
  failed: { outcome: "failed", code: "processing_error", message: "failed", retryable: false },
  unknown: { outcome: "unknown", message: "timeout" },
  pending: { outcome: "pending", pspReference: "psp_modification_1" },
  unavailable: { outcome: "unavailable", message: "breaker open" },
  // Only authorizations ask for authentication: a modification answered so failed (modificationOutcome).
  requires_action: {
    outcome: "requires_action",
    pspReference: "psp_ref",
    redirectUrl: "http://127.0.0.1:4010/3ds/challenge/x",
    threeDSecure: {
      status: "CHALLENGE_REQUIRED",
      flow: "CHALLENGE",
      version: "2.2.0",
      eci: null,
      liabilityShift: false,
    },
  },
};

/** The request's error code for each outcome; succeeded and pending (accepted) answer none. */
const ERROR_OF: Record<PspOutcome["outcome"], string | null> = {
  succeeded: null,
  pending: null,
  declined: "PAYMENT_FAILED",
  failed: "PAYMENT_FAILED",
  unknown: "PAYMENT_OUTCOME_PENDING",
  unavailable: "PSP_NOT_REACHED",
  requires_action: "PAYMENT_FAILED",
};

/** The attempt's status after each outcome. */
const ATTEMPT_OF = {
  succeeded: "SUCCEEDED",
  pending: "ACKNOWLEDGED",
  unknown: "UNKNOWN",
  declined: "FAILED",
  failed: "FAILED",
  unavailable: "FAILED",
  requires_action: "FAILED",
} as const;

const OPERATIONS = {
  capture: {
    pspOperation: "capture",
    allowed: { AUTHORIZED: "CAPTURED" },
    pending: "CAPTURE",
    run: capturePayment,
  },
  cancel: {
    pspOperation: "void",
    allowed: { AUTHORIZED: "CANCELLED", REQUIRES_REVIEW: "CANCELLED" },
    pending: "VOID",
    run: cancelPayment,
  },
  refund: {
    pspOperation: "refund",
    allowed: { CAPTURED: "REFUNDED", PARTIALLY_REFUNDED: "REFUNDED" },
    pending: "REFUND",
    run: refundPayment,
  },
} as const;

const grid = (Object.keys(OPERATIONS) as Array<keyof typeof OPERATIONS>).flatMap((operation) =>
  PAYMENT_STATUSES.flatMap((status) =>
    (Object.keys(OUTCOMES) as Array<PspOutcome["outcome"]>).map((outcome) => ({
      operation,
      status,
      outcome,
    })),
  ),
);

describe.each(Object.keys(OPERATIONS) as Array<keyof typeof OPERATIONS>)("%s", (name) => {
  const operation = OPERATIONS[name];
  it.each(grid.filter((row) => row.operation === name))(
    "$outcome from the PSP on a $status payment",
    async ({ status, outcome }) => {
      const kit = paymentKit();
      kit.psp.answer(operation.pspOperation, OUTCOMES[outcome]);
      const payment = paymentIn(kit.actor, status);
      kit.store.seedPayment(payment);
      const input = { idempotencyKey: "key-1", paymentId: payment.id };
      const settledTo = (operation.allowed as Partial<Record<PaymentStatus, PaymentStatus>>)[status];

      if (settledTo === undefined) {
        await expect(operation.run(kit.deps, kit.actor, input)).rejects.toBeInstanceOf(DomainError);
        expect(kit.psp.calls).toEqual([]);
        expect(await kit.store.findPayment(kit.actor, payment.id)).toEqual(payment);
        return;
      }
      const first = await operation.run(kit.deps, kit.actor, input);
      expect(kit.psp.count(operation.pspOperation)).toBe(1);
      expect(first.value.errors.map((error) => error.code)).toEqual(
        ERROR_OF[outcome] ? [ERROR_OF[outcome]] : [],
      );

      const after = await kit.store.findPayment(kit.actor, payment.id);
      expect(after?.status).toBe(outcome === "succeeded" ? settledTo : status);
      // Accepted or unknown: the operation stays in flight until the notification or the resolver decides it.
      const inFlight = outcome === "pending" || outcome === "unknown";
      if (name !== "refund") expect(after?.pendingOperation).toBe(inFlight ? operation.pending : null);
      const [attempt] = await kit.store.attemptsOf(payment.id);
      expect(attempt?.status).toBe(ATTEMPT_OF[outcome]);
      if (name === "refund") {
        const refund = (first.value as { refund?: RefundRecord }).refund ?? null;
        expect(refund?.status).toBe(outcome === "succeeded" ? "SUCCEEDED" : inFlight ? "PENDING" : "FAILED");
        // The reservation is kept only while the refund's outcome is open.
        expect(after?.amountRefundPendingMinor).toBe(inFlight ? refund?.amountMinor : 0n);
      }
      // The posting follows the money: only a confirmed capture or refund is posted.
      const posted = outcome === "succeeded" && name !== "cancel";
      expect(kit.store.journal.length).toBe(posted ? 1 : 0);

      // The same key again: the stored answer, and no second call.
      const replay = await operation.run(kit.deps, kit.actor, input);
      expect(replay.value).toEqual(first.value);
      expect(kit.psp.count(operation.pspOperation)).toBe(1);
    },
  );
});

describe("the PSP that holds the payment", () => {
  it("a payment whose PSP is no longer configured is refused with PSP_NOT_CONFIGURED, nothing written", async () => {
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, "AUTHORIZED", { pspName: "gone" });
    kit.store.seedPayment(payment);
    await expect(
      capturePayment(kit.deps, kit.actor, { idempotencyKey: "key-1", paymentId: payment.id }),
    ).rejects.toMatchObject({ code: "PSP_NOT_CONFIGURED", retryable: false });
    expect(await kit.store.attemptsOf(payment.id)).toEqual([]);
  });

  it("a call that throws (a timeout) is an unknown outcome: the capture stays in flight", async () => {
    const kit = paymentKit();
    kit.psp.answer("capture", "throw");
    const payment = paymentIn(kit.actor, "AUTHORIZED");
    kit.store.seedPayment(payment);
    const result = await capturePayment(kit.deps, kit.actor, {
      idempotencyKey: "key-1",
      paymentId: payment.id,
    });
    expect(result.value.errors.map((error) => error.code)).toEqual(["PAYMENT_OUTCOME_PENDING"]);
    expect((await kit.store.attemptsOf(payment.id))[0]?.status).toBe("UNKNOWN");
    expect((await kit.store.findPayment(kit.actor, payment.id))?.pendingOperation).toBe("CAPTURE");
  });
});
