// Goal: each PSP's chargeback row types read as the dispute position they mean, named like the PSP's own dispute
// notifications name the dispute.
import { describe, expect, it } from "vitest";
import { chargebackNotification } from "./chargeback-rows";

const row = {
  pspReference: "PSPREF0001",
  modificationReference: "CBPSPREF0001",
  currency: "EUR",
  grossMinor: -5000n,
};

describe("chargebackNotification", () => {
  it.each([
    ["adyen", "Chargeback", "NEEDS_RESPONSE", "chargeback"],
    ["adyen", "ChargebackReversed", "WON", "chargeback"],
    ["adyen", "SecondChargeback", "LOST", "second_chargeback"],
    ["stripe", "dispute", "NEEDS_RESPONSE", "chargeback"],
    ["stripe", "dispute_reversal", "WON", "chargeback"],
  ] as const)("%s %s → %s at %s", (psp, rawType, status, stage) => {
    expect(chargebackNotification({ ...row, psp, rawType })).toMatchObject({
      pspName: psp,
      paymentPspReference: "PSPREF0001",
      // Adyen keeps one dispute per payment; Stripe's rows carry the dispute's id.
      disputeReference: psp === "adyen" ? "PSPREF0001" : "CBPSPREF0001",
      status,
      stage,
      amountMinor: 5000n,
      currency: "EUR",
    });
  });

  it("cannot read a row without the payment's reference, or of a type that is not a chargeback", () => {
    expect(
      chargebackNotification({ ...row, psp: "adyen", rawType: "Chargeback", pspReference: null }),
    ).toBeNull();
    expect(chargebackNotification({ ...row, psp: "adyen", rawType: "Settled" })).toBeNull();
  });
});
