import { describe, expect, it } from "vitest";
import { testPiiVault } from "../testing/test-pii-vault";
import { openSealedPayload } from "./webhook-payload-pii";

const pii = testPiiVault();
const MERCHANT = "mer_webhook_payload";

const invoiceEvent = (
  object: Record<string, unknown>,
  previousAttributes: Record<string, unknown> | null,
) => ({
  id: "evt_1",
  type: "invoice.finalized",
  livemode: false,
  data: { object, previousAttributes },
});

describe("openSealedPayload", () => {
  it("opens a sealed customer e-mail in the object and the previous attributes for the event's merchant", () => {
    const sealed = pii.seal("email", MERCHANT, "Buyer@Example.test");
    const payload = invoiceEvent(
      { id: "inv_1", customerEmail: sealed, total: "1000" },
      { customerEmail: pii.seal("email", MERCHANT, "old@example.test") },
    );
    const opened = openSealedPayload(payload, MERCHANT, pii);
    expect(opened.data.object).toEqual({ id: "inv_1", customerEmail: "Buyer@Example.test", total: "1000" });
    expect(opened.data.previousAttributes).toEqual({ customerEmail: "old@example.test" });
    // The stored payload is not modified in place.
    expect(payload.data.object.customerEmail).toBe(sealed);
  });

  it("returns plaintext, absent fields and payloads without data as they are", () => {
    const plain = invoiceEvent({ id: "inv_2", customerEmail: "plain@example.test" }, null);
    expect(openSealedPayload(plain, MERCHANT, pii)).toBe(plain);
    const payment = invoiceEvent({ id: "pay_1", amount: "500" }, null);
    expect(openSealedPayload(payment, MERCHANT, pii)).toBe(payment);
    expect(openSealedPayload(null, MERCHANT, pii)).toBeNull();
    expect(openSealedPayload({ id: "evt_x" }, MERCHANT, pii)).toEqual({ id: "evt_x" });
  });

  it("reads an erased address as null, and leaves payloads alone without a vault", () => {
    const sealed = pii.seal("email", MERCHANT, "gone@example.test");
    expect(
      openSealedPayload(invoiceEvent({ customerEmail: "pii1:erased" }, null), MERCHANT, pii).data.object,
    ).toEqual({
      customerEmail: null,
    });
    const payload = invoiceEvent({ customerEmail: sealed }, null);
    expect(openSealedPayload(payload, MERCHANT, null)).toBe(payload);
  });

  it("does not open another merchant's envelope (the merchant is the associated data)", () => {
    const sealed = pii.seal("email", "mer_other", "someone@example.test");
    expect(() => openSealedPayload(invoiceEvent({ customerEmail: sealed }, null), MERCHANT, pii)).toThrow();
  });
});
