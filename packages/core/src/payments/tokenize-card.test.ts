// Goal: tokenizeCard, on the in-memory fakes, keeps the card number only encrypted (bound to the payment method's
// id) with a keyed fingerprint, never the security code; replays the same payment method for the same key and
// card and refuses the key with another card; refuses each bad card with its typed code before anything is stored.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import type { PaymentMethodId } from "../ids/ids";
import { paymentKit } from "../testing/payment-test-kit";
import { decryptPan, fingerprintPan } from "../vault/card-vault";
import { tokenizeCard } from "./tokenize-card";

const NUMBER = "4242424242424242";
const CARD = { number: NUMBER, expMonth: 12, expYear: 2030, cvc: "123" };

describe("tokenizeCard", () => {
  it("stores the number encrypted under the method's id, with brand, last4 and a keyed fingerprint, and no CVC", async () => {
    const kit = paymentKit();
    const { value, replayed } = await tokenizeCard(kit.deps, kit.actor, {
      idempotencyKey: "tok-1",
      card: CARD,
    });
    const method = value.paymentMethod;
    expect(replayed).toBe(false);
    expect(method).toMatchObject({
      brand: "visa",
      last4: "4242",
      expMonth: 12,
      expYear: 2030,
      bin: "42424242",
    });
    expect(method.fingerprint).toBe(fingerprintPan(kit.deps.vault, NUMBER));

    const stored = await kit.store.findPaymentMethodWithPan(kit.actor, method.id as PaymentMethodId);
    if (!stored) throw new Error("the payment method was not stored");
    expect(stored.encryptedPan.ciphertext.includes(Buffer.from(NUMBER))).toBe(false);
    expect(decryptPan(kit.deps.vault, stored.encryptedPan, method.id)).toBe(NUMBER);
    // Bound to its own id: the ciphertext cannot be moved to another payment method.
    expect(() => decryptPan(kit.deps.vault, stored.encryptedPan, "pm_other")).toThrow();
    expect(JSON.stringify(stored.method)).not.toContain(NUMBER);
    expect(Object.keys(stored.method).some((name) => /cvc|cvv|security/i.test(name))).toBe(false);
  });

  it("replays the same payment method for the same key and card, and refuses the key with another card", async () => {
    const kit = paymentKit();
    const first = await tokenizeCard(kit.deps, kit.actor, { idempotencyKey: "tok-1", card: CARD });
    const again = await tokenizeCard(kit.deps, kit.actor, { idempotencyKey: "tok-1", card: CARD });
    expect(again.replayed).toBe(true);
    expect(again.value.paymentMethod.id).toBe(first.value.paymentMethod.id);

    const other = { ...CARD, number: "5555555555554444" };
    await expect(
      tokenizeCard(kit.deps, kit.actor, { idempotencyKey: "tok-1", card: other }),
    ).rejects.toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
    });
  });

  it.each([
    {
      name: "a number failing Luhn",
      card: { ...CARD, number: "4242424242424241" },
      code: "CARD_NUMBER_INVALID",
    },
    {
      name: "letters in the number",
      card: { ...CARD, number: "4242abcd42424242" },
      code: "CARD_NUMBER_INVALID",
    },
    { name: "month 13", card: { ...CARD, expMonth: 13 }, code: "CARD_EXPIRY_INVALID" },
    { name: "an expired card", card: { ...CARD, expMonth: 1, expYear: 2021 }, code: "CARD_EXPIRED" },
    { name: "a 2-digit CVC", card: { ...CARD, cvc: "12" }, code: "CARD_CVC_INVALID" },
  ])("refuses $name as $code and stores nothing", async ({ card, code }) => {
    const kit = paymentKit();
    const refused = await tokenizeCard(kit.deps, kit.actor, { idempotencyKey: "tok-bad", card }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe(code);
    // The same key is still free: nothing was recorded for it.
    const valid = await tokenizeCard(kit.deps, kit.actor, { idempotencyKey: "tok-bad", card: CARD });
    expect(valid.replayed).toBe(false);
  });
});
