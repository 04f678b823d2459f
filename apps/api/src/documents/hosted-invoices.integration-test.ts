// Goal: an invoice is finalised (its mail queued in the same transaction), its hosted page and PDF show its number
// and total behind the token, and the page's Pay button pays exactly the total once through the hosted checkout
// (issue 20): it makes (or reuses) one checkout session for the total, a declined card there leaves the invoice
// open, a good card makes it PAID with its payment, its invoice.paid event and mail; paying again, or twice at once,
// charges nothing more; a payment of another amount is refused; a voided invoice's session takes no card, even when
// the void and the card arrive at once. The ledger stays balanced.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SANDBOX_CARDS } from "@paycore/psp-testkit/test-cards";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../testing/test-app";

const FIELDS = "id status invoiceNumber total paymentId hostedInvoiceUrl invoicePdfUrl";
const CREATE = `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { ${FIELDS} } errors { code field } } }`;
const FINALIZE = `mutation($input: FinalizeInvoiceInput!) { finalizeInvoice(input: $input) { invoice { ${FIELDS} } errors { code } } }`;
const GET = `query($id: ID!) { invoice(id: $id) { ${FIELDS} } }`;

interface InvoiceAnswer {
  id: string;
  status: string;
  invoiceNumber: string | null;
  total: string;
  paymentId: string | null;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
}

const APPROVED = SANDBOX_CARDS.find((card) => card.outcome.kind === "approve")?.number ?? "";
const DECLINED =
  SANDBOX_CARDS.find((card) => card.outcome.kind === "decline" && card.outcome.code === "card_declined")
    ?.number ?? "";

const hasPdftotext = (() => {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

function pdfToText(pdf: Uint8Array): string {
  const folder = mkdtempSync(join(tmpdir(), "paycore-invoice-"));
  const file = join(folder, "invoice.pdf");
  writeFileSync(file, pdf);
  return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
}

/** The hosted checkout page's card form. */
function cardForm(number: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ number, expMonth: "12", expYear: "2030", cvc: "123" }).toString(),
    redirect: "manual",
  };
}

/** The invoice page's Pay button: a form with nothing but itself. */
const PAY_BUTTON: RequestInit = {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: "",
  redirect: "manual",
};

