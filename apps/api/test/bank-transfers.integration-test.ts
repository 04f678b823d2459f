// Bank transfers as a way to pay, end to end through the sandbox bank: createPayment answers instructions and
// AWAITING_FUNDS; the bank's signed notifications settle it (exact, partial then completed, over with the excess
// returned, late and after expiry returned); a notification sent twice or out of order posts once; a bad
// signature or an unknown reference is refused with nothing written. The ledger invariant holds after each.
import { randomBytes } from "node:crypto";
import { bankReturnsClient } from "@paycore/platform/bank-rails/bank-returns-client";
import { bankSignature } from "@paycore/platform/bank-rails/bank-signature";
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const SECRET = `bank_${randomBytes(24).toString("hex")}`;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;
let merchant: TestMerchant;

interface Instructions {
  reference: string;
  iban: string;
  bic: string;
  amountDue: string;
  amountReceived: string;
  currency: string;
  expiresAt: string;
}

interface Payment {
  id: string;
  status: string;
  amountCaptured: string;
  paymentMethodType: string;
  paymentMethod: { id: string } | null;
  bankTransferInstructions: Instructions | null;
  ledgerEntries: Array<{ kind: string }>;
}

const PAYMENT = `id status amountCaptured paymentMethodType paymentMethod { id }
  bankTransferInstructions { reference iban bic amountDue amountReceived currency expiresAt }
  ledgerEntries { kind }`;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 3 });
  t = await createTestApp({ pspSandboxUrl: sandbox.url, bankWebhookSecret: SECRET, listen: true });
  await control("POST", "/__sandbox/bank/webhook", { url: `${t.url}/webhooks/bank`, secret: SECRET });
  merchant = await t.createMerchant();
}, 60_000);

