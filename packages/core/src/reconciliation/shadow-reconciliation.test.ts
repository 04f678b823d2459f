// Goal: the shadow rules as a table: which notification contradicts which of our attempts after it was applied,
// and which agree (or cannot be compared yet).
import { describe, expect, it } from "vitest";
import type { PspNotification } from "../payments/payment-requests";
import { type StoredAttemptLike, shadowContradiction } from "./shadow-reconciliation";

function attempt(overrides: Partial<StoredAttemptLike> = {}): StoredAttemptLike {
  return {
    id: "att_1",
    operation: "CAPTURE",
    pspName: "stripe",
    idempotencyKey: "key_1",
    amountMinor: 2000n,
    status: "SUCCEEDED",
    pspReference: "ch_1",
    ...overrides,
  };
}

function modification(
  overrides: Partial<Extract<PspNotification, { kind: "capture" | "void" | "refund" }>> = {},
): PspNotification {
  return {
    kind: "capture",
    pspName: "stripe",
    paymentPspReference: "pi_1",
    modificationReference: "ch_1",
    success: true,
    code: null,
    ...overrides,
  } as PspNotification;
}

describe("shadowContradiction", () => {
  it.each([
    ["agrees: success, succeeded", modification(), [attempt()], null],
    ["agrees: failure, failed", modification({ success: false }), [attempt({ status: "FAILED" })], null],
    [
      "PSP succeeded, we failed",
      modification(),
      [attempt({ status: "FAILED" })],
      "shadow.psp_succeeded_we_failed",
    ],
    [
      "PSP failed, we succeeded",
      modification({ success: false }),
      [attempt()],
      "shadow.psp_failed_we_succeeded",
    ],
    ["still in flight: no contradiction", modification(), [attempt({ status: "ACKNOWLEDGED" })], null],
    ["an operation we never asked for", modification(), [], "shadow.unknown_operation"],
    [
      "another PSP's attempt is not ours to compare",
      modification(),
      [attempt({ pspName: "adyen", status: "FAILED" })],
      "shadow.unknown_operation",
    ],
    [
      "an authorization the PSP declined that we show authorized",
      {
        kind: "authorization",
        pspName: "stripe",
        pspReference: "pi_1",
        reference: null,
        success: false,
        code: "card_declined",
      } as PspNotification,
      [attempt({ operation: "AUTHORIZE", pspReference: "pi_1" })],
      "shadow.psp_failed_we_succeeded",
    ],
    // An automatic capture has no capture attempt of its own: the PSP's capture agrees with what we captured.
    [
      "an automatic capture we show captured",
      modification({ modificationReference: null }),
      [attempt({ operation: "AUTHORIZE", pspReference: "pi_1" })],
      null,
    ],
  ] as const)("%s", (_name, notification, attempts, rule) => {
    const captured = attempts.some((a) => a.operation === "AUTHORIZE" && a.status === "SUCCEEDED");
    const finding = shadowContradiction(notification, attempts, {
      status: captured ? "CAPTURED" : "AUTHORIZED",
      amountCapturedMinor: captured ? 2000n : 0n,
      amountRefundedMinor: 0n,
    });
    expect(finding?.rule ?? null).toBe(rule);
  });

  it("names the attempt by our reference first, then by the PSP's", () => {
    const attempts = [
      attempt({ id: "att_a", pspReference: "ch_a", status: "SUCCEEDED" }),
      attempt({ id: "att_b", pspReference: "ch_b", status: "FAILED" }),
    ];
    const payment = { status: "CAPTURED", amountCapturedMinor: 2000n, amountRefundedMinor: 0n } as const;
    expect(
      shadowContradiction(
        modification({ attemptReference: "att_b", modificationReference: "ch_a" }),
        attempts,
        payment,
      ),
    ).toMatchObject({ attemptId: "att_b", amountMinor: 2000n });
    expect(
      shadowContradiction(modification({ modificationReference: "ch_a" }), attempts, payment),
    ).toBeNull();
  });
});