describe("hosted invoices: page, PDF, paying once for exactly the total", () => {
  let t: TestApp;
  let merchant: TestMerchant;

  const open = async (lines: Record<string, unknown>[], customerEmail = "buyer@example.test") => {
    const created = await t.gql<{ createInvoice: { invoice: InvoiceAnswer | null } }>(
      merchant.secretKey,
      CREATE,
      {
        input: { idempotencyKey: newKey(), currency: "EUR", customerEmail, dueDate: "2027-01-31", lines },
      },
    );
    const id = created.data?.createInvoice.invoice?.id;
    if (!id) throw new Error(`createInvoice failed: ${created.raw}`);
    const finalized = await t.gql<{ finalizeInvoice: { invoice: InvoiceAnswer | null } }>(
      merchant.secretKey,
      FINALIZE,
      { input: { idempotencyKey: newKey(), invoiceId: id } },
    );
    const invoice = finalized.data?.finalizeInvoice.invoice;
    if (!invoice) throw new Error(`finalizeInvoice failed: ${finalized.raw}`);
    return invoice;
  };
  const read = async (id: string) =>
    (await t.gql<{ invoice: InvoiceAnswer | null }>(merchant.secretKey, GET, { id })).data?.invoice ?? null;
  const paymentsOf = (invoiceId: string) =>
    t.app.sql.query<{ id: string; status: string; amount_minor: bigint }>(
      `SELECT id, status, amount_minor FROM payments WHERE merchant_id = $1 AND metadata->>'invoiceId' = $2`,
      [merchant.id, invoiceId],
    );

  beforeAll(async () => {
    t = await createTestApp({ redisUrl: null });
    merchant = await t.createMerchant();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("queues the finalisation mail, serves the page and the PDF with the number and total", async () => {
    const invoice = await open([
      { description: "Συμβουλευτική — Консультация", quantity: 2, unitAmount: "5000", taxRateBps: 2000 },
      { description: "咨询服务", quantity: 1, unitAmount: "1000" },
    ]);
    expect(invoice).toMatchObject({ status: "OPEN", invoiceNumber: "1", total: "13000" });
    expect(invoice.hostedInvoiceUrl).toMatch(/\/documents\/invoices\/in_[0-9A-Z]{26}\/[0-9a-f]{32}$/);
    const mails = await t.app.sql.query<{ kind: string; to_address: string }>(
      "SELECT kind, to_address FROM email_outbox WHERE document_id = $1",
      [invoice.id],
    );
    // The recipient is sealed at rest (issue 22) and opens to the invoice's address for its merchant.
    expect(mails.map((mail) => mail.kind)).toEqual(["invoice_finalized"]);
    expect(mails[0]?.to_address).toMatch(/^pii1:/);
    expect(t.app.services.pii.open("email", merchant.id, mails[0]?.to_address ?? null)).toBe(
      "buyer@example.test",
    );

    const page = await t.app.http.fetch(invoice.hostedInvoiceUrl ?? "");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self'");
    const html = await page.text();
    expect(html).toContain("Invoice #1 from Test merchant");
    expect(html).toContain("€130.00");
    expect(html).toContain('<form method="post"');
    const wrong = (invoice.hostedInvoiceUrl ?? "").replace(/[0-9a-f]{32}$/, "0".repeat(32));
    expect((await t.app.http.fetch(wrong)).status).toBe(404);
    expect((await t.app.http.fetch(`${wrong}/pay`, PAY_BUTTON)).status).toBe(404);

    const pdf = await t.app.http.fetch(invoice.invoicePdfUrl ?? "");
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe("%PDF-");
    if (!hasPdftotext) return;
    const text = pdfToText(bytes);
    expect(text).toContain("Invoice #1");
    expect(text).toContain("Total: €130.00");
    expect(text).toContain("Συμβουλευτική");
    expect(text).toContain("Консультация");
    expect(text).toContain("咨询服务");
  });

  it("pays once through the hosted checkout: one session for the total, a decline leaves it open, a second pay charges nothing", async () => {
    const invoice = await open([
      { description: "Hosting", quantity: 1, unitAmount: "4999", taxRateBps: 1900 },
    ]);
    const payUrl = `${invoice.hostedInvoiceUrl}/pay`;
    const page = await (await t.app.http.fetch(invoice.hostedInvoiceUrl ?? "")).text();
    // The invoice page holds no card field: the card is typed on the checkout page.
    expect(page).not.toContain('name="number"');

    const toCheckout = await t.app.http.fetch(payUrl, PAY_BUTTON);
    expect(toCheckout.status).toBe(303);
    const checkoutUrl = toCheckout.headers.get("location") as string;
    expect(checkoutUrl).toMatch(/^http:\/\/127\.0\.0\.1\/checkout\/cs_[0-9A-Z]{26}\/[0-9a-f]{64}$/);
    const checkoutPage = await (await t.app.http.fetch(checkoutUrl)).text();
    expect(checkoutPage).toContain("59.49");
    // A second click reuses the open session.
    expect((await t.app.http.fetch(payUrl, PAY_BUTTON)).headers.get("location")).toBe(checkoutUrl);

    const declined = await t.app.http.fetch(checkoutUrl, cardForm(DECLINED));
    expect(declined.status).toBe(402);
    expect((await read(invoice.id))?.status).toBe("OPEN");

    const paid = await t.app.http.fetch(checkoutUrl, cardForm(APPROVED));
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(invoice.hostedInvoiceUrl);
    const after = await read(invoice.id);
    expect(after).toMatchObject({ status: "PAID", total: "5949" });
    const payments = await paymentsOf(invoice.id);
    const captured = payments.filter((payment) => payment.status === "CAPTURED");
    expect(captured).toHaveLength(1);
    expect(captured[0]?.amount_minor).toBe(5949n);
    expect(after?.paymentId).toBe(captured[0]?.id);

    // Paying a paid invoice charges nothing and lands on its (paid) page; its session refuses another card.
    const again = await t.app.http.fetch(payUrl, PAY_BUTTON);
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe(invoice.hostedInvoiceUrl);
    expect((await t.app.http.fetch(checkoutUrl, cardForm(APPROVED))).status).toBe(409);
    expect((await paymentsOf(invoice.id)).filter((p) => p.status === "CAPTURED")).toHaveLength(1);
    const paidPage = await (await t.app.http.fetch(invoice.hostedInvoiceUrl ?? "")).text();
    expect(paidPage).toContain("Paid");
    expect(paidPage).not.toContain('<form method="post"');

    const mails = await t.app.sql.query<{ kind: string }>(
      "SELECT kind FROM email_outbox WHERE document_id = $1 ORDER BY id",
      [invoice.id],
    );
    expect(mails.map((mail) => mail.kind)).toEqual(["invoice_finalized", "invoice_paid"]);
    const events = await t.app.sql.query<{ type: string; object: { status: string; paymentId: string } }>(
      `SELECT type, payload->'data'->'object' AS object FROM webhook_events WHERE object_id = $1 ORDER BY created_at`,
      [invoice.id],
    );
    expect(events.map((event) => event.type)).toEqual(["invoice.finalized", "invoice.paid"]);
    expect(events[1]?.object).toMatchObject({ status: "PAID", paymentId: after?.paymentId });
    await t.expectLedgerBalanced();
  });

  it("clicks and card forms sent at once make one session and charge one card at most", async () => {
    const invoice = await open([{ description: "Licence", quantity: 3, unitAmount: "1000" }]);
    const payUrl = `${invoice.hostedInvoiceUrl}/pay`;
    const clicks = await Promise.all([1, 2, 3].map(() => t.app.http.fetch(payUrl, PAY_BUTTON)));
    const sessions = new Set(clicks.map((click) => click.headers.get("location")));
    expect(clicks.map((click) => click.status)).toEqual([303, 303, 303]);
    expect(sessions.size).toBe(1);
    const checkoutUrl = [...sessions][0] as string;
    const answers = await Promise.all([1, 2, 3].map(() => t.app.http.fetch(checkoutUrl, cardForm(APPROVED))));
    // One form pays; the others are told the session is busy or already paid.
    expect(answers.filter((answer) => answer.status === 303)).toHaveLength(1);
    for (const answer of answers) expect([303, 409]).toContain(answer.status);
    const payments = await paymentsOf(invoice.id);
    expect(payments).toHaveLength(1);
    expect(payments[0]?.status).toBe("CAPTURED");
    expect((await read(invoice.id))?.status).toBe("PAID");
    await t.expectLedgerBalanced();
  });

  it("a voided invoice's checkout takes no card: voided first, or at once with the customer paying", async () => {
    // The 2026-12-08 campaign: the session made by the Pay button stayed open after the void, took the card and
    // captured it, and the invoice stayed VOID (the customer charged for an invoice the merchant cancelled).
    const VOID = `mutation($input: VoidInvoiceInput!) { voidInvoice(input: $input) { invoice { status } errors { code retryable } } }`;
    const voidInvoice = (id: string) =>
      t.gql<{
        voidInvoice: { invoice: { status: string } | null; errors: { code: string; retryable: boolean }[] };
      }>(merchant.secretKey, VOID, { input: { idempotencyKey: newKey(), invoiceId: id } });
    const checkoutOf = async (invoice: InvoiceAnswer) =>
      (await t.app.http.fetch(`${invoice.hostedInvoiceUrl}/pay`, PAY_BUTTON)).headers.get(
        "location",
      ) as string;

    const first = await open([{ description: "Consulting", quantity: 1, unitAmount: "5000" }]);
    const firstCheckout = await checkoutOf(first);
    expect((await voidInvoice(first.id)).data?.voidInvoice.invoice?.status).toBe("VOID");
    const refused = await t.app.http.fetch(firstCheckout, cardForm(APPROVED));
    expect(refused.status).toBe(410);
    expect(await refused.text()).toContain('data-error-code="CHECKOUT_SESSION_EXPIRED"');
    expect(await paymentsOf(first.id)).toEqual([]);
    const [session] = await t.app.sql.query<{ status: string }>(
      "SELECT status::text AS status FROM checkout_sessions WHERE invoice_id = $1",
      [first.id],
    );
    expect(session?.status).toBe("EXPIRED");

    // At once: either the void wins and no card is charged, or the payment wins and the void is refused (retryable).
    for (let round = 0; round < 5; round++) {
      const invoice = await open([{ description: "Consulting", quantity: 1, unitAmount: "5000" }]);
      const checkoutUrl = await checkoutOf(invoice);
      const [voided, paid] = await Promise.all([
        voidInvoice(invoice.id),
        t.app.http.fetch(checkoutUrl, cardForm(APPROVED)),
      ]);
      const status = (await read(invoice.id))?.status;
      const captured = (await paymentsOf(invoice.id)).filter((payment) => payment.status === "CAPTURED");
      if (status === "VOID") {
        expect(captured).toEqual([]);
        expect(paid.status).toBe(410);
      } else {
        expect(status).toBe("PAID");
        expect(captured).toHaveLength(1);
        expect(voided.data?.voidInvoice.errors[0]).toMatchObject({ code: "INVOICE_STATE_INVALID" });
      }
    }
    await t.expectLedgerBalanced();
  });

  it("refuses to mark an invoice paid by a payment of another amount (no partial payment)", async () => {
    const invoice = await open([{ description: "Audit", quantity: 1, unitAmount: "2000" }]);
    const card = await t.tokenize(merchant.publishableKey);
    const partial = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }`,
      { input: { idempotencyKey: newKey(), amount: "1000", currency: "EUR", paymentMethodId: card } },
    );
    const payment = partial.data?.createPayment.payment;
    expect(payment?.status).toBe("CAPTURED");
    await expect(
      t.app.services.invoiceCommands.markPaid(
        { merchantId: merchant.id, mode: "TEST", name: "test", source: "SYSTEM" } as never,
        newKey(),
        invoice.id,
        {
          paymentId: payment?.id ?? "",
          status: "CAPTURED",
          amountCapturedMinor: 1000n,
          currency: "EUR",
          tryId: null,
        },
      ),
    ).rejects.toMatchObject({ code: "INVOICE_PAYMENT_MISMATCH" });
    expect((await read(invoice.id))?.status).toBe("OPEN");
    // The database refuses a paid invoice without its payment, and one payment paying two invoices.
    await expect(
      t.app.sql.query("UPDATE invoices SET payment_id = $2, version = version + 1 WHERE id = $1", [
        invoice.id,
        payment?.id,
      ]),
    ).rejects.toThrow(/invoices_paid_has_payment/);
  });
});
