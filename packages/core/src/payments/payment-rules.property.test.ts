// Property: however partial refunds are requested, started, settled or failed, their sum never exceeds the captured amount.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import type { CurrencyCode } from "../money/currency";
import { type PaymentAmounts, planRefund, refundableMinor, refundEvent } from "./payment-rules";
import { transition } from "./payment-state-machine";

type Step =
  | { kind: "request"; amountMinor: bigint | null }
  | { kind: "settle"; index: number }
  | { kind: "fail"; index: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("request" as const),
    amountMinor: fc.option(fc.bigInt({ min: -5n, max: 2_000n }), { nil: null }),
  }),
  fc.record({ kind: fc.constant("settle" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("fail" as const), index: fc.nat() }),
);

describe("refund properties", () => {
  it("never lets settled plus pending refunds exceed the captured amount", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 1_500n }),
        fc.array(stepArb, { maxLength: 60 }),
        (capturedMinor, steps) => {
          const payment: PaymentAmounts = {
            status: "CAPTURED",
            amountMinor: capturedMinor,
            currency: "USD" as CurrencyCode,
            amountCapturableMinor: 0n,
            amountCapturedMinor: capturedMinor,
            amountRefundedMinor: 0n,
            amountRefundPendingMinor: 0n,
            amountDisputedMinor: 0n,
            pendingOperation: null,
          };
          const inFlight: bigint[] = [];
          let settledSum = 0n;

          for (const step of steps) {
            if (step.kind === "request") {
              const before = refundableMinor(payment);
              try {
                const refundMinor = planRefund(payment, step.amountMinor);
                expect(refundMinor).toBeGreaterThan(0n);
                expect(refundMinor).toBeLessThanOrEqual(before);
                inFlight.push(refundMinor);
                payment.amountRefundPendingMinor += refundMinor;
                payment.pendingOperation = "REFUND";
              } catch (e) {
                expect(e).toBeInstanceOf(DomainError);
              }
            } else if (inFlight.length > 0) {
              const [refundMinor] = inFlight.splice(step.index % inFlight.length, 1);
              if (refundMinor === undefined) throw new Error("unreachable");
              payment.amountRefundPendingMinor -= refundMinor;
              if (step.kind === "settle") {
                payment.status = transition(payment.status, refundEvent(payment, refundMinor));
                payment.amountRefundedMinor += refundMinor;
                settledSum += refundMinor;
              }
              if (inFlight.length === 0) payment.pendingOperation = null;
            }

            expect(settledSum).toBe(payment.amountRefundedMinor);
            expect(payment.amountRefundedMinor + payment.amountRefundPendingMinor).toBeLessThanOrEqual(
              capturedMinor,
            );
            expect(payment.status === "REFUNDED").toBe(payment.amountRefundedMinor === capturedMinor);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
