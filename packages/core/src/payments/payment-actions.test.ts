// Checks that a payment's available actions and pending amounts follow the command rules, and that an operation
// in flight answers the retryable PAYMENT_OPERATION_IN_PROGRESS rather than a state error that later turns false.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { type PaymentOperationView, paymentPendingWork } from "./payment-actions";
import { type PaymentAmounts, planCancel, planCapture, planRefund } from "./payment-rules";

const USD = parseCurrency("USD") as CurrencyCode;

function payment(overrides: Partial<PaymentAmounts> = {}): PaymentAmounts {
  return {
    status: "AUTHORIZED",
    amountMinor: 1000n,
    currency: USD,
    amountCapturableMinor: 1000n,
    amountCapturedMinor: 0n,
    amountRefundedMinor: 0n,
    amountRefundPendingMinor: 0n,
    amountDisputedMinor: 0n,
    pendingOperation: null,
    ...overrides,
  };
}

const captured = { status: "CAPTURED", amountCapturableMinor: 0n, amountCapturedMinor: 1000n } as const;

describe("paymentPendingWork", () => {
  it.each<[string, Partial<PaymentAmounts>, string[]]>([
    ["authorized", {}, ["CAPTURE", "CANCEL"]],
    ["authorized, capture in flight", { pendingOperation: "CAPTURE" }, []],
    ["authorized, void in flight", { pendingOperation: "VOID" }, []],
    ["held for review", { status: "REQUIRES_REVIEW" }, ["CANCEL"]],
    ["pending authorization", { status: "PENDING", pendingOperation: "AUTHORIZE" }, []],
    ["captured", captured, ["REFUND"]],
    [
      "captured, part refunding",
      { ...captured, pendingOperation: "REFUND", amountRefundPendingMinor: 400n },
      ["REFUND"],
    ],
    [
      "captured, all refunding",
      { ...captured, pendingOperation: "REFUND", amountRefundPendingMinor: 1000n },
      [],
    ],
    ["refunded", { ...captured, status: "REFUNDED", amountRefundedMinor: 1000n }, []],
    ["cancelled", { status: "CANCELLED", amountCapturableMinor: 0n }, []],
    ["declined", { status: "DECLINED", amountCapturableMinor: 0n }, []],
  ])("%s", (_name, overrides, actions) => {
    expect(paymentPendingWork(payment(overrides), []).availableActions).toEqual(actions);
  });

  it("counts the capture in flight from its open operations, and the refunds in flight from the payment", () => {
    const operations: PaymentOperationView[] = [
      { operation: "AUTHORIZE", status: "SUCCEEDED", amountMinor: 1000n },
      { operation: "CAPTURE", status: "FAILED", amountMinor: 1000n },
      { operation: "CAPTURE", status: "ACKNOWLEDGED", amountMinor: 600n },
    ];
    expect(paymentPendingWork(payment({ pendingOperation: "CAPTURE" }), operations)).toEqual({
      amountCapturePendingMinor: 600n,
      amountRefundPendingMinor: 0n,
      availableActions: [],
    });
    const settled = paymentPendingWork(
      payment({
        ...captured,
        amountCapturedMinor: 600n,
        pendingOperation: "REFUND",
        amountRefundPendingMinor: 250n,
      }),
      [...operations.slice(0, 2), { operation: "CAPTURE", status: "SUCCEEDED", amountMinor: 600n }],
    );
    expect(settled).toEqual({
      amountCapturePendingMinor: 0n,
      amountRefundPendingMinor: 250n,
      availableActions: ["REFUND"],
    });
  });
});

describe("an operation in flight is a retryable conflict, whatever the status says", () => {
  const codeOf = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      if (error instanceof DomainError) return error.code;
      throw error;
    }
    return "ACCEPTED";
  };

  it.each<[string, () => unknown, string]>([
    // The scenario: an asynchronous capture is pending, the payment is still AUTHORIZED.
    [
      "refund while a capture is pending",
      () => planRefund(payment({ pendingOperation: "CAPTURE" }), null),
      "PAYMENT_OPERATION_IN_PROGRESS",
    ],
    [
      "refund while a void is pending",
      () => planRefund(payment({ pendingOperation: "VOID" }), null),
      "PAYMENT_OPERATION_IN_PROGRESS",
    ],
    [
      "capture while authorizing",
      () => planCapture(payment({ status: "PENDING", pendingOperation: "AUTHORIZE" }), null),
      "PAYMENT_OPERATION_IN_PROGRESS",
    ],
    [
      "cancel while a capture is pending",
      () => planCancel(payment({ pendingOperation: "CAPTURE" })),
      "PAYMENT_OPERATION_IN_PROGRESS",
    ],
    // A refund in flight never makes a payment capturable: the state answer stays true.
    [
      "capture while refunding",
      () =>
        planCapture(payment({ ...captured, pendingOperation: "REFUND", amountRefundPendingMinor: 1n }), null),
      "PAYMENT_NOT_CAPTURABLE",
    ],
    ["refund of an authorized payment", () => planRefund(payment(), null), "PAYMENT_NOT_REFUNDABLE"],
  ])("%s", (_name, run, code) => {
    expect(codeOf(run)).toBe(code);
  });
});
