// Goal: operators find a payment by search (the URL keeps the filters), open it, and refund part of it; the
// remaining refundable amount follows and a double click makes one refund.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("search by customer email keeps the filter in the URL", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await page.screenshot({ path: artifact("payments-list"), fullPage: true });
  // Exact: the Merchant filter's label holds every merchant's name, seeded and made by other specs.
  await page.getByLabel("Search", { exact: true }).fill("findme@example.com");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/q=findme%40example.com/);
  const rows = page.getByRole("region", { name: "Payments" }).locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(state.searchablePaymentId);
  await expect(rows.first()).toContainText("$43.21");
  await page.reload();
  await expect(page.getByLabel("Search", { exact: true })).toHaveValue("findme@example.com");
  await expect(rows).toHaveCount(1);
});

test("a partial refund by double click makes one refund; the refundable amount follows and is enforced", async ({
  page,
}) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto(`/payments/${state.refundablePaymentId}`);
  await expect(page.getByTestId("refundable")).toHaveText("$100.00");
  await page.getByLabel("Amount to refund (USD)").fill("30.00");
  await page.getByLabel("Reason").fill("damaged in transit");
  await page.getByRole("button", { name: "Review refund" }).click();
  await expect(page.getByTestId("confirm-refund-text")).toContainText("Refund $30.00 of the $100.00");
  const refund = page.getByRole("button", { name: "Confirm refund" });
  await refund.dblclick();
  // The sandbox PSP settles refunds by webhook: pending first, succeeded once the webhook is in.
  await expect(page.getByRole("status")).toContainText(/of \$30\.00: (pending|succeeded)\./);
  await expect(page.getByTestId("refundable")).toHaveText("$70.00");
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("amount-refunded")).toHaveText("$30.00", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  // The double click made one refund.
  await expect(page.locator("ol.timeline li", { hasText: /Refund re_\w+ — SUCCEEDED/ })).toHaveCount(1);
  await expect(page.locator("ol.timeline li", { hasText: /Refund re_/ })).toHaveCount(1);
  await expect(page.getByRole("heading", { name: "Timeline" })).toBeVisible();
  await page.screenshot({ path: artifact("payment-detail"), fullPage: true });

  await page.getByLabel("Amount to refund (USD)").fill("70.01");
  await page.getByLabel("Reason").fill("too much");
  await page.getByRole("button", { name: "Review refund" }).click();
  await expect(page.locator("form p.error")).toHaveText("At most $70.00 can be refunded.");
});
