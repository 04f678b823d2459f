// Goal: the fake payment store refuses what the Postgres store refuses, so unit tests of the commands can
// trust it: a change decided on a stale version or status writes nothing and answers null (a lost race), and
// a change whose idempotency key was taken over writes nothing either.
import { describe, expect, it } from "vitest";
import { newId } from "../ids/ids";
import { paymentIn, paymentKit } from "./payment-test-kit";

describe("InMemoryPaymentStore.applyPaymentChange", () => {
  it.each([
    { what: "the version read", stale: { version: 2 } },
    { what: "the status read", stale: { status: "PENDING" as const } },
  ])("refuses a change decided on an old $what, writing nothing", async ({ stale }) => {
    const { store, actor } = paymentKit();
    const payment = paymentIn(actor, "AUTHORIZED");
    store.seedPayment(payment);
    const change = { patch: { pendingOperation: "CAPTURE" as const }, events: [], outbox: [] };
    expect(
      await store.applyPaymentChange(actor, { ...change, decidedOn: { ...payment, ...stale } }),
    ).toBeNull();
    expect(await store.findPayment(actor, payment.id)).toEqual(payment);

    const applied = await store.applyPaymentChange(actor, { ...change, decidedOn: payment });
    expect(applied?.payment).toMatchObject({ version: payment.version + 1, pendingOperation: "CAPTURE" });
    // The first change moved the version on: the same change again lost the race.
    expect(await store.applyPaymentChange(actor, { ...change, decidedOn: payment })).toBeNull();
  });

  it("refuses a change whose request lost its key to a take-over, writing nothing", async () => {
    const { store, idempotencyStore, actor } = paymentKit();
    const payment = paymentIn(actor, "AUTHORIZED");
    store.seedPayment(payment);
    const recordId = newId("idempotencyRecord");
    const scope = {
      merchantId: actor.merchantId,
      mode: actor.mode,
      keyKind: "SECRET" as const,
      key: "key-1",
    };
    const held = {
      operation: "capturePayment",
      requestHash: "h",
      lockedUntil: new Date(1_000),
      expiresAt: new Date(9e12),
    };
    const recordCreatedAt = new Date(500);
    await idempotencyStore.insertOrGet({ id: recordId, createdAt: recordCreatedAt, scope, ...held });
    const change = {
      decidedOn: payment,
      patch: { pendingOperation: "CAPTURE" as const },
      events: [],
      outbox: [],
      idempotency: { recordId, recordCreatedAt, lockedUntil: new Date(2_000) },
    };
    await expect(store.applyPaymentChange(actor, change)).rejects.toMatchObject({
      code: "IDEMPOTENCY_IN_PROGRESS",
    });
    expect(await store.findPayment(actor, payment.id)).toEqual(payment);
  });

  it("answers nothing for another merchant's payment", async () => {
    const { store, actor } = paymentKit();
    const payment = paymentIn(actor, "AUTHORIZED");
    store.seedPayment(payment);
    const other = { ...actor, merchantId: newId("merchant") };
    expect(await store.findPayment(other, payment.id)).toBeNull();
    expect(
      await store.applyPaymentChange(other, { decidedOn: payment, patch: {}, events: [], outbox: [] }),
    ).toBeNull();
  });
});
