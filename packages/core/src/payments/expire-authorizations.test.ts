// Goal: an authorization left uncaptured gets a warning event once, a day before its window closes, and is voided
// through the cancel path before the window closes; a payment captured meanwhile is left alone.
import { describe, expect, it } from "vitest";
import { paymentIn, paymentKit, TEST_NOW } from "../testing/payment-test-kit";
import {
  type AuthorizationExpiryStore,
  DEFAULT_AUTHORIZATION_WINDOWS,
  type DueAuthorization,
  expireAuthorizations,
} from "./expire-authorizations";

const HOUR = 60 * 60_000;

function storeOf(due: DueAuthorization[]): AuthorizationExpiryStore {
  return { dueAuthorizations: async () => due };
}

describe("expireAuthorizations", () => {
  it("warns once a day ahead, then voids an hour before the window closes", async () => {
    const kit = paymentKit();
    kit.psp.answer("void", { outcome: "succeeded", pspReference: "void_1" });
    const payment = paymentIn(kit.actor, "AUTHORIZED");
    kit.store.seedPayment(payment);
    const soon = { ...payment, paymentId: payment.id, expiresAt: new Date(TEST_NOW.getTime() + 20 * HOUR) };
    const warn = await expireAuthorizations(
      kit.deps,
      storeOf([{ ...soon, warned: false }]),
      DEFAULT_AUTHORIZATION_WINDOWS,
    );
    expect(warn).toEqual({ warned: 1, voided: 0, failed: 0 });
    expect(kit.store.events.map((event) => event.type)).toEqual(["authorization.expiring"]);
    expect((await kit.store.findPayment(kit.actor, payment.id))?.status).toBe("AUTHORIZED");
    // Already warned and not due for the void yet: nothing.
    expect(
      await expireAuthorizations(
        kit.deps,
        storeOf([{ ...soon, warned: true }]),
        DEFAULT_AUTHORIZATION_WINDOWS,
      ),
    ).toEqual({ warned: 0, voided: 0, failed: 0 });

    const closing = { ...soon, warned: true, expiresAt: new Date(TEST_NOW.getTime() + 30 * 60_000) };
    expect(await expireAuthorizations(kit.deps, storeOf([closing]), DEFAULT_AUTHORIZATION_WINDOWS)).toEqual({
      warned: 0,
      voided: 1,
      failed: 0,
    });
    expect((await kit.store.findPayment(kit.actor, payment.id))?.status).toBe("CANCELLED");
    expect(kit.psp.count("void")).toBe(1);
    expect(kit.store.events.map((event) => event.type)).toContain("authorization.expired");
  });

  it("a payment captured meanwhile is not voided (counted failed, nothing sent)", async () => {
    const kit = paymentKit();
    const payment = paymentIn(kit.actor, "CAPTURED");
    kit.store.seedPayment(payment);
    const due = {
      paymentId: payment.id,
      merchantId: payment.merchantId,
      mode: payment.mode,
      expiresAt: new Date(TEST_NOW.getTime() + 10 * 60_000),
      warned: true,
    };
    expect(await expireAuthorizations(kit.deps, storeOf([due]), DEFAULT_AUTHORIZATION_WINDOWS)).toEqual({
      warned: 0,
      voided: 0,
      failed: 1,
    });
    expect(kit.psp.calls).toEqual([]);
  });
});
