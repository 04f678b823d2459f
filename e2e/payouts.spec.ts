// Goal: an operator sees a merchant's balance (available, pending, reserved), its balance transactions and its
// payouts, retries the payout the bank refused, pauses and resumes the merchant's payouts, sets a payout
// schedule, and the page works at 1280 and 390 px; an admin sets a rolling reserve and sees it listed. A viewer
// sees the page (with the seeded fixed reserve) without the actions.
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
  // The seeded fixed reserve of 50.00 EUR: the balance's reserved part and the reserves' list.
  await expect(balance).toContainText("50.00");
  const reserves = page.getByRole("region", { name: "Reserves" });
  await expect(reserves.getByRole("row").filter({ hasText: "EUR" })).toContainText("50.00");
  // Operators do not set reserves (admins do).
  await expect(page.getByRole("button", { name: "Save reserve" })).toHaveCount(0);
  const transactions = page.getByRole("region", { name: "Balance transactions" });
  await expect(transactions).toContainText("charge");
  await expect(transactions).toContainText("reserve_hold");
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

  // A weekly schedule on Fridays, a day later, from 100.00 EUR.
  const schedules = page.getByRole("region", { name: "Payout schedules" });
  await expect(schedules).toContainText("No automatic payouts");
  const scheduleForm = page.getByRole("form", { name: "Payout schedule" });
  await scheduleForm.getByLabel("Currency").fill("EUR");
  await scheduleForm.getByLabel("Interval").selectOption("WEEKLY");
  await scheduleForm.getByLabel("Weekday").selectOption({ label: "Friday" });
  await scheduleForm.getByLabel("Delay (days, 0–30)").fill("1");
  await scheduleForm.getByLabel("Minimum (minor units)").fill("10000");
  await scheduleForm.getByRole("button", { name: "Save schedule" }).click();
  await expect(scheduleForm.getByRole("status")).toHaveText("Saved.");
  const scheduleRow = schedules.getByRole("row").filter({ hasText: "weekly on Friday, 1 day later" });
  await expect(scheduleRow).toContainText("100.00");

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

test("an admin sets a rolling reserve", async ({ page }) => {
  await signIn(page, state.operators.ADMIN);
  await page.goto(path);
  const reserveForm = page.getByRole("form", { name: "Reserve" });
  await reserveForm.getByLabel("Currency").fill("EUR");
  await reserveForm.getByLabel("Rolling reserve (bps, 0–5000)").fill("1000");
  await reserveForm.getByLabel("Held for (days, 0–180)").fill("7");
  await reserveForm.getByLabel("Fixed reserve (minor units)").fill("5000");
  await reserveForm.getByRole("button", { name: "Save reserve" }).click();
  await expect(reserveForm.getByRole("status")).toHaveText("Saved.");
  const reserves = page.getByRole("region", { name: "Reserves" });
  await expect(reserves.getByRole("row").filter({ hasText: "EUR" })).toContainText("10.00% for 7 days");
  // A rolling reserve without its days is refused by the core, as a sentence.
  await reserveForm.getByLabel("Held for (days, 0–180)").fill("0");
  await reserveForm.getByRole("button", { name: "Save reserve" }).click();
  await expect(reserveForm.getByRole("alert")).toContainText(/rolling reserve/i);
});

test("a viewer sees balances and payouts without the actions", async ({ page }) => {
  await signIn(page, state.operators.VIEWER);
  await page.goto(path);
  await expect(page.getByRole("heading", { name: "Balance and payouts", level: 1 })).toBeVisible();
  await expect(page.getByRole("region", { name: "Reserves" })).toContainText("50.00");
  await expect(page.getByRole("button", { name: /Save schedule|Save reserve/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Pause payouts|Resume payouts/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Retry / })).toHaveCount(0);
});
