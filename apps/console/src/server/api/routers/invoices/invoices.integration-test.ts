// Goal: operators see invoices across merchants with counts per status and each invoice's lines, taxes, links and
// timeline; an operator voids or writes one off through the core command, audited in the same transaction, and
// a viewer cannot; a refused transition is a typed error that changes nothing. The filtered list exports as CSV
// (every page of it, totals as exact decimals), audited.
import type { MerchantId } from "@paycore/core/ids/ids";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvExportRoute } from "../../../export/export-route";
import { invoicesExport } from "../../../export/invoices-export";
import { seedMerchant } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let viewer: Browser;
let operator: Browser;

beforeAll(async () => {
  c = await createTestConsole();
  viewer = await c.signedIn("VIEWER");
  operator = await c.signedIn("OPERATOR");
});
afterAll(async () => {
  await c?.close();
});

const key = () => `k${Math.random().toString(36).slice(2, 14)}`;

describe("invoices in the console", () => {
  it("lists, shows, voids and writes off invoices through the core command, audited", async () => {
    const app = c.t.app;
    const merchant = await seedMerchant(app, `Invoices ${Math.random().toString(36).slice(2, 8)}`);
    const actor = {
      merchantId: merchant.id as MerchantId,
      mode: "TEST" as const,
      name: "test",
      source: "API" as const,
    };
    const commands = app.services.invoiceCommands;
    const open = async (description: string) => {
      const draft = await commands.create(actor, {
        idempotencyKey: key(),
        currency: "USD",
        customerEmail: "billing@example.test",
        lines: [{ description, quantity: 2, unitAmount: "1000", taxRateBps: 1950 }],
      });
      return (await commands.finalize(actor, key(), draft.value.id)).value;
    };
    const first = await open("Consulting");
    const second = await open("Support");
    await commands.create(actor, { idempotencyKey: key(), currency: "USD" });

    const list = await (await viewer.api()).invoices.list({ merchantId: merchant.id });
    expect(list.invoices.map((invoice) => invoice.id)).toContain(first.id);
    expect(list.counts).toEqual({ OPEN: 2, DRAFT: 1 });
    const drafts = await (await viewer.api()).invoices.list({ merchantId: merchant.id, status: "DRAFT" });
    expect(drafts.invoices).toHaveLength(1);

    const detail = await (await viewer.api()).invoices.detail({ id: first.id });
    expect(detail).toMatchObject({
      status: "OPEN",
      number: "1",
      net: "2000",
      tax: "390",
      total: "2390",
      taxLines: [{ label: "Tax 19.5% (added)", amount: "390" }],
    });
    expect(detail.links?.pdfUrl).toMatch(/\/documents\/invoices\/in_[0-9A-Z]{26}\/[0-9a-f]{32}\.pdf$/);
    expect(detail.timeline.map((event) => event.type)).toEqual(["invoice.created", "invoice.finalized"]);

    await expect(
      (await viewer.api()).invoices.action({
        id: first.id,
        action: "VOID",
        confirm: true,
        idempotencyKey: key(),
      }),
    ).rejects.toThrow();
    const voided = await (await operator.api()).invoices.action({
      id: first.id,
      action: "VOID",
      confirm: true,
      idempotencyKey: key(),
    });
    expect(voided.status).toBe("VOID");
    const writtenOff = await (await operator.api()).invoices.action({
      id: second.id,
      action: "MARK_UNCOLLECTIBLE",
      confirm: true,
      idempotencyKey: key(),
    });
    expect(writtenOff.status).toBe("UNCOLLECTIBLE");
    // A voided invoice cannot be written off: a typed error, nothing changed.
    await expect(
      (await operator.api()).invoices.action({
        id: first.id,
        action: "MARK_UNCOLLECTIBLE",
        confirm: true,
        idempotencyKey: key(),
      }),
    ).rejects.toThrow(/VOID/);
    expect((await (await viewer.api()).invoices.detail({ id: first.id })).status).toBe("VOID");

    const audit = await app.sql.query<{ action: string; operator_id: string | null }>(
      "SELECT action, operator_id FROM operator_audit_log WHERE target_type = 'invoice' AND target_id = ANY($1) ORDER BY id",
      [[first.id, second.id]],
    );
    expect(audit.map((row) => row.action)).toEqual(["invoice.voided", "invoice.marked_uncollectible"]);
    expect(audit.every((row) => row.operator_id !== null)).toBe(true);
    const timeline = await (await viewer.api()).invoices.detail({ id: first.id });
    expect(timeline.timeline.at(-1)).toMatchObject({ type: "invoice.voided", source: "OPERATOR" });
  });
});

