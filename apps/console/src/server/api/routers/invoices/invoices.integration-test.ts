// Goal: operators see invoices across merchants with counts per status and each invoice's lines, taxes, links and
// timeline; an operator voids or writes one off through the core command, audited in the same transaction, and
// a viewer cannot; a refused transition is a typed error that changes nothing.
import type { MerchantId } from "@paycore/core/ids/ids";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
