// Checks the pure pre-checks for capture, cancel and refund: which statuses allow them and how amounts are limited.
import { describe, expect, it } from "vitest";
import { DomainError, type ErrorCode, InvariantError } from "../errors/domain-error";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { maxAmountMinor } from "../money/money";
import {
  type PaymentAmounts,
  type PendingOperation,
  planCancel,
  planCapture,
  planRefund,
  refundableMinor,
  refundEvent,
} from "./payment-rules";
import { PAYMENT_STATUSES, type PaymentStatus } from "./payment-state-machine";

const USD = parseCurrency("USD") as CurrencyCode;
const JPY = parseCurrency("JPY") as CurrencyCode;

function authorized(overrides: Partial<PaymentAmounts> = {}): PaymentAmounts {
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

function captured(overrides: Partial<PaymentAmounts> = {}): PaymentAmounts {
  return authorized({
    status: "CAPTURED",
    amountCapturableMinor: 0n,
    amountCapturedMinor: 1000n,
    ...overrides,
  });
}

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

describe("planCapture", () => {
  it.each([
    ["everything when no amount is given", null, 1000n, 0n],
    ["the full amount", 1000n, 1000n, 0n],
    ["part, releasing the rest", 600n, 600n, 400n],
    ["a single minor unit", 1n, 1n, 999n],
  ])("captures %s", (_label, requested, captureMinor, releaseMinor) => {
    expect(planCapture(authorized(), requested)).toEqual({ captureMinor, releaseMinor });
  });

  it.each(PAYMENT_STATUSES.filter((s) => s !== "AUTHORIZED").map((status) => [status]))(
    "refuses a %s payment and names the status",
    (status) => {
      const error = domainError(() => planCapture(authorized({ status }), null));
      expect(error.code).toBe("PAYMENT_NOT_CAPTURABLE");
      expect(error.message).toContain(status);
    },
  );

  it.each(["AUTHORIZE", "CAPTURE", "VOID", "REFUND"] as PendingOperation[])(
    "is retryable-blocked while a %s is pending",
    (pendingOperation) => {
      const error = domainError(() => planCapture(authorized({ pendingOperation }), null));
      expect(error.code).toBe("PAYMENT_OPERATION_IN_PROGRESS");
      expect(error.retryable).toBe(true);
    },
  );

  it.each([
    ["more than capturable", 1001n, "AMOUNT_EXCEEDS_CAPTURABLE"],
    ["zero", 0n, "AMOUNT_INVALID"],
    ["negative", -1n, "AMOUNT_INVALID"],
    ["above USD's maximum", maxAmountMinor(USD) + 1n, "AMOUNT_TOO_LARGE"],
  ] as [string, bigint, ErrorCode][])("rejects %s with %s on field amount", (_label, requested, code) => {
    const error = domainError(() => planCapture(authorized(), requested));
    expect(error.code).toBe(code);
    expect(error.field).toEqual(["amount"]);
  });

  it("treats an AUTHORIZED payment with nothing capturable as a bug", () => {
    expect(() => planCapture(authorized({ amountCapturableMinor: 0n }), null)).toThrow(InvariantError);
  });
});

describe("planCancel", () => {
  it.each(
    PAYMENT_STATUSES.map(
      (status) => [status, status === "AUTHORIZED" || status === "REQUIRES_REVIEW"] as const,
    ),
  )("%s cancellable: %s", (status, allowed) => {
    const payment = authorized({ status });
    if (allowed) {
      expect(() => planCancel(payment)).not.toThrow();
    } else {
      expect(domainError(() => planCancel(payment)).code).toBe("PAYMENT_NOT_CANCELLABLE");
    }
  });

  it.each(["AUTHORIZED", "REQUIRES_REVIEW"] as PaymentStatus[])(
    "blocks a %s payment with an operation pending",
    (status) => {
      expect(domainError(() => planCancel(authorized({ status, pendingOperation: "CAPTURE" }))).code).toBe(
        "PAYMENT_OPERATION_IN_PROGRESS",
      );
    },
  );
});

describe("refundableMinor", () => {
  it.each([
    [1000n, 0n, 0n, 1000n],
    [1000n, 300n, 0n, 700n],
    [1000n, 300n, 200n, 500n],
    [1000n, 1000n, 0n, 0n],
    [1000n, 400n, 600n, 0n],
  ])("captured %s, refunded %s, pending %s -> %s", (capturedMinor, refunded, pending, expected) => {
    expect(
      refundableMinor(
        captured({
          amountCapturedMinor: capturedMinor,
          amountRefundedMinor: refunded,
          amountRefundPendingMinor: pending,
          amountDisputedMinor: 0n,
        }),
      ),
    ).toBe(expected);
  });

  it("treats over-refunded state as a bug", () => {
    expect(() =>
      refundableMinor(captured({ amountRefundedMinor: 900n, amountRefundPendingMinor: 200n })),
    ).toThrow(InvariantError);
  });
});

describe("planRefund", () => {
  it.each([
    ["the rest when no amount is given", captured(), null, 1000n],
    [
      "the rest after a partial refund",
      captured({ status: "PARTIALLY_REFUNDED", amountRefundedMinor: 250n }),
      null,
      750n,
    ],
    [
      "the rest minus pending refunds",
      captured({ amountRefundPendingMinor: 100n, pendingOperation: "REFUND" }),
      null,
      900n,
    ],
    ["a requested part", captured(), 400n, 400n],
    [
      "exactly the refundable amount",
      captured({ amountRefundedMinor: 300n, status: "PARTIALLY_REFUNDED" }),
      700n,
      700n,
    ],
  ])("refunds %s", (_label, payment, requested, expected) => {
    expect(planRefund(payment, requested)).toBe(expected);
  });

  it.each(
    PAYMENT_STATUSES.filter((s) => s !== "CAPTURED" && s !== "PARTIALLY_REFUNDED").map((status) => [status]),
  )("refuses a %s payment", (status) => {
    const error = domainError(() => planRefund(captured({ status }), null));
    expect(error.code).toBe("PAYMENT_NOT_REFUNDABLE");
    expect(error.message).toContain(status);
  });

  it.each([
    ["fully refunded", captured({ status: "PARTIALLY_REFUNDED", amountRefundedMinor: 1000n })],
    ["fully covered by pending refunds", captured({ amountRefundPendingMinor: 1000n })],
  ])("refuses a payment that is %s", (_label, payment) => {
    expect(domainError(() => planRefund(payment, null)).code).toBe("PAYMENT_NOT_REFUNDABLE");
  });

  it.each([
    ["more than captured", captured(), 1001n, "AMOUNT_EXCEEDS_REFUNDABLE"],
    [
      "more than left after refunds",
      captured({ amountRefundedMinor: 600n }),
      401n,
      "AMOUNT_EXCEEDS_REFUNDABLE",
    ],
    [
      "more than left after pending",
      captured({ amountRefundPendingMinor: 600n }),
      401n,
      "AMOUNT_EXCEEDS_REFUNDABLE",
    ],
    ["zero", captured(), 0n, "AMOUNT_INVALID"],
    ["negative", captured(), -5n, "AMOUNT_INVALID"],
    // A payment from before the per-currency maximums may hold more than today's maximum.
    [
      "above the currency's maximum",
      captured({ currency: JPY, amountMinor: 10n ** 12n, amountCapturedMinor: 10n ** 12n }),
      maxAmountMinor(JPY) + 1n,
      "AMOUNT_TOO_LARGE",
    ],
  ] as [string, PaymentAmounts, bigint, ErrorCode][])("rejects %s", (_label, payment, requested, code) => {
    const error = domainError(() => planRefund(payment, requested));
    expect(error.code).toBe(code);
    expect(error.field).toEqual(["amount"]);
  });

  it.each(["AUTHORIZE", "CAPTURE", "VOID"] as PendingOperation[])(
    "is blocked while a %s is pending",
    (pendingOperation) => {
      expect(domainError(() => planRefund(captured({ pendingOperation }), null)).code).toBe(
        "PAYMENT_OPERATION_IN_PROGRESS",
      );
    },
  );

  it("allows another refund while a refund is pending", () => {
    expect(planRefund(captured({ pendingOperation: "REFUND", amountRefundPendingMinor: 100n }), 50n)).toBe(
      50n,
    );
  });
});

describe("refundEvent", () => {
  it.each([
    [0n, 1000n, "REFUNDED_FULLY"],
    [0n, 999n, "REFUNDED_PARTIALLY"],
    [400n, 600n, "REFUNDED_FULLY"],
    [400n, 100n, "REFUNDED_PARTIALLY"],
  ] as const)("refunded %s + settled %s of 1000 -> %s", (refunded, settled, expected) => {
    expect(refundEvent(captured({ amountRefundedMinor: refunded }), settled)).toBe(expected);
  });

  it.each([
    ["zero", 0n],
    ["over the captured amount", 1001n],
  ])("treats settling %s as a bug", (_label, settled) => {
    expect(() => refundEvent(captured(), settled)).toThrow(InvariantError);
  });
});

describe("refunds of a disputed payment", () => {
  const captured = (overrides: Partial<PaymentAmounts>) =>
    authorized({ status: "CAPTURED", amountCapturableMinor: 0n, amountCapturedMinor: 1000n, ...overrides });

  it("refunds only what no dispute holds, and says why when more is asked", () => {
    const payment = captured({ amountDisputedMinor: 400n });
    expect(refundableMinor(payment)).toBe(600n);
    expect(planRefund(payment, 600n)).toBe(600n);
    expect(planRefund(payment, null)).toBe(600n);
    expect(() => planRefund(payment, 601n)).toThrow(expect.objectContaining({ code: "AMOUNT_DISPUTED" }));
  });

  it("a dispute over money already refunded leaves nothing refundable, never a negative amount", () => {
    const payment = captured({
      status: "PARTIALLY_REFUNDED",
      amountRefundedMinor: 800n,
      amountDisputedMinor: 1000n,
    });
    expect(refundableMinor(payment)).toBe(0n);
    expect(() => planRefund(payment, 1n)).toThrow(expect.objectContaining({ code: "AMOUNT_DISPUTED" }));
  });
});
