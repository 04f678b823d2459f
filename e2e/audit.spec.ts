// Goal: an admin runs the hash-chain check from the audit page and sees both chains reported, the run is
// itself an audit row, and a viewer is not offered the check.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("an admin verifies the hash chains from the audit page", async ({ page }) => {
  await signIn(page, state.operators.ADMIN);
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByRole("button", { name: "Verify hash chains" }).click();
  const result = page.getByTestId("chain-verification");
  await expect(result).toContainText(/Journal: intact, \d+ rows sealed/);
  await expect(result).toContainText(/Audit log: intact, \d+ rows sealed/);
  await page.screenshot({ path: artifact("audit-chain-verified"), fullPage: true });

  await page.goto("/audit?q=chain.verify");
  await expect(page.locator("tbody")).toContainText("chain.verify");
});

test("a viewer is not offered the check", async ({ page }) => {
  await signIn(page, state.operators.VIEWER);
  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "Verify hash chains" })).toHaveCount(0);
});
