// Goal: an admin configures a live PSP account in the browser (the secrets leave the form once stored and are
// shown only by their last four characters), a failed connection test becomes an alert on the account and on
// the overview, a secret is rotated, and operators below admin are not offered the page.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();
// A loopback port nothing listens on: the connection test must report the PSP unreachable.
const UNREACHABLE = "http://127.0.0.1:9";
const API_KEY = "sk_live_e2eaccount0001";
const ROTATED_KEY = "sk_live_e2eaccount0002";

test("an admin adds a live account, sees a failed check as an alert, and rotates its key", async ({
  page,
}) => {
  // Eleven page loads and two widths: past the default 30 s on a busy two-core machine (CI runs it beside the drills).
  test.setTimeout(90_000);
  await signIn(page, state.operators.ADMIN);
  await page.getByRole("link", { name: "PSP accounts" }).click();
  await expect(page.getByRole("heading", { name: "PSP accounts", level: 1 })).toBeVisible();

  const form = page.getByRole("region", { name: "Add a live account" });
  // The form offers the platform's PSP registry, and asks for a merchant account where the PSP's rules need one.
  await expect(form.getByLabel("PSP").locator("option")).toHaveText(["stripe", "adyen"]);
  await form.getByLabel("PSP").selectOption("adyen");
  await expect(form.getByLabel("Merchant account")).toBeVisible();
  await form.getByLabel("PSP").selectOption("stripe");
  await expect(form.getByLabel("Merchant account")).toHaveCount(0);
  await form.getByLabel("Endpoint").fill(UNREACHABLE);
  await form.getByLabel("API key").fill(API_KEY);
  await form.getByLabel("Webhook secret").fill("whsec_e2eaccountsecret");
  await form.getByRole("button", { name: "Add account" }).click();
  const row = page.locator("tbody tr").filter({ hasText: "stripe" });
  await expect(row).toContainText("API key …0001");
  await expect(form.getByLabel("API key")).toHaveValue("");
  await expect(page.locator("body")).not.toContainText(API_KEY);

  await row.getByRole("button", { name: "Test connection" }).click();
  await expect(row.getByRole("status")).toContainText("unreachable");
  await page.reload();
  await expect(page.getByRole("alert").filter({ hasText: "unreachable" })).toBeVisible();
  await page.screenshot({ path: artifact("psp-accounts-1280"), fullPage: true });

  await row.getByLabel("New secret").fill(ROTATED_KEY);
  await row.getByRole("button", { name: "Rotate" }).click();
  await expect(page.locator("tbody tr").filter({ hasText: "stripe" })).toContainText("API key …0002");

  await page.goto("/overview");
  await expect(page.getByTestId("psp-alerts")).toContainText("unreachable");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/psp-accounts");
  await expect(page.getByRole("heading", { name: "PSP accounts", level: 1 })).toBeVisible();
  await page.screenshot({ path: artifact("psp-accounts-390"), fullPage: true });

  // Leave live mode as the other specs expect it: no active account.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page
    .locator("tbody tr")
    .filter({ hasText: "stripe" })
    .getByRole("button", { name: "Disable" })
    .click();
  await expect(page.locator("tbody tr").filter({ hasText: "stripe" })).toContainText("disabled");
});

test("an operator is not offered the page and cannot open it", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await expect(page.getByRole("link", { name: "PSP accounts" })).toHaveCount(0);
  await page.goto("/psp-accounts");
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "PSP accounts" })).toHaveCount(0);
});
