// Goal: the payments list finds a payment by a prefix or substring of its customer's email, description or
// metadata through the trigram indexes (the planner can use them), takes LIKE wildcards literally, refuses
// searches too short to use an index, counts matches with a cap, shows decline reasons; the export walks every
// match in keyset pages without gaps or repeats, and the CSV route streams the filtered list (role-checked,
// audited, formula cells neutralised, a bad filter a 400 with a sentence).
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvExportRoute } from "../../../export/export-route";
import { paymentsExport } from "../../../export/payments-export";
import { type SeededMerchant, seedMerchant, seedPayment } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";
import { paymentFilterOf } from "./list.handler";

let c: TestConsole;
let shop: SeededMerchant;
let viewer: Browser;
const seeded: Record<string, string> = {};

beforeAll(async () => {
  c = await createTestConsole();
  // The CSV route reads the process's console services, as Next's route handler does.
  (globalThis as { paycoreConsoleServices?: unknown }).paycoreConsoleServices = c.services;
  shop = await seedMerchant(c.t.app, "Search Shop");
  const make = async (name: string, options: Parameters<typeof seedPayment>[2]) => {
    seeded[name] = (await seedPayment(c.t.app, shop, options)).id;
  };
  await make("eve", {
    email: "eve.adams@example.com",
    description: "Blue notebook",
    metadata: { order: "ord-7f3a" },
  });
  await make("zed", {
    email: "zed@shop.test",
    description: "50%_off sale",
    metadata: { campaign: "winter", channel: "shoptest" },
  });
  // A common metadata value selects these four (their e-mails are sealed: a part of an address matches nothing).
  const channel = { channel: "shoptest" };
  await make("wild", { email: "wild@shop.test", description: "50xyoff sale", metadata: channel });
  await make("formula", { email: "formula@shop.test", description: '=HYPERLINK("x")', metadata: channel });
  await make("plain", { email: "plain@shop.test", description: "Red pen", metadata: channel });
  viewer = await c.signedIn("VIEWER");
});
afterAll(async () => {
  (globalThis as { paycoreConsoleServices?: unknown }).paycoreConsoleServices = undefined;
  await c?.close();
});

const ids = async (search: string) =>
  (await (await viewer.api()).payments.list({ search, merchantId: shop.id })).payments.map((p) => p.id);

describe("payment search", () => {
  it("finds a whole e-mail (blind index) and a substring of the description or metadata, case-insensitively", async () => {
    // The e-mail is sealed at rest (issue 22): a whole address matches through its blind index, a part never.
    expect(await ids(" Eve.Adams@EXAMPLE.com")).toEqual([seeded.eve]);
    expect(await ids("adams@EXAMPLE")).toEqual([]);
    expect(await ids("eve.ad")).toEqual([]);
    expect(await ids("NOTEBOOK")).toEqual([seeded.eve]);
    expect(await ids("ord-7f")).toEqual([seeded.eve]);
    expect(await ids("winter")).toEqual([seeded.zed]);
    expect(await ids("shop.test")).toEqual([]);
    expect(await ids("wild@shop.test")).toEqual([seeded.wild]);
    expect(await ids("nothing-like-this")).toEqual([]);
    // The exact searches still work: the payment id and a card's last 4.
    expect(await ids(seeded.eve as string)).toEqual([seeded.eve]);
  });

  it("takes LIKE wildcards literally", async () => {
    expect(await ids("50%_off")).toEqual([seeded.zed]);
    expect(await ids("%_o")).toEqual([seeded.zed]);
    expect(await ids("0%_")).toEqual([seeded.zed]);
  });

  it("refuses a substring too short for the index, with a sentence", async () => {
    await expect((await viewer.api()).payments.list({ search: "ev" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/at least 3 characters/),
    });
  });

  it("answers substring searches through the trigram indexes", async () => {
    const plans = await c.t.app.db.$transaction(async (tx) => {
      // A handful of rows would be scanned whatever the indexes: forbid that to see the plan the index gives.
      await tx.$executeRawUnsafe("SET LOCAL enable_seqscan = off");
      const explain = async (condition: string) =>
        (
          await tx.$queryRawUnsafe<Array<{ "QUERY PLAN": string }>>(
            `EXPLAIN SELECT id FROM payments p WHERE ${condition}`,
          )
        )
          .map((row) => row["QUERY PLAN"])
          .join("\n");
      return [
        await explain(`p.customer_email_bidx = '${"0".repeat(64)}'`),
        await explain(`p.description ILIKE '%noteb%'`),
        await explain(`(p.metadata::text) ILIKE '%ord-7f%'`),
      ];
    });
    // The e-mail is sealed at rest: its blind index is an equality on an index (issue 22).
    expect(plans[0]).toContain("payments_customer_email_bidx_idx");
    expect(plans[1]).toContain("payments_description_trgm_idx");
    expect(plans[2]).toContain("payments_metadata_trgm_idx");
  });

  it("counts the matches, with a cap, and shows why a payment was declined", async () => {
    const list = await (await viewer.api()).payments.list({
      search: "shoptest",
      merchantId: shop.id,
      first: 2,
    });
    expect(list).toMatchObject({ count: 4, countCapped: false });
    expect(list.payments).toHaveLength(2);
    const capped = await c.services.paymentSearch.count(
      paymentFilterOf({ statuses: [], merchantId: shop.id }),
      3,
    );
    expect(capped).toEqual({ count: 3, capped: true });

    const declined = await seedPayment(c.t.app, shop, {
      cardNumber: "4000000000009995",
      email: "broke@shop.test",
      metadata: { channel: "shoptest" },
    });
    expect(declined.status).toBe("DECLINED");
    const [row] = (await (await viewer.api()).payments.list({ search: "broke@shop.test" })).payments;
    expect(row).toMatchObject({ id: declined.id, status: "DECLINED", failureCode: "insufficient_funds" });
  });
});

