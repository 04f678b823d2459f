// Goal: no string an operator sends can make a console procedure fail with a 500 or store a card number in
// clear. Control characters (a NUL reached Postgres and failed the query) and card numbers in names and notes
// are BAD_REQUEST; refund reasons and review notes go through the core and carry its code.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedMerchant, seedPayment } from "../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../testing/test-console";

let c: TestConsole;
let admin: Browser;
let operator: Browser;

beforeAll(async () => {
  c = await createTestConsole();
  admin = await c.signedIn("ADMIN");
  operator = await c.signedIn("OPERATOR");
});
afterAll(async () => {
  await c?.close();
});

const NUL = "\u0000";
const CARD = "4000 0566 5566 5556";

describe("control characters", () => {
  it.each([
    ["a payments search", (api: Api) => api.payments.list({ search: `buyer${NUL}` })],
    ["a merchant filter", (api: Api) => api.payments.list({ merchantId: `mer_${NUL}` })],
    ["a pagination cursor", (api: Api) => api.payments.list({ after: `x${NUL}` })],
    ["a payment id", (api: Api) => api.payments.detail({ id: `pay_${NUL}` })],
    ["an audit search", (api: Api) => api.audit.list({ search: `x${NUL}` })],
    ["a merchant id", (api: Api) => api.merchants.detail({ merchantId: `mer_${NUL}` })],
    ["a merchant name", (api: Api) => api.merchants.create({ ...SETTINGS, name: `Acme${NUL}` })],
    [
      "a list note",
      (api: Api) => api.riskLists.add({ list: "DENY", kind: "BIN", value: "400005", note: `bad${NUL}` }),
    ],
    ["a list value", (api: Api) => api.riskLists.add({ list: "DENY", kind: "EMAIL", value: `a${NUL}@b.co` })],
  ])("refuses NUL in %s as BAD_REQUEST", async (_label, call) => {
    await expect(call(await admin.api())).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses NUL in the sign-in email as BAD_REQUEST", async () => {
    const api = await c.browser().api();
    await expect(
      api.auth.signIn({ email: `admin${NUL}@example.com`, password: "whatever12345" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("keeps line breaks in a list note", async () => {
    const entry = await (await admin.api()).riskLists.add({
      list: "DENY",
      kind: "BIN",
      value: "400006",
      note: "ring seen twice\nsee ticket 812",
    });
    expect(entry).toBeDefined();
  });
});

describe("card numbers", () => {
  it.each([
    ["a merchant name", (api: Api) => api.merchants.create({ ...SETTINGS, name: `Shop ${CARD}` })],
    [
      "a list note",
      (api: Api) => api.riskLists.add({ list: "DENY", kind: "BIN", value: "400007", note: `stolen ${CARD}` }),
    ],
  ])("refuses a card number in %s, and stores nothing", async (_label, call) => {
    const before = {
      merchants: await c.t.countRows("merchants"),
      lists: await c.t.countRows("risk_list_entries"),
    };
    await expect(call(await admin.api())).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect({
      merchants: await c.t.countRows("merchants"),
      lists: await c.t.countRows("risk_list_entries"),
    }).toEqual(before);
  });
});

describe("through the core", () => {
  it.each([
    ["NUL in a refund reason", `damaged${NUL}`, "INVALID_INPUT"],
    ["a card number in a refund reason", `card ${CARD}`, "CARD_NUMBER_IN_TEXT"],
  ])("refuses %s with the core's code", async (_label, reason, domainCode) => {
    const merchant = await seedMerchant(c.t.app, "Refunds Co");
    const payment = await seedPayment(c.t.app, merchant, { amountMinor: 5_000n });
    const refunds = await c.t.countRows("refunds");
    const error = await (await operator.api()).payments
      .refund({ paymentId: payment.id, amount: "10.00", reason, idempotencyKey: `form-${randomUUID()}` })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "BAD_REQUEST", cause: { code: domainCode, field: ["reason"] } });
    expect(await c.t.countRows("refunds")).toBe(refunds);
  });

  it("refuses a card number in a review note with the core's code", async () => {
    const merchant = await seedMerchant(c.t.app, "Reviews Co", { holdsGreyZone: true });
    const held = await seedPayment(c.t.app, merchant, { greyZone: true });
    expect(held.status).toBe("REQUIRES_REVIEW");
    const error = await (await operator.api()).reviews
      .approve({ paymentId: held.id, note: `called ${CARD}`, idempotencyKey: "review-note-card" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "BAD_REQUEST",
      cause: { code: "CARD_NUMBER_IN_TEXT", field: ["note"] },
    });
  });
});

type Api = Awaited<ReturnType<Browser["api"]>>;

const SETTINGS = { feeRateBps: 290, feeFixedMinor: "30", riskReviewThreshold: 60, riskDeclineThreshold: 80 };
