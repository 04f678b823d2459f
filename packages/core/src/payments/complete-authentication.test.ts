// Goal: two completions of one 3-D Secure challenge (the customer's return and the PSP's notification) that
// overlap never break an invariant: a completion that reads the payment still waiting, and its attempts after
// the other completion settled them, answers with the outcome the other one recorded and writes nothing. Found in
// CI as a dead letter ("requires action without an open authorize attempt") of an Adyen notification that arrived
// while the customer's return was being recorded.
import { describe, expect, it } from "vitest";
import type { PaymentId } from "../ids/ids";
import { paymentIn, paymentKit, storedAttempt } from "../testing/payment-test-kit";
import { completeAuthentication } from "./complete-authentication";
import type { MerchantActor, PaymentRecord } from "./payment-record";
import type { ThreeDSecureRecord } from "./three-d-secure";

const AUTHENTICATED: ThreeDSecureRecord = {
  status: "AUTHENTICATED",
  flow: "CHALLENGE",
  version: "2.2.0",
  eci: "05",
  liabilityShift: true,
};

/**
 * A kit holding `seeded` with its authorize attempt settled, whose first read of the payment returns `stale` (what a
 * completion saw before the other one committed).
 */
function racedKit(seeded: PaymentRecord, stale: PaymentRecord) {
  const kit = paymentKit();
  kit.store.seedPayment(seeded);
  kit.store.seedAttempt(seeded.id, {
    ...storedAttempt("AUTHORIZE", "ACKNOWLEDGED", seeded.amountMinor),
    pspReference: seeded.pspReference,
    status: "SUCCEEDED",
  });
  const findPayment = kit.store.findPayment.bind(kit.store);
  let reads = 0;
  kit.store.findPayment = async (actor: MerchantActor, id: PaymentId) =>
    reads++ === 0 ? stale : findPayment(actor, id);
  return kit;
}

describe("completeAuthentication racing another completion", () => {
  it("answers with the outcome the other completion recorded between the payment's read and its attempts' read", async () => {
    const probe = paymentKit();
    const decided = paymentIn(probe.actor, "AUTHORIZED", { threeDSecure: AUTHENTICATED, version: 5 });
    const waiting: PaymentRecord = {
      ...decided,
      status: "REQUIRES_ACTION",
      amountCapturableMinor: 0n,
      threeDSecure: { ...AUTHENTICATED, status: "CHALLENGE_REQUIRED", eci: null, liabilityShift: false },
      version: 4,
    };
    const kit = racedKit(decided, waiting);

    const result = await completeAuthentication(
      kit.deps,
      { paymentId: decided.id, returnedReference: null },
      "WEBHOOK",
    );

    expect(result.errors).toEqual([]);
    expect(result.payment).toMatchObject({ id: decided.id, status: "AUTHORIZED", version: 5 });
    expect(kit.store.events).toEqual([]);
  });

  it("still calls a waiting payment without its open attempt, and no change in between, a broken invariant", async () => {
    const probe = paymentKit();
    const waiting = paymentIn(probe.actor, "REQUIRES_ACTION", {
      threeDSecure: { ...AUTHENTICATED, status: "CHALLENGE_REQUIRED", eci: null, liabilityShift: false },
    });
    const kit = racedKit(waiting, waiting);

    await expect(
      completeAuthentication(kit.deps, { paymentId: waiting.id, returnedReference: null }, "WEBHOOK"),
    ).rejects.toThrow(/requires action without an open authorize attempt/);
    expect(kit.store.events).toEqual([]);
  });
});
