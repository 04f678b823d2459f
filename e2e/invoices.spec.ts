// Goal: a finalised invoice is paid by a customer from its hosted page through the hosted checkout (the page's Pay
// button opens the checkout for exactly its total; the card is typed there, on paycore's origin), its PDF
// carries its number and total (pdftotext), the finalisation and payment mails reach the SMTP sink (the console's
// Mail page), and the console lists the invoice as paid with its payment and timeline.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { randomVisa } from "../apps/console/src/server/testing/seed";
import { artifact, signIn } from "./helpers";
import { CARD_EXPIRY_YEAR, readState } from "./state";

const state = readState();

function hasPdftotext(): boolean {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("an invoice is paid on its page, its PDF shows number and total, its mails arrive", async ({
  page,
  request,
}) => {
  const { invoice } = state;

  const pdf = await request.get(invoice.pdfUrl);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()["content-type"]).toBe("application/pdf");
  if (hasPdftotext()) {
    const file = join(mkdtempSync(join(tmpdir(), "e2e-invoice-")), "invoice.pdf");
    writeFileSync(file, await pdf.body());
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    expect(text).toContain(`Invoice #${invoice.number}`);
    expect(text).toContain(`Total: ${invoice.totalText}`);
    expect(text).toContain("Книги");
  }

  await page.goto(invoice.pageUrl);
  await expect(page).toHaveTitle(`Invoice #${invoice.number} from Acme Books`);
  await expect(page.getByRole("heading", { name: `Pay ${invoice.totalText}` })).toBeVisible();
  // The invoice page holds no card field: its Pay button opens the hosted checkout for the total.
  await expect(page.getByLabel("Card number")).toHaveCount(0);
  await page.getByRole("button", { name: `Pay ${invoice.totalText}` }).click();
  await expect(page).toHaveURL(/\/checkout\/cs_[0-9A-Z]{26}\/[0-9a-f]{64}$/);
  await expect(page.locator("#checkout-amount")).toHaveText(invoice.totalText);
  await page.getByLabel("Card number").fill(randomVisa());
  await page.getByLabel("Expiry month (MM)").fill("12");
  await page.getByLabel("Expiry year (YYYY)").fill(String(CARD_EXPIRY_YEAR));
  await page.getByLabel("Security code (CVC)").fill("123");
  await page.getByRole("button", { name: `Pay ${invoice.totalText}` }).click();
  // The checkout's success URL is the invoice page, now paid.
  await expect(page).toHaveURL(invoice.pageUrl);
  await expect(page.getByRole("status")).toContainText("Paid");
  await expect(page.getByRole("button", { name: /^Pay/ })).toHaveCount(0);
  await page.screenshot({ path: artifact("invoice-paid"), fullPage: true });

  await signIn(page, state.operators.VIEWER);
  await page.goto(`/invoices?status=PAID`);
  const row = page.getByRole("region", { name: "Invoices" }).locator("tbody tr", { hasText: invoice.id });
  await expect(row).toContainText(invoice.totalText);
  // The filtered list exports as CSV: the same filter, the total as a decimal with its currency.
  const exportHref = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  expect(exportHref).toBe("/invoices/export?status=PAID");
  const csv = await page.request.get(exportHref ?? "");
  expect(csv.status()).toBe(200);
  const lines = (await csv.text()).split("\r\n");
  expect(lines[0]).toBe(
    "id,number,created_at,merchant_id,merchant_name,mode,status,currency,total,customer_email,due_date",
  );
  expect(lines.find((line) => line.startsWith(`${invoice.id},`))).toContain(",PAID,EUR,41.00,");
  await row.getByRole("link", { name: invoice.id }).click();
  await expect(page.getByRole("heading", { name: `Invoice #${invoice.number}` })).toBeVisible();
  await expect(page.getByTestId("invoice-total")).toHaveText(invoice.totalText);
  await expect(page.getByRole("link", { name: /^pay_/ })).toBeVisible();
  await expect(page.getByText("invoice.paid")).toBeVisible();

  // The email-delivery job runs every second beside the API (serve.ts); the sink stores what it receives.
  await expect(async () => {
    await page.goto(`/mail?to=${encodeURIComponent(invoice.email)}`);
    await expect(page.getByText(`Payment received: Invoice #${invoice.number} from Acme Books`)).toBeVisible({
      timeout: 1_000,
    });
    await expect(page.getByText(`Invoice #${invoice.number} from Acme Books`, { exact: true })).toBeVisible({
      timeout: 1_000,
    });
  }).toPass({ timeout: 60_000 });
});
