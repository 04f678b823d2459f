// Goal: operators find payments (filters, search, cursor pages), see one with
// its timeline, refund it through the core's command (partial, the remaining
// amount enforced, a double submit one refund), decide held payments, and every
// such action leaves an audit row with before and after.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomVisa, type SeededMerchant, seedMerchant, seedPayment } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let acme: SeededMerchant;
let globex: SeededMerchant;
let operator: Browser;

beforeAll(async () => {
  c = await createTestConsole();
  acme = await seedMerchant(c.t.app, "Acme");
  globex = await seedMerchant(c.t.app, "Globex", { holdsGreyZone: true });
  operator = await c.signedIn("OPERATOR");
});
afterAll(async () => {
  await c?.close();
});

async function auditOf(targetId: string) {
  const { entries } = await c.services.operators.listAudit({
    search: targetId,
    operatorId: null,
    beforeId: null,
    first: 100,
  });
  return entries;
}

describe("payments list", () => {
  it("filters, searches by id, last 4, email and PSP reference, and pages with a cursor", async () => {
    const cards = [randomVisa(), "4000056655665556", randomVisa()] as const;
    const eur = await seedPayment(c.t.app, acme, {
      amountMinor: 12_345n,
      currency: "EUR",
      email: "eve@example.com",
      cardNumber: cards[0],
    });
    const jpy = await seedPayment(c.t.app, acme, {
      amountMinor: 500n,
      currency: "JPY",
      cardNumber: cards[1],
    });
    const usd = await seedPayment(c.t.app, globex, {
      amountMinor: 999n,
      email: "Zed@Example.com",
      cardNumber: cards[2],
    });
    const api = await operator.api();

    const all = await api.payments.list({});
    expect(all.payments.map((p) => p.id).slice(0, 3)).toEqual([usd.id, jpy.id, eur.id]);
    expect(all.payments[0]).toMatchObject({ merchantName: "Globex", amountMinor: "999", currency: "USD" });
    // No card number anywhere. (Not "no run of 13 digits": a random PSP reference in hex has one now and then.)
    for (const card of cards) expect(JSON.stringify(all)).not.toContain(card);

    const ids = async (input: Parameters<typeof api.payments.list>[0]) =>
      (await api.payments.list(input)).payments.map((p) => p.id);
    expect(await ids({ merchantId: acme.id })).toEqual([jpy.id, eur.id]);
    expect(await ids({ currency: "EUR", amountMin: "123.45", amountMax: "123.45" })).toEqual([eur.id]);
    expect(await ids({ currency: "EUR", amountMin: "123.46" })).toEqual([]);
    expect(await ids({ currency: "JPY", amountMax: "500" })).toEqual([jpy.id]);
    expect(await ids({ statuses: ["CAPTURED"], merchantId: globex.id })).toEqual([usd.id]);
    expect(await ids({ statuses: ["REFUNDED"] })).toEqual([]);
    expect(await ids({ search: eur.id })).toEqual([eur.id]);
    expect(await ids({ search: "5556" })).toEqual([jpy.id]);
    expect(await ids({ search: "zed@example.com" })).toEqual([usd.id]);
    expect(await ids({ search: usd.pspReference ?? "none" })).toEqual([usd.id]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids({ createdFrom: today, createdTo: today, merchantId: acme.id })).toHaveLength(2);
    expect(await ids({ createdTo: "2020-01-01" })).toEqual([]);

    const first = await api.payments.list({ first: 2 });
    expect(first.payments.map((p) => p.id)).toEqual([usd.id, jpy.id]);
    const second = await api.payments.list({ first: 2, after: first.nextCursor });
    expect(second.payments[0]?.id).toBe(eur.id);

    await expect(api.payments.list({ amountMin: "1.00" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { code: "INVALID_INPUT" },
    });
    await expect(api.payments.list({ currency: "JPY", amountMin: "1.5" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { code: "AMOUNT_INVALID" },
    });
  });
});

describe("payment detail", () => {
  it("shows amounts, the card as brand and last 4, risk, and one timeline", async () => {
    const payment = await seedPayment(c.t.app, acme, { amountMinor: 4_200n, cardNumber: "4242424242424242" });
    const {
      payment: view,
      risk,
      timeline,
    } = await (await operator.api()).payments.detail({ id: payment.id });
    expect(view).toMatchObject({
      amountAuthorizedMinor: "4200",
      amountCapturedMinor: "4200",
      amountRefundedMinor: "0",
      amountRefundableMinor: "4200",
      cardBrand: "visa",
      cardLast4: "4242",
    });
    expect(risk?.decision).toBe("APPROVE");
    expect(new Set(timeline.map((item) => item.kind))).toEqual(new Set(["event", "attempt", "ledger"]));
    expect(JSON.stringify(timeline)).not.toContain("4242424242424242");
    await expect(
      (await operator.api()).payments.detail({ id: "pay_01JZZZZZZZZZZZZZZZZZZZZZZZ" }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("refunds", () => {
  it("refunds partially, enforces the remaining amount, and a double submit makes one refund", async () => {
    const payment = await seedPayment(c.t.app, acme, { amountMinor: 10_000n });
    const api = await operator.api();
    const form = {
      paymentId: payment.id,
      amount: "30.00",
      reason: "damaged item",
      idempotencyKey: "form-key-1",
    };

    const [first, second] = await Promise.all([api.payments.refund(form), api.payments.refund(form)]);
    expect(first.refund.id).toBe(second.refund.id);
    expect([first.replayed, second.replayed].sort()).toEqual([false, true]);
    expect(first.refund).toMatchObject({ amountMinor: "3000", status: "SUCCEEDED" });
    const again = await api.payments.refund(form);
    expect(again).toMatchObject({ replayed: true, refund: { id: first.refund.id } });
    expect(await c.t.countRows("refunds")).toBe(1);

    await expect(
      api.payments.refund({ ...form, amount: "70.01", idempotencyKey: "form-key-2" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", cause: { code: "AMOUNT_EXCEEDS_REFUNDABLE" } });
    const rest = await api.payments.refund({ ...form, amount: "70.00", idempotencyKey: "form-key-3" });
    expect(rest).toMatchObject({
      refund: { amountMinor: "7000" },
      payment: { status: "REFUNDED", amountRefundedMinor: "10000", amountRefundableMinor: "0" },
    });
    await c.t.expectLedgerBalanced();

    const events = await c.t.app.services.queries.eventsOf(acme.actor, payment.id);
    expect(
      events.find((event) => event.type === "refund.succeeded" || event.source === "OPERATOR"),
    ).toMatchObject({
      source: "OPERATOR",
    });

    const audit = await auditOf(payment.id);
    expect(audit.map((entry) => entry.action)).toEqual(["payment.refund", "payment.refund"]);
    expect(audit[1]).toMatchObject({
      operatorEmail: expect.stringMatching(/^operator\d+@example.com$/),
      targetType: "payment",
      before: { status: "CAPTURED", amountRefundedMinor: "0" },
      after: { status: "PARTIALLY_REFUNDED", amountRefundedMinor: "3000", reason: "damaged item" },
    });
  });
});

describe("fraud reviews", () => {
  it("lists held payments oldest first; approve captures, reject cancels; both audited", async () => {
    const held1 = await seedPayment(c.t.app, globex, { greyZone: true, email: "grey1@example.com" });
    const held2 = await seedPayment(c.t.app, globex, { greyZone: true, email: "grey2@example.com" });
    expect([held1.status, held2.status]).toEqual(["REQUIRES_REVIEW", "REQUIRES_REVIEW"]);
    const api = await operator.api();
    const queue = await api.reviews.queue();
    expect(queue.map((item) => item.id)).toEqual([held1.id, held2.id]);
    expect(queue[0]?.riskSignals.map((signal) => signal.name)).toEqual(
      expect.arrayContaining(["country_mismatch"]),
    );

    const approved = await api.reviews.approve({
      paymentId: held1.id,
      note: "called the customer",
      idempotencyKey: "review-key-1",
    });
    expect(approved).toMatchObject({ payment: { status: "CAPTURED" }, errors: [] });
    const rejected = await api.reviews.reject({
      paymentId: held2.id,
      note: "stolen card",
      idempotencyKey: "review-key-2",
    });
    expect(rejected).toMatchObject({ payment: { status: "CANCELLED" }, errors: [] });
    expect(await api.reviews.queue()).toEqual([]);
    await expect(
      api.reviews.approve({ paymentId: held2.id, note: "again", idempotencyKey: "review-key-3" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", cause: { code: "PAYMENT_NOT_IN_REVIEW" } });

    const events = await c.t.app.services.queries.eventsOf(globex.actor, held1.id);
    expect(events.find((event) => event.type === "review.approved")).toMatchObject({
      source: "OPERATOR",
      data: { note: "called the customer" },
    });
    expect((await auditOf(held1.id))[0]).toMatchObject({
      action: "review.approve",
      before: { status: "REQUIRES_REVIEW" },
      after: { status: "CAPTURED", note: "called the customer" },
    });
    expect((await auditOf(held2.id))[0]).toMatchObject({
      action: "review.reject",
      before: { status: "REQUIRES_REVIEW" },
      after: { status: "CANCELLED", note: "stolen card" },
    });
    const searched = await api.audit.list({ search: "review." });
    expect(searched.entries.map((entry) => entry.action)).toEqual(["review.reject", "review.approve"]);
    await c.t.expectLedgerBalanced();
  });

  it("edits the deny and allow lists (normalised as the scorer compares them), audited; viewers only read", async () => {
    const api = await operator.api();
    const { id } = await api.riskLists.add({
      list: "DENY",
      kind: "EMAIL",
      value: " Fraud@Example.COM ",
      note: "chargebacks",
    });
    await expect(api.riskLists.add({ list: "ALLOW", kind: "BIN", value: "42x" })).rejects.toMatchObject({
      cause: { code: "INVALID_INPUT" },
    });
    expect(await api.riskLists.list()).toEqual([
      expect.objectContaining({
        id,
        list: "DENY",
        kind: "EMAIL",
        value: "fraud@example.com",
        merchantId: null,
      }),
    ]);
    const viewer = await (await c.signedIn("VIEWER")).api();
    expect(await viewer.riskLists.list()).toHaveLength(1);
    await expect(viewer.riskLists.remove({ id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await api.riskLists.remove({ id });
    expect(await api.riskLists.list()).toEqual([]);
    expect(
      (await auditOf(id)).map((entry) => [entry.action, entry.before?.value ?? entry.after?.value]),
    ).toEqual([
      ["risk_list.remove", "fraud@example.com"],
      ["risk_list.add", "fraud@example.com"],
    ]);
  });

  it("keeps the audit log append-only in the database", async () => {
    await expect(c.t.app.db.$executeRawUnsafe(`UPDATE operator_audit_log SET action = 'x'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(c.t.app.db.$executeRawUnsafe(`DELETE FROM operator_audit_log`)).rejects.toThrow(
      /append-only/,
    );
  });
});
