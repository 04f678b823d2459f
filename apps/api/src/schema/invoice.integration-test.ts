// Goal: the merchant API drives an invoice from draft to finalised to void through the core, with exact totals
// on the wire as digit strings, typed errors for bad input and refused actions, and no sight of another
// merchant's invoices.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../testing/test-app";

const FIELDS = "id status invoiceNumber currency net tax total dueDate lines { description net tax gross }";
const CREATE = `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { ${FIELDS} } errors { code field } } }`;
const ADD = `mutation($input: AddInvoiceLinesInput!) { addInvoiceLines(input: $input) { invoice { ${FIELDS} } errors { code field } } }`;
const FINALIZE = `mutation($input: FinalizeInvoiceInput!) { finalizeInvoice(input: $input) { invoice { ${FIELDS} } errors { code } } }`;
const VOID = `mutation($input: VoidInvoiceInput!) { voidInvoice(input: $input) { invoice { status voidedAt } errors { code } } }`;
const GET = `query($id: ID!) { invoice(id: $id) { id status } }`;
const LIST = `query($status: InvoiceStatus) { invoices(first: 10, status: $status) { id status } }`;

type Payload = {
  invoice: { id: string; status: string; invoiceNumber: string | null; total: string } | null;
  errors: { code: string; field?: string[] | null }[];
};

describe("invoices over GraphQL", () => {
  let t: TestApp;
  let merchant: TestMerchant;
  let other: TestMerchant;

  beforeAll(async () => {
    t = await createTestApp({ redisUrl: null });
    merchant = await t.createMerchant();
    other = await t.createMerchant();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("creates, adds lines, finalises and voids; edits after finalisation are refused", async () => {
    const created = await t.gql<{ createInvoice: Payload }>(merchant.secretKey, CREATE, {
      input: {
        idempotencyKey: newKey(),
        currency: "EUR",
        dueDate: "2027-01-15",
        lines: [{ description: "Widgets", quantity: 4, unitAmount: "1250", taxRateBps: 2000 }],
      },
    });
    const id = created.data?.createInvoice.invoice?.id ?? "";
    expect(created.data?.createInvoice).toMatchObject({
      invoice: { status: "DRAFT", invoiceNumber: null, total: "6000" },
      errors: [],
    });
    const added = await t.gql<{ addInvoiceLines: Payload }>(merchant.secretKey, ADD, {
      input: {
        idempotencyKey: newKey(),
        invoiceId: id,
        lines: [
          {
            description: "Shipping",
            quantity: 1,
            unitAmount: "1190",
            taxRateBps: 1900,
            taxBehavior: "INCLUSIVE",
          },
        ],
      },
    });
    expect(added.data?.addInvoiceLines.invoice).toMatchObject({ total: "7190", net: "6000", tax: "1190" });

    const finalized = await t.gql<{ finalizeInvoice: Payload }>(merchant.secretKey, FINALIZE, {
      input: { idempotencyKey: newKey(), invoiceId: id },
    });
    expect(finalized.data?.finalizeInvoice.invoice).toMatchObject({ status: "OPEN", invoiceNumber: "1" });
    const again = await t.gql<{ addInvoiceLines: Payload }>(merchant.secretKey, ADD, {
      input: {
        idempotencyKey: newKey(),
        invoiceId: id,
        lines: [{ description: "Late", quantity: 1, unitAmount: "1" }],
      },
    });
    expect(again.data?.addInvoiceLines).toEqual({
      invoice: null,
      errors: [{ code: "INVOICE_NOT_EDITABLE", field: null }],
    });

    const listed = await t.gql<{ invoices: { id: string }[] }>(merchant.secretKey, LIST, { status: "OPEN" });
    expect(listed.data?.invoices.map((invoice) => invoice.id)).toEqual([id]);
    // Another merchant sees nothing of it.
    expect((await t.gql<{ invoice: unknown }>(other.secretKey, GET, { id })).data?.invoice).toBeNull();
    expect((await t.gql<{ invoices: unknown[] }>(other.secretKey, LIST, {})).data?.invoices).toEqual([]);
    const otherVoid = await t.gql<{ voidInvoice: Payload }>(other.secretKey, VOID, {
      input: { idempotencyKey: newKey(), invoiceId: id },
    });
    expect(otherVoid.data?.voidInvoice.errors.map((error) => error.code)).toEqual(["INVOICE_NOT_FOUND"]);

    const voided = await t.gql<{ voidInvoice: { invoice: { status: string } } }>(merchant.secretKey, VOID, {
      input: { idempotencyKey: newKey(), invoiceId: id },
    });
    expect(voided.data?.voidInvoice.invoice.status).toBe("VOID");
    const finalizeVoided = await t.gql<{ finalizeInvoice: Payload }>(merchant.secretKey, FINALIZE, {
      input: { idempotencyKey: newKey(), invoiceId: id },
    });
    expect(finalizeVoided.data?.finalizeInvoice.errors.map((error) => error.code)).toEqual([
      "INVOICE_STATE_INVALID",
    ]);
  });

  it("refuses a tax rate out of range with a typed error on its field", async () => {
    const before = await t.countRows("invoices");
    const result = await t.gql<{ createInvoice: Payload }>(merchant.secretKey, CREATE, {
      input: {
        idempotencyKey: newKey(),
        currency: "USD",
        lines: [{ description: "x", quantity: 1, unitAmount: "100", taxRateBps: 10001 }],
      },
    });
    expect(result.data?.createInvoice.errors).toEqual([
      { code: "INVALID_INPUT", field: ["lines", "0", "taxRateBps"] },
    ]);
    expect(await t.countRows("invoices")).toBe(before);
  });
});