describe("payment page", () => {
  it("shows the metadata, the card fingerprint, and the operator actions on the payment", async () => {
    const operator = await (await c.signedIn("OPERATOR")).api();
    await operator.payments.refund({
      paymentId: seeded.eve as string,
      amount: "1.00",
      reason: "goodwill",
      idempotencyKey: "search-detail-refund",
    });
    const { payment, audit } = await operator.payments.detail({ id: seeded.eve as string });
    expect(payment.metadata).toEqual([{ key: "order", value: "ord-7f3a" }]);
    expect(payment.cardFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(audit).toEqual([
      expect.objectContaining({
        action: "payment.refund",
        before: expect.objectContaining({ amountRefundedMinor: "0" }),
        after: expect.objectContaining({ amountRefundedMinor: "100", reason: "goodwill" }),
      }),
    ]);
    await c.t.expectLedgerBalanced();
  });
});

describe("export paging", () => {
  it("walks every match newest first in keyset pages, with no gap or repeat, up to the row limit", async () => {
    const filter = paymentFilterOf({ statuses: [], merchantId: shop.id, search: "shoptest" });
    const expected = (
      await c.services.paymentSearch.search(filter, { first: 100, after: null })
    ).payments.map((p) => p.id);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const pages: string[][] = [];
    for await (const page of c.services.paymentSearch.walk(filter, { maxRows: 1_000, pageSize: 2 })) {
      pages.push(page.map((p) => p.id));
    }
    expect(pages.every((page) => page.length <= 2)).toBe(true);
    expect(pages.flat()).toEqual(expected);

    const limited: string[] = [];
    for await (const page of c.services.paymentSearch.walk(filter, { maxRows: 3, pageSize: 2 })) {
      limited.push(...page.map((p) => p.id));
    }
    expect(limited).toEqual(expected.slice(0, 3));
  });
});

describe("CSV export route", () => {
  const GET = csvExportRoute(paymentsExport);
  const request = (browser: Browser | null, query: string) =>
    new Request(`http://localhost:3000/payments/export?${query}`, {
      headers: browser
        ? {
            cookie: [...browser.cookies]
              .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
              .join("; "),
          }
        : {},
    });

  it("streams the filtered list as CSV, neutralises formulas, and audits the export", async () => {
    const response = await GET(
      request(viewer, new URLSearchParams({ q: "shoptest", merchant: shop.id }).toString()),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="payments-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const rows = parse(await response.text(), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => row.id)).toEqual(
      expect.arrayContaining([seeded.zed, seeded.formula, seeded.plain]),
    );
    expect(rows.find((row) => row.id === seeded.formula)?.description).toBe('\'=HYPERLINK("x")');
    expect(rows.find((row) => row.id === seeded.zed)).toMatchObject({
      merchant_name: "Search Shop",
      currency: "USD",
      amount: "25.00",
      description: "50%_off sale",
      metadata: '{"channel":"shoptest","campaign":"winter"}',
    });
    const { entries } = await c.services.operators.listAudit({
      search: "export.payments",
      operatorId: null,
      beforeId: null,
      first: 10,
    });
    expect(entries[0]).toMatchObject({ action: "export.payments", targetType: "payments" });
    expect(entries[0]?.after).toMatchObject({
      maxRows: 50_000,
      query: expect.stringContaining("q=shoptest"),
    });
  });

  it("refuses without a session, and answers a bad filter with a sentence", async () => {
    expect((await GET(request(null, ""))).status).toBe(401);
    const bad = await GET(request(viewer, "min=10"));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe("Pick a currency to filter by amount.\n");
    const short = await GET(request(viewer, "q=ab"));
    expect(short.status).toBe(400);
  });
});
