// Goal: the overview counts what needs attention (held payments, payments pending over 5 minutes, escalated PSP
// attempts, dead letters not replayed) and charts the last 14 days: volume, approval, refunds and PSP success.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedMerchant, seedPayment } from "../../../testing/seed";
import { createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;

beforeAll(async () => {
  c = await createTestConsole();
});
afterAll(async () => {
  await c?.close();
});

describe("overview", () => {
  it("counts what needs attention and charts today's payments", async () => {
    const viewer = await c.signedIn("VIEWER");
    const empty = await (await viewer.api()).overview.summary();
    expect(empty.attention).toEqual({
      requiresReview: 0,
      stalePending: 0,
      escalatedAttempts: 0,
      deadLetters: 0,
    });
    expect(empty.days).toHaveLength(14);
    expect(empty.days.at(-1)).toBe(c.clock.now.toISOString().slice(0, 10));
    expect(empty.volume.count).toEqual(Array(14).fill(0));

    const acme = await seedMerchant(c.t.app, "Acme");
    const globex = await seedMerchant(c.t.app, "Globex", { holdsGreyZone: true });
    await seedPayment(c.t.app, acme, { amountMinor: 1_000n, currency: "EUR" });
    const refunded = await seedPayment(c.t.app, acme, { amountMinor: 3_000n, currency: "EUR" });
    await c.t.app.services.commands.refundPayment(acme.actor, {
      idempotencyKey: "overview-refund",
      paymentId: refunded.id,
      amount: "1000",
    });
    await seedPayment(c.t.app, acme, { amountMinor: 500n, currency: "USD", cardNumber: "4000000000000002" });
    await seedPayment(c.t.app, globex, { greyZone: true });
    await seedPayment(c.t.app, globex, { greyZone: true });
    c.t.sandbox.injectFault("authorize", "timeout_before_processing");
    const pending = await seedPayment(c.t.app, acme, { amountMinor: 700n, currency: "USD" });
    expect(pending.status).toBe("PENDING");
    await c.t.app.db
      .$executeRaw`UPDATE psp_attempts SET escalated_at = now() WHERE payment_id = ${pending.id}`;
    await c.t.app.db.$executeRaw`
      INSERT INTO dead_letters (source, reason, payload, replayed_at)
      VALUES ('outbox', 'test', '{}', NULL), ('outbox', 'test', '{}', NULL), ('outbox', 'test', '{}', now())`;

    const api = await viewer.api();
    const now = await api.overview.summary();
    expect(now.attention).toEqual({
      requiresReview: 2,
      stalePending: 0,
      escalatedAttempts: 1,
      deadLetters: 2,
    });

    // Five minutes later the pending payment needs attention too.
    c.clock.now = new Date(c.clock.now.getTime() + 6 * 60_000);
    const later = await api.overview.summary();
    expect(later.attention.stalePending).toBe(1);

    const today = later.days.length - 1;
    expect(later.volume.count[today]).toBe(6);
    expect(later.volume.amountByCurrency.EUR?.[today]).toBe("4000");
    expect(later.volume.amountByCurrency.USD?.[today]).toBe(String(500 + 700 + 150_000 * 2));
    // Decided: two EUR approvals and one decline (held and pending ones are not decided yet).
    expect(later.approvalRate[today]).toBeCloseTo(2 / 3, 5);
    expect(later.approvalRate[0]).toBeNull();
    expect(later.refundRateByCurrency.EUR?.[today]).toBeCloseTo(1_000 / 4_000, 5);
    const psp = Object.values(later.pspSuccessByPsp).map((values) => values[today]);
    expect(psp.length).toBeGreaterThan(0);
    for (const rate of psp) {
      expect(rate).toBeGreaterThan(0);
      expect(rate).toBeLessThanOrEqual(1);
    }
  });
});
