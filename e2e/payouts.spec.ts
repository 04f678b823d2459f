// Goal: an operator sees a merchant's balance (available, pending, reserved), its balance transactions and its
// payouts, retries the payout the bank refused, pauses and resumes the merchant's payouts, and the page works at
// 1280 and 390 px. A viewer sees the page without the actions.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();
const path = `/merchants/${encodeURIComponent(state.payoutMerchantId)}/balance`;

test("an operator retries a failed payout and pauses payouts", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, state.operators.OPERATOR);
  await page.goto(path);
  await expect(page).toHaveTitle(/Balance and payouts/);
  await expect(page.getByRole("heading", { name: "Balance and payouts", level: 1 })).toBeVisible();
  const balance = page.getByRole("region", { name: "Balance", exact: true });
  await expect(balance.getByRole("row")).toHaveCount(2);
  await expect(balance).toContainText("EUR");
  const transactions = page.getByRole("region", { name: "Balance transactions" });
  await expect(transactions).toContainText("charge");
  await expect(transactions).toContainText("payout_failure");

  const payouts = page.getByRole("region", { name: "Payouts", exact: true });
  const failedRow = payouts.getByRole("row").filter({ hasText: state.failedPayoutId });
  await expect(failedRow).toContainText("failed");
  await expect(failedRow).toContainText("account_invalid");
  await failedRow.getByRole("button", { name: `Retry ${state.failedPayoutId}` }).click();
  await expect(failedRow).toContainText("retried");
  // The new payout: pending, made by the retry.
  await expect(payouts.getByRole("row").filter({ hasText: "pending" })).toContainText("retry");
  await page.screenshot({ path: artifact("payouts-1280"), fullPage: true });

  await page.getByLabel("Reason").fill("KYC review");
  await page.getByRole("button", { name: "Pause payouts" }).click();
  await expect(page.getByRole("heading", { name: "Payouts paused" })).toBeVisible();
  await page.getByRole("button", { name: "Resume payouts" }).click();
  await expect(page.getByRole("heading", { name: "Payouts active" })).toBeVisible();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByRole("heading", { name: "Balance and payouts", level: 1 })).toBeVisible();
  // Every section of the page fits the phone's width (wide tables scroll inside their card). The console's top
  // navigation is the shared layout's, not this page's.
  const widest = await page.evaluate(() =>
    Math.max(
      ...[...document.querySelectorAll("main section")].map(
        (section) => section.getBoundingClientRect().right,
      ),
    ),
  );
  expect(widest).toBeLessThanOrEqual(390);
  await page.screenshot({ path: artifact("payouts-390"), fullPage: true });
});

test("a viewer sees balances and payouts without the actions", async ({ page }) => {
  await signIn(page, state.operators.VIEWER);
  await page.goto(path);
  await expect(page.getByRole("heading", { name: "Balance and payouts", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: /Pause payouts|Resume payouts/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Retry / })).toHaveCount(0);
});
