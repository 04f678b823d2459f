// Goal: invoices through the core's commands on real Postgres: exact totals stored with their lines; numbers
// 1..n with no gap or duplicate under concurrent finalisations (drafts left unfinalised take none); every status
// change writes its event and outbox message; editing a finalised invoice is refused by the command and, behind
// its back, by the database, whose transition table is the core's table edge for edge.

import type { MerchantId } from "@paycore/core/ids/ids";
import { newId } from "@paycore/core/ids/ids";
import { type InvoiceActor, InvoiceCommands } from "@paycore/core/invoices/invoice-commands";
import { invoiceTransitionEdges } from "@paycore/core/invoices/invoice-state-machine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, Sql } from "../sql";
import { createTestDatabase, prepareTemplateDatabase } from "../testing/test-database";
import { InvoiceStoreRepository } from "./invoice-store.repository";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let pool: ReturnType<typeof createPool> | undefined;
let sql: Sql;
let commands: InvoiceCommands;
let actor: InvoiceActor;

const LINE = { description: "Consulting, December", quantity: 3, unitAmount: "333", taxRateBps: 2000 };

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  pool = createPool({ url: database.url, max: 12 });
  sql = new Sql(pool);
  const merchantId = newId("merchant") as MerchantId;
  await sql.query("INSERT INTO merchants (id, name) VALUES ($1, 'Invoicing merchant')", [merchantId]);
  actor = { merchantId, mode: "TEST", name: "key:test", source: "API" };
  commands = new InvoiceCommands({ store: new InvoiceStoreRepository(sql) });
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
  await prepared?.stop();
});