afterEach(async () => {
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function create(amount = "10000", extra: Record<string, unknown> = {}) {
  const result = await t.gql<{
    createPayment: { payment: Payment | null; errors: Array<{ code: string; field: string[] }> };
  }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT} } errors { code field } } }`,
    {
      input: {
        idempotencyKey: newKey(),
        amount,
        currency: "EUR",
        paymentMethodType: "BANK_TRANSFER",
        ...extra,
      },
    },
  );
  if (!result.data) throw new Error(result.raw);
  return result.data.createPayment;
}

async function created(amount = "10000", extra: Record<string, unknown> = {}) {
  const { payment, errors } = await create(amount, extra);
  expect(errors).toEqual([]);
  if (!payment?.bankTransferInstructions) throw new Error("no instructions");
  return { payment, instructions: payment.bankTransferInstructions };
}

async function read(id: string): Promise<Payment> {
  const result = await t.gql<{ payment: Payment }>(
    merchant.secretKey,
    `{ payment(id: "${id}") { ${PAYMENT} } }`,
  );
  if (!result.data) throw new Error(result.raw);
  return result.data.payment;
}

/** A customer's credit transfer through the sandbox bank; answers the API's status for each delivery. */
async function credit(body: Record<string, unknown>) {
  const answer = await control("POST", "/__sandbox/bank/incoming", { currency: "EUR", ...body });
  expect(answer.status).toBe(200);
  return answer.body as { transferId: string; eventId: string; deliveries: number[] };
}

async function sendReturns() {
  return t.app.services.bankTransfers.sendReturns(
    bankReturnsClient({ baseUrl: `${sandbox.url}/bank`, timeoutMs: 2_000 }),
  );
}

async function bankReturns(): Promise<Array<{ transferId: string; amount: string }>> {
  return (await control("GET", "/__sandbox/bank/returns")).body.returns as Array<{
    transferId: string;
    amount: string;
  }>;
}

describe("createPayment with BANK_TRANSFER", () => {
  it("answers instructions and AWAITING_FUNDS, posting nothing", async () => {
    const { payment, instructions } = await created("10000");
    expect(payment.status).toBe("AWAITING_FUNDS");
    expect(payment.paymentMethodType).toBe("BANK_TRANSFER");
    expect(payment.paymentMethod).toBeNull();
    expect(payment.ledgerEntries).toEqual([]);
    expect(instructions.reference).toMatch(/^PC[0-9A-Z]{12}$/);
    expect(instructions.iban).toMatch(/^NL\d{2}PYCR\d{10}$/);
    expect(instructions).toMatchObject({
      bic: "PYCRNL2A",
      amountDue: "10000",
      amountReceived: "0",
      currency: "EUR",
    });
    const expires = new Date(instructions.expiresAt).getTime() - Date.now();
    expect(expires).toBeGreaterThan(6 * 24 * 3600_000);
  });

  it.each([
    [{ paymentMethodId: "pm_01JF0000000000000000000000" }, "paymentMethodId"],
    [{ captureMethod: "MANUAL" }, "captureMethod"],
    [{ bankTransferExpiresInSeconds: 5 }, "expiresInSeconds"],
  ])("refuses %o with INVALID_INPUT, writing nothing", async (extra, field) => {
    const before = await t.countRows("payments");
    const { payment, errors } = await create("10000", extra);
    expect(payment).toBeNull();
    expect(errors).toEqual([{ code: "INVALID_INPUT", field: [field] }]);
    expect(await t.countRows("payments")).toBe(before);
  });
});

describe("incoming credits", () => {
  it("an exact amount captures the payment and posts only now", async () => {
    const { payment, instructions } = await created("10000");
    const sent = await credit({ reference: instructions.reference, amount: "10000" });
    expect(sent.deliveries).toEqual([200]);
    const after = await read(payment.id);
    expect(after.status).toBe("CAPTURED");
    expect(after.amountCaptured).toBe("10000");
    expect(after.bankTransferInstructions?.amountReceived).toBe("10000");
    expect(after.ledgerEntries.map((e) => e.kind)).toEqual(["payment.captured"]);
  });

  it("by virtual IBAN, a partial amount keeps it waiting with the amount received, the rest completes it", async () => {
    const { payment, instructions } = await created("10000");
    await credit({ iban: instructions.iban, amount: "4000" });
    const waiting = await read(payment.id);
    expect(waiting.status).toBe("AWAITING_FUNDS");
    expect(waiting.bankTransferInstructions?.amountReceived).toBe("4000");
    expect(waiting.ledgerEntries.map((e) => e.kind)).toEqual(["bank_transfer.partial"]);
    await t.expectLedgerBalanced();
    await credit({ reference: instructions.reference, amount: "6000" });
    const done = await read(payment.id);
    expect(done.status).toBe("CAPTURED");
    expect(done.amountCaptured).toBe("10000");
  });

  it("an overpayment captures the amount due and returns the excess through the bank", async () => {
    const { payment, instructions } = await created("10000");
    const sent = await credit({ reference: instructions.reference, amount: "12500" });
    const after = await read(payment.id);
    expect(after.status).toBe("CAPTURED");
    expect(after.amountCaptured).toBe("10000");
    expect(after.ledgerEntries.map((e) => e.kind).sort()).toEqual(["bank_transfer.owed", "payment.captured"]);
    await t.expectLedgerBalanced();
    expect(await sendReturns()).toEqual({ sent: 1, failed: 0 });
    expect(await bankReturns()).toContainEqual(
      expect.objectContaining({ transferId: sent.transferId, amount: "2500" }),
    );
    // Sending again finds nothing: the return was posted once.
    expect(await sendReturns()).toEqual({ sent: 0, failed: 0 });
    expect((await read(payment.id)).ledgerEntries.map((e) => e.kind)).toContain("bank_transfer.returned");
  });

  it("a credit dated after the expiry is returned in full; the expiry worker then cancels the payment", async () => {
    const { payment, instructions } = await created("10000", { bankTransferExpiresInSeconds: 60 });
    const late = new Date(Date.now() + 5 * 60_000).toISOString();
    const sent = await credit({ reference: instructions.reference, amount: "10000", receivedAt: late });
    expect(sent.deliveries).toEqual([200]);
    expect((await read(payment.id)).status).toBe("AWAITING_FUNDS");
    expect(await sendReturns()).toEqual({ sent: 1, failed: 0 });
    expect(await bankReturns()).toContainEqual(
      expect.objectContaining({ transferId: sent.transferId, amount: "10000" }),
    );
    await t.expectLedgerBalanced();
    const { expired } = await t.app.services.bankTransfers.expireDue(100, new Date(Date.now() + 10 * 60_000));
    expect(expired).toBeGreaterThanOrEqual(1);
    expect((await read(payment.id)).status).toBe("CANCELLED");
  });

  it("an expired payment's partial credits are returned, and a credit after that too", async () => {
    const { payment, instructions } = await created("10000", { bankTransferExpiresInSeconds: 60 });
    const partial = await credit({ reference: instructions.reference, amount: "3000" });
    await t.app.services.bankTransfers.expireDue(100, new Date(Date.now() + 10 * 60_000));
    const cancelled = await read(payment.id);
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled.amountCaptured).toBe("0");
    await t.expectLedgerBalanced();
    const after = await credit({ reference: instructions.reference, amount: "7000" });
    expect(await sendReturns()).toEqual({ sent: 2, failed: 0 });
    const returned = await bankReturns();
    expect(returned).toContainEqual(
      expect.objectContaining({ transferId: partial.transferId, amount: "3000" }),
    );
    expect(returned).toContainEqual(
      expect.objectContaining({ transferId: after.transferId, amount: "7000" }),
    );
  });

  it("a notification delivered twice posts once", async () => {
    const { payment, instructions } = await created("10000");
    const entriesBefore = await t.countRows("journal_entries");
    const sent = await credit({ reference: instructions.reference, amount: "10000", deliver: "twice" });
    expect(sent.deliveries).toEqual([200, 200]);
    expect(await t.countRows("journal_entries")).toBe(entriesBefore + 1);
    expect((await read(payment.id)).status).toBe("CAPTURED");
  });

  it("notifications delivered out of order settle the same way", async () => {
    const { payment, instructions } = await created("10000");
    const first = await credit({ reference: instructions.reference, amount: "2500", deliver: "hold" });
    const second = await credit({ reference: instructions.reference, amount: "7500", deliver: "hold" });
    const delivered = await control("POST", "/__sandbox/bank/incoming/deliver", {
      eventIds: [second.eventId, first.eventId, second.eventId],
    });
    expect(delivered.body.deliveries).toEqual([200, 200, 200]);
    const after = await read(payment.id);
    expect(after.status).toBe("CAPTURED");
    expect(after.bankTransferInstructions?.amountReceived).toBe("10000");
  });
});

describe("refused notifications write nothing", () => {
  async function counts() {
    return Promise.all(
      ["bank_transfer_credits", "journal_entries", "payment_events", "bank_transfer_returns"].map((table) =>
        t.countRows(table),
      ),
    );
  }

  it("a bad signature is 401", async () => {
    const { payment, instructions } = await created("10000");
    const before = await counts();
    const sent = await credit({ reference: instructions.reference, amount: "10000", badSignature: true });
    expect(sent.deliveries).toEqual([401]);
    expect(await counts()).toEqual(before);
    expect((await read(payment.id)).status).toBe("AWAITING_FUNDS");
  });

  it("an unknown reference is 422", async () => {
    const before = await counts();
    const sent = await credit({ reference: "PC0000000000ZZ", amount: "10000" });
    expect(sent.deliveries).toEqual([422]);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ["a malformed amount", { amount: "12.50" }],
    ["no reference or IBAN", { reference: null }],
    ["a bad event id", { id: "bev 1; drop" }],
  ])("%s is 400", async (_name, change) => {
    const { instructions } = await created("10000");
    const body = JSON.stringify({
      id: `bev_${randomBytes(6).toString("hex")}`,
      type: "credit_transfer.received",
      transferId: `btr_${randomBytes(6).toString("hex")}`,
      amount: "10000",
      currency: "EUR",
      reference: instructions.reference,
      iban: null,
      receivedAt: new Date().toISOString(),
      ...change,
    });
    const before = await counts();
    const response = await t.app.http.fetch("http://localhost/webhooks/bank", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "bank-signature": bankSignature(SECRET, Math.floor(Date.now() / 1000), body),
      },
      body,
    });
    expect(response.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it("a stale signature is 401", async () => {
    const body = JSON.stringify({ id: "bev_1", type: "credit_transfer.received" });
    const response = await t.app.http.fetch("http://localhost/webhooks/bank", {
      method: "POST",
      headers: { "bank-signature": bankSignature(SECRET, Math.floor(Date.now() / 1000) - 3600, body) },
      body,
    });
    expect(response.status).toBe(401);
  });
});
