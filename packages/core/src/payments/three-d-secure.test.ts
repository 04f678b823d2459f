// Goal: the change builders record 3-D Secure as the state table says: a challenge moves PENDING to
// REQUIRES_ACTION with its page and deadline and posts nothing; its completion leaves REQUIRES_ACTION (clearing the
// page and deadline) for CAPTURED with the capture posted, AUTHORIZED, or DECLINED, recording the authentication;
// stored records read back in one field order, and anything that is not one is refused.
import { describe, expect, it } from "vitest";
import { newId } from "../ids/ids";
import type { PspOutcome } from "../psp/psp-port";
import { paymentIn } from "../testing/payment-test-kit";
import { authorizationChange } from "./payment-changes";
import type { MerchantActor, PspAttemptDraft } from "./payment-record";
import { parseThreeDSecure, threeDSecureRecord } from "./three-d-secure";

const actor: MerchantActor = { merchantId: newId("merchant"), mode: "TEST", apiKeyId: null };
const fee = { rateBps: 290, fixedMinor: 30n };
const deadline = new Date("2026-12-09T11:15:00Z");
const challenged = {
  status: "CHALLENGE_REQUIRED",
  flow: "CHALLENGE",
  version: "2.2.0",
  eci: null,
  liabilityShift: false,
} as const;
const authenticated = { ...challenged, status: "AUTHENTICATED", eci: "05", liabilityShift: true } as const;

function attemptOf(amountMinor: bigint): PspAttemptDraft {
  return {
    id: newId("pspAttempt"),
    operation: "AUTHORIZE",
    pspName: "scripted",
    idempotencyKey: "k",
    amountMinor,
    currency: "USD" as PspAttemptDraft["currency"],
    refundId: null,
  };
}

describe("authorizationChange with 3-D Secure", () => {
  it("a challenge: PENDING -> REQUIRES_ACTION with the page and deadline, the attempt acknowledged, nothing posted", () => {
    const payment = { ...paymentIn(actor, "PENDING"), captureMethod: "AUTOMATIC" as const };
    const outcome: PspOutcome = {
      outcome: "requires_action",
      pspReference: "pi_1",
      redirectUrl: "http://127.0.0.1:4010/3ds/challenge/stripe/pi_1",
      threeDSecure: challenged,
    };
    const { change, errors } = authorizationChange(actor, payment, attemptOf(payment.amountMinor), outcome, {
      holdUntil: null,
      fee: null,
      context: null,
      actionExpiresAt: deadline,
    });
    expect(errors).toEqual([]);
    expect(change.patch).toMatchObject({
      status: "REQUIRES_ACTION",
      pspReference: "pi_1",
      nextActionUrl: outcome.redirectUrl,
      actionExpiresAt: deadline,
      threeDSecure: challenged,
      pendingOperation: null,
    });
    expect(change.attemptSettlement).toMatchObject({ status: "ACKNOWLEDGED", pspReference: "pi_1" });
    expect(change.journal).toBeUndefined();
    expect(change.outbox).toEqual([
      { topic: "payment.requires_action", payload: { paymentId: payment.id, status: "REQUIRES_ACTION" } },
    ]);
  });

  it("a challenge without a deadline is a programmer error", () => {
    const payment = paymentIn(actor, "PENDING");
    expect(() =>
      authorizationChange(
        actor,
        payment,
        attemptOf(payment.amountMinor),
        {
          outcome: "requires_action",
          pspReference: "pi_1",
          redirectUrl: "http://x/",
          threeDSecure: challenged,
        },
        { holdUntil: null, fee: null, context: null },
      ),
    ).toThrow();
  });

  it.each([
    ["AUTOMATIC", "CAPTURED", true],
    ["MANUAL", "AUTHORIZED", false],
  ] as const)(
    "completed with %s capture -> %s, the page and deadline cleared",
    (captureMethod, status, posted) => {
      const payment = {
        ...paymentIn(actor, "REQUIRES_ACTION"),
        captureMethod,
        pspReference: "pi_1",
        threeDSecure: challenged,
        nextActionUrl: "http://x/",
        actionExpiresAt: deadline,
      };
      const { change } = authorizationChange(
        actor,
        payment,
        attemptOf(payment.amountMinor),
        { outcome: "succeeded", pspReference: "pi_1", threeDSecure: authenticated },
        { holdUntil: null, fee: posted ? fee : null, context: null },
      );
      expect(change.patch).toMatchObject({
        status,
        nextActionUrl: null,
        actionExpiresAt: null,
        threeDSecure: authenticated,
      });
      expect(change.journal !== undefined).toBe(posted);
    },
  );

  it("a failed challenge -> DECLINED with the failed authentication recorded", () => {
    const payment = { ...paymentIn(actor, "REQUIRES_ACTION"), threeDSecure: challenged };
    const failed = { ...challenged, status: "FAILED", eci: "07" } as const;
    const { change, errors } = authorizationChange(
      actor,
      payment,
      attemptOf(payment.amountMinor),
      { outcome: "declined", code: "authentication_failed", message: "failed", threeDSecure: failed },
      { holdUntil: null, fee: null, context: null },
    );
    expect(change.patch).toMatchObject({
      status: "DECLINED",
      failureCode: "authentication_failed",
      threeDSecure: failed,
      nextActionUrl: null,
    });
    expect(errors.map((error) => error.code)).toEqual(["PAYMENT_DECLINED"]);
  });
});

describe("stored 3-D Secure records", () => {
  it("read back in one field order, whatever the stored order", () => {
    const stored = {
      liabilityShift: true,
      eci: "02",
      version: "2.2.0",
      flow: "FRICTIONLESS",
      status: "AUTHENTICATED",
    };
    const parsed = parseThreeDSecure(stored);
    expect(JSON.stringify(parsed)).toBe(
      JSON.stringify(
        threeDSecureRecord({
          status: "AUTHENTICATED",
          flow: "FRICTIONLESS",
          version: "2.2.0",
          eci: "02",
          liabilityShift: true,
        }),
      ),
    );
  });

  it.each([[null], [undefined], ["AUTHENTICATED"], [{ status: "MAYBE" }]])("%j is no record", (value) => {
    expect(parseThreeDSecure(value)).toBeNull();
  });
});
