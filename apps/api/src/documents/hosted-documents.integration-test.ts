// Goal: receipt numbers stay gap-free and unique under concurrent captures (and a rolled-back capture gives its
// number back); the API returns a payment's receipt with its links; the hosted page and PDF show the merchant,
// the amount in its currency's exponent and the card as brand and last 4, and refuse a wrong token.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../testing/test-app";

const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status } errors { code } }
}`;
const CAPTURE = `mutation($input: CapturePaymentInput!) {
  capturePayment(input: $input) { payment { id status } errors { code } }
}`;
const RECEIPT = `query($paymentId: ID!) {
  receipt(paymentId: $paymentId) { id receiptNumber email amount currency url pdfUrl creditNotes { creditNoteNumber } }
}`;

interface ReceiptAnswer {
  id: string;
  receiptNumber: string;
  email: string;
  amount: string;
  currency: string;
  url: string;
  pdfUrl: string;
}

function pdfToText(pdf: Uint8Array): string | null {
  const folder = mkdtempSync(join(tmpdir(), "paycore-pdf-"));
  const file = join(folder, "document.pdf");
  writeFileSync(file, pdf);
  try {
    return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

const hasPdftotext = (() => {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("receipts: numbering under concurrency, API and hosted documents", () => {
  let t: TestApp;
  let merchant: TestMerchant;
  let card: string;

  const create = async (input: Record<string, unknown>) => {
    const result = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
      merchant.secretKey,
      CREATE,
      {
        input: { idempotencyKey: newKey(), amount: "1000", currency: "USD", paymentMethodId: card, ...input },
      },
    );
    const payment = result.data?.createPayment.payment;
    if (!payment) throw new Error(`createPayment failed: ${result.raw}`);
    return payment;
  };
  const capture = (paymentId: string) =>
    t.gql<{ capturePayment: { payment: { status: string } | null } }>(merchant.secretKey, CAPTURE, {
      input: { idempotencyKey: newKey(), paymentId },
    });
  const receiptOf = async (paymentId: string) =>
    (await t.gql<{ receipt: ReceiptAnswer | null }>(merchant.secretKey, RECEIPT, { paymentId })).data
      ?.receipt ?? null;

  beforeAll(async () => {
    t = await createTestApp({ redisUrl: null });
    merchant = await t.createMerchant();
    card = await t.tokenize(merchant.publishableKey);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("gives concurrent captures the numbers 1..n exactly once; payments without a receipt take none", async () => {
    const withReceipt = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        create({ captureMethod: "MANUAL", receiptEmail: `buyer-${index.toString(36)}@example.test` }),
      ),
    );
    const without = await Promise.all(Array.from({ length: 4 }, () => create({ captureMethod: "MANUAL" })));
    expect(new Set([...withReceipt, ...without].map((payment) => payment.status))).toEqual(
      new Set(["AUTHORIZED"]),
    );

    // A capture that rolls back after taking a number gives it back (the number is taken in its transaction).
    const rolledBack = withReceipt[0]?.id ?? "";
    await expect(
      t.app.sql.transaction(async (tx) => {
        await tx.query(
          `UPDATE payments SET status = 'CAPTURED', version = version + 1, amount_captured_minor = amount_minor,
                  amount_capturable_minor = 0 WHERE id = $1`,
          [rolledBack],
        );
        const [taken] = await tx.query<{ number: bigint }>(
          "SELECT number FROM receipts WHERE payment_id = $1",
          [rolledBack],
        );
        expect(taken?.number).toBe(1n);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");

    const captured = await Promise.all([...withReceipt, ...without].map((payment) => capture(payment.id)));
    expect(captured.map((answer) => answer.data?.capturePayment.payment?.status)).toEqual(
      Array(20).fill("CAPTURED"),
    );
    const numbers = await t.app.sql.query<{ number: bigint }>(
      "SELECT number FROM receipts WHERE merchant_id = $1 ORDER BY number",
      [merchant.id],
    );
    expect(numbers.map((row) => Number(row.number))).toEqual(
      Array.from({ length: 16 }, (_, index) => index + 1),
    );
    for (const payment of without) expect(await receiptOf(payment.id)).toBeNull();
    await t.expectLedgerBalanced();
  });

  it("returns the receipt through the API and serves its page and PDF behind the token", async () => {
    const payment = await create({ receiptEmail: "page@example.test", amount: "123456", currency: "KWD" });
    const receipt = await receiptOf(payment.id);
    expect(receipt).toMatchObject({ email: "page@example.test", amount: "123456", currency: "KWD" });
    expect(receipt?.url).toMatch(
      /^http:\/\/127\.0\.0\.1\/documents\/receipts\/rcpt_[0-9A-Z]{26}\/[0-9a-f]{32}$/,
    );

    const page = await t.app.http.fetch(receipt?.url ?? "");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain(`Receipt #${receipt?.receiptNumber} from Test merchant`);
    expect(html).toContain("KWD\u00a0123.456");
    expect(html).toContain("Visa ending in 4242");
    expect(html).not.toContain("4242424242424242");

    const wrongToken = (receipt?.url ?? "").replace(/[0-9a-f]{32}$/, "0".repeat(32));
    expect((await t.app.http.fetch(wrongToken)).status).toBe(404);
    expect((await t.app.http.fetch(`${receipt?.url}x`)).status).toBe(404);
    expect((await t.app.http.fetch(receipt?.url ?? "", { method: "POST", body: "" })).status).toBe(405);

    const pdf = await t.app.http.fetch(receipt?.pdfUrl ?? "");
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe("%PDF-");
    if (!hasPdftotext) return;
    const text = pdfToText(bytes) ?? "";
    expect(text).toContain("Test merchant");
    expect(text).toContain(`Receipt #${receipt?.receiptNumber}`);
    expect(text).toContain("KWD 123.456");
    expect(text).toContain("Visa ending in 4242");
  });

  it("answers null for a payment that asked for no receipt", async () => {
    const payment = await create({});
    expect(await receiptOf(payment.id)).toBeNull();
  });
});