describe("the invoices CSV export", () => {
  it("streams the filtered list across keyset pages, totals as decimals in their currency, audited", async () => {
    const app = c.t.app;
    const merchantName = `Invoice export ${Math.random().toString(36).slice(2, 8)}`;
    const merchant = await seedMerchant(app, merchantName);
    const actor = {
      merchantId: merchant.id as MerchantId,
      mode: "TEST" as const,
      name: "test",
      source: "API" as const,
    };
    const commands = app.services.invoiceCommands;
    const draft = await commands.create(actor, {
      idempotencyKey: key(),
      currency: "USD",
      customerEmail: "billing@example.test",
      lines: [{ description: "Consulting", quantity: 2, unitAmount: "1000", taxRateBps: 1950 }],
    });
    const usd = (await commands.finalize(actor, key(), draft.value.id)).value;
    const yen = (
      await commands.create(actor, {
        idempotencyKey: key(),
        currency: "JPY",
        lines: [{ description: "Support", quantity: 3, unitAmount: "500" }],
      })
    ).value;
    // More drafts than one page of the list (INVOICE_LIST_LIMIT_MAX = 100), so the export walks its keyset pages.
    const extraDrafts = 101;
    for (let batch = 0; batch < extraDrafts; batch += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, extraDrafts - batch) }, () =>
          commands.create(actor, { idempotencyKey: key(), currency: "EUR" }),
        ),
      );
    }

    const GET = csvExportRoute(invoicesExport);
    const request = (browser: Browser | null, query: string) =>
      new Request(`http://localhost:3000/invoices/export?${query}`, {
        headers: browser
          ? {
              cookie: [...browser.cookies]
                .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
                .join("; "),
            }
          : {},
      });
    const rowsOf = async (response: Response) =>
      parse(await response.text(), { columns: true }) as Array<Record<string, string>>;
    // The route reads the console's services as the app does (a process global), set for this test only.
    const global = globalThis as { paycoreConsoleServices?: unknown };
    global.paycoreConsoleServices = c.services;
    try {
      const response = await GET(request(viewer, `merchant=${merchant.id}&mode=&status=`));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
      expect(response.headers.get("content-disposition")).toMatch(
        /filename="invoices-\d{4}-\d{2}-\d{2}\.csv"/,
      );
      const all = await rowsOf(response);
      expect(all).toHaveLength(extraDrafts + 2);
      expect(new Set(all.map((row) => row.id)).size).toBe(all.length);
      // Newest first, as the page lists them.
      expect(all.map((row) => row.id)).toEqual([...all.map((row) => row.id)].sort().reverse());
      expect(all.every((row) => row.merchant_id === merchant.id && row.mode === "TEST")).toBe(true);
      expect(all.find((row) => row.id === usd.id)).toEqual({
        id: usd.id,
        number: "1",
        created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        merchant_id: merchant.id,
        merchant_name: merchantName,
        mode: "TEST",
        status: "OPEN",
        currency: "USD",
        total: "23.90",
        customer_email: "billing@example.test",
        due_date: expect.any(String),
      });
      // A currency without minor units has no decimal point.
      expect(all.find((row) => row.id === yen.id)).toMatchObject({
        status: "DRAFT",
        number: "",
        currency: "JPY",
        total: "1500",
      });

      const open = await rowsOf(await GET(request(viewer, `merchant=${merchant.id}&status=OPEN`)));
      expect(open.map((row) => row.id)).toEqual([usd.id]);
      const live = await rowsOf(await GET(request(viewer, `merchant=${merchant.id}&mode=LIVE`)));
      expect(live).toEqual([]);

      const audit = await app.sql.query<{ action: string; after: { query: string } }>(
        "SELECT action, after FROM operator_audit_log WHERE action = 'export.invoices' AND after->>'query' LIKE $1 ORDER BY id",
        [`%${merchant.id}%`],
      );
      expect(audit.map((row) => row.after.query)).toEqual([
        `merchant=${merchant.id}&mode=&status=`,
        `merchant=${merchant.id}&status=OPEN`,
        `merchant=${merchant.id}&mode=LIVE`,
      ]);

      const bad = await GET(request(viewer, "status=PAID_TWICE"));
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/^Invalid filter: status/);
      expect((await GET(request(null, ""))).status).toBe(401);
    } finally {
      global.paycoreConsoleServices = undefined;
    }
  });
});
