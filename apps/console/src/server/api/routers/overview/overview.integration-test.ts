// Goal: the overview counts what needs attention (held payments, payments pending over 5 minutes, escalated PSP
// attempts, dead letters not replayed) and charts the last 14 days: volume (live captured money only, summed
// without overflow), approval, refunds and PSP success; no merchant's payments can make it fail.
import type { CurrencyCode } from "@paycore/core/money/currency";
import { parseCurrency } from "@paycore/core/money/currency";
import { maxAmountMinor } from "@paycore/core/money/money";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newKey, seedMerchant, seedPayment } from "../../../testing/seed";
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
    // Every payment above is a test payment: none of them is volume.
    expect(later.volume.count).toEqual(Array(14).fill(0));
    expect(later.volume.amountByCurrency).toEqual({});
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

  it("still answers after eight declined test payments of the maximum amount, which are not volume", async () => {
    const merchant = await seedMerchant(c.t.app, "Mallory");
    const maximum = maxAmountMinor(parseCurrency("USD") as CurrencyCode);
    for (let index = 0; index < 8; index++) {
      const payment = await seedPayment(c.t.app, merchant, {
        amountMinor: maximum,
        currency: "USD",
        cardNumber: "4000000000000002",
      });
      expect(payment.status).toBe("DECLINED");
    }
    // One above the maximum never gets in.
    await expect(
      seedPayment(c.t.app, merchant, { amountMinor: maximum + 1n, currency: "USD" }),
    ).rejects.toMatchObject({ code: "AMOUNT_TOO_LARGE" });
    const summary = await (await (await c.signedIn("VIEWER")).api()).overview.summary();
    expect(summary.volume.amountByCurrency.USD).toBeUndefined();
  });

  it("sums live captured volume past a signed 64-bit integer exactly", async () => {
    const merchant = await seedMerchant(c.t.app, "Initech");
    const captured = await seedPayment(c.t.app, merchant, { amountMinor: 2_500n, currency: "EUR" });
    const authorizedOnly = await seedPayment(c.t.app, merchant, { amountMinor: 1_000n, currency: "EUR" });
    // No live PSP exists yet, so live payments are copies of test ones; the copies' amounts are set past what
    // the API accepts (the column allows them, and old rows may hold them) so their sum leaves int64.
    const copyAsLive = (id: string, amountMinor: bigint, capturedMinor: bigint) =>
      c.t.app.db.$executeRaw`
        INSERT INTO payments
        SELECT (jsonb_populate_record(p, jsonb_build_object(
                  'id', ${`pay_live_${newKey()}`}::text, 'mode', 'LIVE',
                  'status', ${capturedMinor > 0n ? "CAPTURED" : "AUTHORIZED"}::text,
                  'amount_minor', ${amountMinor.toString()}::numeric,
                  'amount_captured_minor', ${capturedMinor.toString()}::numeric,
                  'amount_capturable_minor', ${(amountMinor - capturedMinor).toString()}::numeric,
                  'amount_refunded_minor', 0, 'amount_refund_pending_minor', 0,
                  'psp_reference', NULL, 'pending_operation', NULL))).*
          FROM payments p WHERE p.id = ${id}::text`;
    const huge = 9_000_000_000_000_000_000n;
    await copyAsLive(captured.id, huge, huge);
    await copyAsLive(captured.id, huge, huge);
    await copyAsLive(captured.id, 2_500n, 2_500n);
    await copyAsLive(authorizedOnly.id, 1_000n, 0n);

    const summary = await (await (await c.signedIn("VIEWER")).api()).overview.summary();
    const today = summary.days.length - 1;
    expect(summary.volume.count[today]).toBe(3);
    expect(summary.volume.amountByCurrency).toEqual({
      EUR: [...Array(13).fill("0"), (huge * 2n + 2_500n).toString()],
    });
  });
});