describe("invoices on Postgres", () => {
  it("stores exact totals, adds lines to a draft, and refuses editing after finalisation", async () => {
    const draft = await commands.create(actor, {
      currency: "USD",
      customerEmail: "Billing@Example.test",
      memo: "Thank you",
      dueDate: "2027-01-31",
      lines: [LINE],
    });
    expect(draft).toMatchObject({
      status: "DRAFT",
      number: null,
      netMinor: 999n,
      taxMinor: 200n,
      totalMinor: 1199n,
    });
    const edited = await commands.addLines(actor, draft.id, [
      { description: "Travel", quantity: 1, unitAmount: "11900", taxRateBps: 1900, taxBehavior: "INCLUSIVE" },
    ]);
    expect(edited.lines.map((line) => [line.position, line.netMinor, line.taxMinor])).toEqual([
      [0, 999n, 200n],
      [1, 10000n, 1900n],
    ]);
    expect(edited).toMatchObject({
      netMinor: 10999n,
      taxMinor: 2100n,
      totalMinor: 13099n,
      dueDate: "2027-01-31",
    });

    const open = await commands.finalize(actor, draft.id);
    expect(open.status).toBe("OPEN");
    await expect(commands.addLines(actor, draft.id, [LINE])).rejects.toMatchObject({
      code: "INVOICE_NOT_EDITABLE",
    });
    await expect(commands.finalize(actor, draft.id)).rejects.toMatchObject({ code: "INVOICE_STATE_INVALID" });
    // Behind the command's back, the database refuses too.
    await expect(
      sql.query(
        `INSERT INTO invoice_lines (id, invoice_id, position, description, quantity, unit_amount_minor, net_minor,
                                    tax_minor, gross_minor) VALUES ($1, $2, 5, 'x', 1, 1, 1, 0, 1)`,
        [newId("invoiceLine"), draft.id],
      ),
    ).rejects.toThrow(/lines are immutable/);
    await expect(
      sql.query("UPDATE invoices SET memo = 'changed', version = version + 1 WHERE id = $1", [draft.id]),
    ).rejects.toThrow(/content is immutable/);
    await expect(
      sql.query("UPDATE invoices SET status = 'DRAFT', version = version + 1 WHERE id = $1", [draft.id]),
    ).rejects.toThrow(/illegal invoice transition/);

    const voided = await commands.void(actor, draft.id);
    expect(voided.status).toBe("VOID");
    await expect(commands.markUncollectible(actor, draft.id)).rejects.toMatchObject({
      code: "INVOICE_STATE_INVALID",
    });
    const events = await sql.query<{ type: string; new_status: string }>(
      "SELECT type, new_status FROM invoice_events WHERE invoice_id = $1 ORDER BY id",
      [draft.id],
    );
    expect(events.map((row) => row.type)).toEqual([
      "invoice.created",
      "invoice.lines_added",
      "invoice.finalized",
      "invoice.voided",
    ]);
    const outbox = await sql.query<{ topic: string; payload: { number: string; totalMinor: string } }>(
      "SELECT topic, payload FROM outbox_messages WHERE aggregate_id = $1 ORDER BY id",
      [draft.id],
    );
    expect(outbox.map((row) => row.topic)).toEqual(["invoice.finalized", "invoice.voided"]);
    expect(outbox[0]?.payload).toMatchObject({ number: open.number?.toString(), totalMinor: "13099" });
  });

  it("numbers concurrent finalisations 1..n per merchant without gaps; drafts take no number", async () => {
    const merchantId = newId("merchant") as MerchantId;
    await sql.query("INSERT INTO merchants (id, name) VALUES ($1, 'Busy merchant')", [merchantId]);
    const busy: InvoiceActor = { ...actor, merchantId };
    const drafts = await Promise.all(
      Array.from({ length: 12 }, () =>
        commands.create(busy, { currency: "JPY", lines: [{ ...LINE, unitAmount: "500" }] }),
      ),
    );
    const finalized = await Promise.all(
      drafts.slice(0, 10).map((draft) => commands.finalize(busy, draft.id)),
    );
    expect(finalized.map((invoice) => Number(invoice.number)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, index) => index + 1),
    );
    // The same invoice finalised twice at once: one wins, the other is refused, and no number is lost.
    const [a, b] = await Promise.allSettled([
      commands.finalize(busy, drafts[10]?.id ?? ""),
      commands.finalize(busy, drafts[10]?.id ?? ""),
    ]);
    expect([a.status, b.status].sort()).toEqual(["fulfilled", "rejected"]);
    const last = await commands.finalize(busy, drafts[11]?.id ?? "");
    expect(last.number).toBe(12n);
    const listed = await commands.list(busy, { first: 100, status: "OPEN" });
    expect(listed).toHaveLength(12);
  });

  it("refuses bad input with typed errors and writes nothing", async () => {
    const before = await sql.query<{ n: bigint }>("SELECT count(*) AS n FROM invoices");
    await expect(
      commands.create(actor, { currency: "USD", lines: [{ ...LINE, taxRateBps: 10_001 }] }),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
      field: ["lines", "0", "taxRateBps"],
    });
    await expect(commands.create(actor, { currency: "USD", dueDate: "2027-02-30" })).rejects.toMatchObject({
      field: ["dueDate"],
    });
    await expect(commands.create(actor, { currency: "XXX1" })).rejects.toMatchObject({
      code: "CURRENCY_INVALID",
    });
    await expect(
      commands.finalize(actor, (await commands.create(actor, { currency: "USD" })).id),
    ).rejects.toMatchObject({
      code: "INVOICE_STATE_INVALID",
    });
    await expect(commands.get(actor, "in_nope")).rejects.toMatchObject({ code: "INVOICE_NOT_FOUND" });
    const after = await sql.query<{ n: bigint }>("SELECT count(*) AS n FROM invoices");
    // Only the empty draft of the finalisation check was written.
    expect(after[0]?.n).toBe((before[0]?.n ?? 0n) + 1n);
  });

  it("holds the core's transition table in the database, edge for edge", async () => {
    const rows = await sql.query<{ from_status: string; to_status: string }>(
      "SELECT from_status, to_status FROM invoice_status_transitions",
    );
    const key = ([from, to]: readonly [string, string]) => `${from}->${to}`;
    expect(rows.map((row) => key([row.from_status, row.to_status])).sort()).toEqual(
      invoiceTransitionEdges().map(key).sort(),
    );
  });
});
