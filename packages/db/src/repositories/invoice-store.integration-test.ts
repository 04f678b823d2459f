// Goal: invoices through the core's commands on real Postgres: exact totals stored with their lines; numbers
// 1..n with no gap or duplicate under concurrent finalisations (drafts left unfinalised take none); every status
// change writes its event and outbox message; editing a finalised invoice is refused by the command and, behind
// its back, by the database, whose transition table is the core's table edge for edge.

import { randomBytes } from "node:crypto";
import {
  DEFAULT_IDEMPOTENCY_OPTIONS,
  IdempotencyService,
} from "@paycore/core/idempotency/idempotency-service";
import type { MerchantId } from "@paycore/core/ids/ids";
import { newId } from "@paycore/core/ids/ids";
import { type InvoiceActor, InvoiceCommands } from "@paycore/core/invoices/invoice-commands";
import { invoiceTransitionEdges } from "@paycore/core/invoices/invoice-state-machine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, Sql } from "../sql";
import { createTestDatabase, prepareTemplateDatabase } from "../testing/test-database";
import { testPiiVault } from "../testing/test-pii-vault";
import { PostgresIdempotencyStore } from "./idempotency.repository";
import { InvoiceStoreRepository } from "./invoice-store.repository";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let pool: ReturnType<typeof createPool> | undefined;
let sql: Sql;
let commands: InvoiceCommands;
let actor: InvoiceActor;

const LINE = { description: "Consulting, December", quantity: 3, unitAmount: "333", taxRateBps: 2000 };

const key = () => `key_${randomBytes(8).toString("hex")}`;
/** The commands under a fresh idempotency key each: the answers' values. */
const invoices = {
  create: async (a: InvoiceActor, input: Omit<Parameters<InvoiceCommands["create"]>[1], "idempotencyKey">) =>
    (await commands.create(a, { idempotencyKey: key(), ...input })).value,
  addLines: async (a: InvoiceActor, id: string, lines: Parameters<InvoiceCommands["addLines"]>[3]) =>
    (await commands.addLines(a, key(), id, lines)).value,
  finalize: async (a: InvoiceActor, id: string) => (await commands.finalize(a, key(), id)).value,
  void: async (a: InvoiceActor, id: string) => (await commands.void(a, key(), id)).value,
  markUncollectible: async (a: InvoiceActor, id: string) =>
    (await commands.markUncollectible(a, key(), id)).value,
  get: (a: InvoiceActor, id: string) => commands.get(a, id),
  list: (a: InvoiceActor, options: Parameters<InvoiceCommands["list"]>[1]) => commands.list(a, options),
};

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  pool = createPool({ url: database.url, max: 12 });
  sql = new Sql(pool);
  const merchantId = newId("merchant") as MerchantId;
  await sql.query("INSERT INTO merchants (id, name) VALUES ($1, 'Invoicing merchant')", [merchantId]);
  actor = { merchantId, mode: "TEST", name: "key:test", source: "API" };
  const idempotency = new IdempotencyService(new PostgresIdempotencyStore(sql), null, {
    ...DEFAULT_IDEMPOTENCY_OPTIONS,
    hashSecret: randomBytes(32),
  });
  commands = new InvoiceCommands({ store: new InvoiceStoreRepository(sql, testPiiVault()), idempotency });
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
  await prepared?.stop();
});

describe("invoices on Postgres", () => {
  it("stores exact totals, adds lines to a draft, and refuses editing after finalisation", async () => {
    const draft = await invoices.create(actor, {
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
    const edited = await invoices.addLines(actor, draft.id, [
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

    const open = await invoices.finalize(actor, draft.id);
    expect(open.status).toBe("OPEN");
    await expect(invoices.addLines(actor, draft.id, [LINE])).rejects.toMatchObject({
      code: "INVOICE_NOT_EDITABLE",
    });
    await expect(invoices.finalize(actor, draft.id)).rejects.toMatchObject({ code: "INVOICE_STATE_INVALID" });
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

    const voided = await invoices.void(actor, draft.id);
    expect(voided.status).toBe("VOID");
    await expect(invoices.markUncollectible(actor, draft.id)).rejects.toMatchObject({
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
        invoices.create(busy, { currency: "JPY", lines: [{ ...LINE, unitAmount: "500" }] }),
      ),
    );
    const finalized = await Promise.all(
      drafts.slice(0, 10).map((draft) => invoices.finalize(busy, draft.id)),
    );
    expect(finalized.map((invoice) => Number(invoice.number)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, index) => index + 1),
    );
    // The same invoice finalised twice at once: one wins, the other is refused, and no number is lost.
    const [a, b] = await Promise.allSettled([
      invoices.finalize(busy, drafts[10]?.id ?? ""),
      invoices.finalize(busy, drafts[10]?.id ?? ""),
    ]);
    expect([a.status, b.status].sort()).toEqual(["fulfilled", "rejected"]);
    const last = await invoices.finalize(busy, drafts[11]?.id ?? "");
    expect(last.number).toBe(12n);
    const listed = await invoices.list(busy, { first: 100, status: "OPEN" });
    expect(listed).toHaveLength(12);
  });

  it("refuses bad input with typed errors and writes nothing", async () => {
    const before = await sql.query<{ n: bigint }>("SELECT count(*) AS n FROM invoices");
    await expect(
      invoices.create(actor, { currency: "USD", lines: [{ ...LINE, taxRateBps: 10_001 }] }),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
      field: ["lines", "0", "taxRateBps"],
    });
    await expect(invoices.create(actor, { currency: "USD", dueDate: "2027-02-30" })).rejects.toMatchObject({
      field: ["dueDate"],
    });
    await expect(invoices.create(actor, { currency: "XXX1" })).rejects.toMatchObject({
      code: "CURRENCY_INVALID",
    });
    await expect(
      invoices.finalize(actor, (await invoices.create(actor, { currency: "USD" })).id),
    ).rejects.toMatchObject({
      code: "INVOICE_STATE_INVALID",
    });
    await expect(invoices.get(actor, "in_nope")).rejects.toMatchObject({ code: "INVOICE_NOT_FOUND" });
    const after = await sql.query<{ n: bigint }>("SELECT count(*) AS n FROM invoices");
    // Only the empty draft of the finalisation check was written.
    expect(after[0]?.n).toBe((before[0]?.n ?? 0n) + 1n);
  });

  it("replays a retried finalisation under the same key instead of refusing it", async () => {
    const draft = await invoices.create(actor, { currency: "EUR", lines: [LINE] });
    const retryKey = key();
    const first = await commands.finalize(actor, retryKey, draft.id);
    const retried = await commands.finalize(actor, retryKey, draft.id);
    expect([first.replayed, retried.replayed]).toEqual([false, true]);
    expect(retried.value.number).toBe(first.value.number);
    await expect(commands.void(actor, retryKey, draft.id)).rejects.toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
    });
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
