// Goal: a captured payment that asked for a receipt gets a numbered receipt and a mail in the email outbox, in
// the capture's transaction; the email-delivery worker renders it and a real SMTP server (the development sink on
// 127.0.0.1) receives it with its PDF; a refund gets a credit note and its own mail; a server that refuses the
// message leaves the failure recorded and the mail retried, then FAILED once its attempts are spent.
import { EmailOutboxRepository } from "@paycore/db/repositories/email-outbox.repository";
import { ReceiptRepository } from "@paycore/db/repositories/receipt.repository";
import { SmtpSinkRepository } from "@paycore/db/repositories/smtp-sink.repository";
import { createMailer, type Mailer } from "@paycore/platform/email/mailer";
import { type SmtpSink, startSmtpSink } from "@paycore/platform/email/smtp-sink";
import { emailDeliveryJob } from "@paycore/platform/workers/email-delivery";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status } errors { code field } }
}`;
const REFUND = `mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { refund { id status } errors { code } }
}`;

const log = pino({ level: "silent" });
const PUBLIC_URL = "https://pay.example.test";

describe("receipts and their email", () => {
  let t: TestApp;
  let merchant: TestMerchant;
  let card: string;
  let sink: SmtpSink;
  let mailer: Mailer;
  let outbox: EmailOutboxRepository;
  let sinkMessages: SmtpSinkRepository;
  let receipts: ReceiptRepository;

  const pay = async (input: Record<string, unknown>) => {
    const result = await t.gql<{
      createPayment: { payment: { id: string; status: string } | null; errors: { code: string }[] };
    }>(merchant.secretKey, CREATE, {
      input: { idempotencyKey: newKey(), amount: "1000", currency: "USD", paymentMethodId: card, ...input },
    });
    return result.data?.createPayment ?? null;
  };
  const deliver = (overrides: Partial<Parameters<typeof emailDeliveryJob>[0]> = {}) =>
    emailDeliveryJob({
      outbox,
      documents: receipts,
      mailer,
      publicBaseUrl: PUBLIC_URL,
      log,
      ...overrides,
    }).pass();

  beforeAll(async () => {
    t = await createTestApp({ redisUrl: null });
    merchant = await t.createMerchant();
    card = await t.tokenize(merchant.publishableKey);
    outbox = new EmailOutboxRepository(t.app.sql, t.app.services.pii);
    sinkMessages = new SmtpSinkRepository(t.app.sql);
    receipts = new ReceiptRepository(t.app.sql, t.app.services.pii);
    sink = await startSmtpSink({ store: sinkMessages, port: 0 });
    mailer = createMailer({ smtpUrl: sink.url, from: "Receipts <receipts@paycore.test>" });
  });
  afterAll(async () => {
    mailer?.close();
    await sink?.close();
    await t?.close();
  });

  it("numbers receipts per merchant without gaps, skipping payments that asked for none, and mails them", async () => {
    const first = await pay({ receiptEmail: "Ada@Example.test" });
    const without = await pay({});
    const second = await pay({ receiptEmail: "grace@example.test", amount: "500", currency: "JPY" });
    expect([first?.payment?.status, without?.payment?.status, second?.payment?.status]).toEqual([
      "CAPTURED",
      "CAPTURED",
      "CAPTURED",
    ]);
    const firstReceipt = await receipts.findReceiptOfPayment(merchant.id, "TEST", first?.payment?.id ?? "");
    const secondReceipt = await receipts.findReceiptOfPayment(merchant.id, "TEST", second?.payment?.id ?? "");
    expect(firstReceipt).toMatchObject({
      number: 1n,
      email: "ada@example.test",
      amountMinor: 1000n,
      cardLast4: "4242",
    });
    expect(secondReceipt).toMatchObject({ number: 2n, amountMinor: 500n, currency: "JPY" });
    expect(await receipts.findReceiptOfPayment(merchant.id, "TEST", without?.payment?.id ?? "")).toBeNull();

    expect(await deliver()).toEqual({ done: 2, more: false });
    const arrived = await sinkMessages.list({ limit: 10, to: "ada@example.test" });
    expect(arrived).toHaveLength(1);
    expect(arrived[0]?.subject).toBe("Receipt #1 from Test merchant");
    const message = await sinkMessages.findById(arrived[0]?.id ?? 0n);
    expect(message?.textBody).toContain("Amount paid: $10.00");
    expect(message?.textBody).toContain("Visa ending in 4242");
    expect(message?.textBody).toContain(`${PUBLIC_URL}/documents/receipts/${firstReceipt?.id}/`);
    expect(message?.htmlBody).toContain('<th scope="row">Amount paid</th><td>$10.00</td>');
    const [yen] = await sinkMessages.list({ limit: 1, to: "grace@example.test" });
    expect((await sinkMessages.findById(yen?.id ?? 0n))?.textBody).toContain("Amount paid: ¥500");
    const raw = await t.app.sql.query<{ raw: Buffer }>("SELECT raw FROM smtp_sink_messages WHERE id = $1", [
      arrived[0]?.id,
    ]);
    const rawText = raw[0]?.raw.toString("latin1") ?? "";
    expect(rawText).toContain("Content-Type: application/pdf; name=receipt-1.pdf");
    expect(rawText).not.toContain("4242424242424242");
    const [row] = await outbox.list({ documentId: firstReceipt?.id ?? "", limit: 1 });
    expect(row).toMatchObject({ status: "SENT", attempts: 1, lastError: null });
    // Nothing is due any more: a second pass sends nothing again.
    expect(await deliver()).toEqual({ done: 0, more: false });
    await t.expectLedgerBalanced();
  });

  it("issues a credit note per succeeded refund of a payment with a receipt, and mails it", async () => {
    const paid = await pay({ receiptEmail: "refund@example.test", amount: "3000" });
    const paymentId = paid?.payment?.id ?? "";
    for (const amount of ["1000", "500"]) {
      const refunded = await t.gql<{ refundPayment: { refund: { status: string } | null } }>(
        merchant.secretKey,
        REFUND,
        { input: { idempotencyKey: newKey(), paymentId, amount } },
      );
      expect(refunded.data?.refundPayment.refund?.status).toBe("SUCCEEDED");
    }
    const receipt = await receipts.findReceiptOfPayment(merchant.id, "TEST", paymentId);
    const notes = await receipts.creditNotesOfReceipt(receipt?.id ?? "");
    expect(notes.map((note) => [note.number, note.amountMinor])).toEqual([
      [1n, 1000n],
      [2n, 500n],
    ]);
    await deliver();
    const subjects = (await sinkMessages.list({ limit: 10, to: "refund@example.test" })).map(
      (m) => m.subject,
    );
    expect(subjects.sort()).toEqual([
      "Credit note #1 from Test merchant",
      "Credit note #2 from Test merchant",
      `Receipt #${receipt?.number} from Test merchant`,
    ]);
    await t.expectLedgerBalanced();
  });

  it("records a refused send, retries it, and marks it FAILED when its attempts are spent", async () => {
    const refusing = await startSmtpSink({
      store: {
        insert: () => Promise.reject(new Error("storage unavailable")),
      },
      port: 0,
    });
    const refusingMailer = createMailer({ smtpUrl: refusing.url, from: "receipts@paycore.test" });
    try {
      const paid = await pay({ receiptEmail: "retry@example.test" });
      const receipt = await receipts.findReceiptOfPayment(merchant.id, "TEST", paid?.payment?.id ?? "");
      const retry = { attemptsMax: 2, delayMs: 0, delayMaxMs: 0 };
      expect(await deliver({ mailer: refusingMailer, retry })).toEqual({ done: 0, more: false });
      const [afterOne] = await outbox.list({ documentId: receipt?.id ?? "", limit: 1 });
      expect(afterOne).toMatchObject({ status: "PENDING", attempts: 1 });
      expect(afterOne?.lastError).toContain("451");
      await deliver({ mailer: refusingMailer, retry });
      const [afterTwo] = await outbox.list({ documentId: receipt?.id ?? "", limit: 1 });
      expect(afterTwo).toMatchObject({ status: "FAILED", attempts: 2 });
      // A FAILED mail is never leased again, even by a healthy server.
      await deliver();
      expect(await sinkMessages.list({ limit: 10, to: "retry@example.test" })).toEqual([]);
    } finally {
      refusingMailer.close();
      await refusing.close();
    }
  });

  it("refuses a malformed receipt address with a typed error and writes nothing", async () => {
    const before = await t.countRows("payments");
    const result = await pay({ receiptEmail: "not an address" });
    expect(result?.errors).toEqual([{ code: "INVALID_INPUT", field: ["receiptEmail"] }]);
    expect(await t.countRows("payments")).toBe(before);
  });
});
