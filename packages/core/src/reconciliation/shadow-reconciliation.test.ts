// Goal: the shadow rules as a table: which notification contradicts which of our attempts after it was applied,
// and which agree (or cannot be compared yet); a resolver's contradiction whose item cannot be written is
// dead-lettered, its letter reading back as the report.
import { describe, expect, it } from "vitest";
import type { PaymentId, PspAttemptId } from "../ids/ids";
import type { PspNotification } from "../payments/payment-requests";
import {
  parseResolverLetter,
  type ResolverReport,
  resolverLetterPayload,
  ShadowReconciliation,
  type ShadowStore,
  type StoredAttemptLike,
  shadowContradiction,
} from "./shadow-reconciliation";

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

describe("a resolver's contradiction whose item cannot be written", () => {
  const report: ResolverReport = {
    rule: "resolver.looked_up",
    notification: {
      kind: "refund",
      pspName: "adyen",
      paymentPspReference: "PSP_1",
      modificationReference: "MOD_1",
      attemptReference: "att_1",
      success: true,
      code: null,
    },
    contradiction: {
      paymentId: "pay_1" as PaymentId,
      attemptId: "att_1" as PspAttemptId,
      operation: "REFUND",
      recorded: "FAILED",
      amountMinor: 700n,
    },
  };
  const failingStore: ShadowStore = {
    findPaymentByPspReference: async () => null,
    findPaymentById: async () => {
      throw new Error("connection lost");
    },
    attemptsOf: async () => [],
    operatorResolutionOf: async () => null,
    recordShadowItem: async () => true,
  };

  it("is dead-lettered under resolver:<psp>, the reason naming the rule, the payload reading back as the report", async () => {
    const letters: Array<{ source: string; reference: string | null; reason: string; payload: unknown }> = [];
    const shadow = new ShadowReconciliation({
      store: failingStore,
      newItemId: () => "ri_1",
      deadLetters: {
        record: async (source, reference, reason, payload) => {
          letters.push({ source, reference, reason, payload: JSON.parse(JSON.stringify(payload)) });
          return 1n;
        },
      },
    });
    expect(await shadow.resolverContradiction(report)).toBe(false);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ source: "resolver:adyen", reference: "PSP_1" });
    expect(letters[0]?.reason).toContain("refund succeeded at the PSP (resolver.looked_up)");
    expect(parseResolverLetter(letters[0]?.payload)).toEqual(report);
    await expect(shadow.recordResolverContradiction(report)).rejects.toThrow("connection lost");
  });

  it("without a dead-letter sink, the error reaches the resolver's run", async () => {
    const shadow = new ShadowReconciliation({ store: failingStore, newItemId: () => "ri_1" });
    await expect(shadow.resolverContradiction(report)).rejects.toThrow("connection lost");
  });

  it.each([
    ["not an object", "x"],
    ["another kind", { ...resolverLetterPayload(report), kind: "other" }],
    ["an unknown rule", { ...resolverLetterPayload(report), rule: "resolver.guessed" }],
    [
      "an amount that is not digits",
      { ...resolverLetterPayload(report), contradiction: { ...report.contradiction, amountMinor: "-1" } },
    ],
  ])("a payload that is not a resolver letter (%s) reads as null", (_name, payload) => {
    expect(parseResolverLetter(payload)).toBeNull();
  });
});
