// Goal: an admin configures a live PSP account in the browser (the secrets leave the form once stored and are
// shown only by their last four characters), a failed connection test becomes an alert on the account and on
// the overview, a secret is rotated, report credentials are set and replaced (a parked report download shows on
// the overview until they are, then resumes), the page is axe clean at 1280 and 390 px, and operators below
// admin are not offered the page.
import { expect, test } from "@playwright/test";
import { artifact, expectAxeClean, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();
const PARKED_CARD = "attention-Settlement reports parked until report credentials are set";
// The seeded live report's origin (e2e/serve.ts): unreachable, so a resumed download fails and waits its retry.
const LIVE_ADYEN_ENDPOINT = "http://127.0.0.1:9/adyen";
const REPORT_PASSWORD = "e2e-report-pass-0001";
const REPLACED_PASSWORD = "e2e-report-pass-0002";

async function runDownloadPass() {
  const response = await fetch(`${state.controlUrl}/jobs/announced-report-fetch`, { method: "POST" });
  expect(response.status).toBe(200);
}
// A loopback port nothing listens on: the connection test must report the PSP unreachable.
const UNREACHABLE = "http://127.0.0.1:9";
const API_KEY = "sk_live_e2eaccount0001";
const ROTATED_KEY = "sk_live_e2eaccount0002";

test("an admin adds a live account, sees a failed check as an alert, and rotates its key", async ({
  page,
}) => {
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

test("an admin sets and replaces a live account's report credentials; the parked report download resumes", async ({
  page,
}) => {
  await signIn(page, state.operators.ADMIN);
  await page.goto("/psp-accounts");
  const form = page.getByRole("region", { name: "Add a live account" });
  await form.getByLabel("PSP").selectOption("adyen");
  await form.getByLabel("Endpoint").fill(LIVE_ADYEN_ENDPOINT);
  await form.getByLabel("Merchant account").fill("E2eLiveECOM");
  await form.getByLabel("API key").fill("AQE_live_e2ereportaccount");
  await form.getByLabel("Webhook secret").fill("A1B2C3D4E5F60718293A4B5C6D7E8F90");
  await form.getByRole("button", { name: "Add account" }).click();
  const row = () => page.locator("tbody tr").filter({ hasText: "adyen" }).filter({ hasText: "active" });
  await expect(row()).toContainText("report credentials: none");

  // The seeded report announced for this account cannot be downloaded: parked, and the overview says so.
  await runDownloadPass();
  await page.goto("/overview");
  await expect(page.getByTestId(PARKED_CARD)).toHaveText("1");

  await page.goto("/psp-accounts");
  await row().getByRole("combobox", { name: "Rotate" }).selectOption("REPORT_CREDENTIAL");
  await expect(row().getByText("the report user and its password, as user:password")).toBeVisible();
  // Not a user:password pair: refused by the core command, nothing stored, the value not echoed.
  await row().getByLabel("New secret").fill("not-a-pair");
  await row().getByRole("button", { name: "Rotate" }).click();
  await expect(row().getByRole("alert")).toContainText("user:password");
  await expect(page.locator("body")).not.toContainText("not-a-pair");

  await row().getByLabel("New secret").fill(`report@Company.E2e:${REPORT_PASSWORD}`);
  await row().getByRole("button", { name: "Rotate" }).click();
  await expect(row()).toContainText("report credentials …0001");
  await expect(row().getByRole("status")).toContainText("not shown again");
  await expect(row().getByLabel("New secret")).toHaveValue("");
  await expect(page.locator("body")).not.toContainText(REPORT_PASSWORD);
  await expectAxeClean(page, "/psp-accounts at 1280");
  await page.screenshot({ path: artifact("psp-accounts-report-credentials-1280"), fullPage: true });

  // Replaced: the new one is current (its last four shown), the old one is never shown.
  await row().getByRole("combobox", { name: "Rotate" }).selectOption("REPORT_CREDENTIAL");
  await row().getByLabel("New secret").fill(`report@Company.E2e:${REPLACED_PASSWORD}`);
  await row().getByRole("button", { name: "Rotate" }).click();
  await expect(row()).toContainText("report credentials …0002");
  await expect(page.locator("body")).not.toContainText(REPLACED_PASSWORD);

  // The next pass finds the credentials and puts the download back in the queue: the card clears.
  await runDownloadPass();
  await page.goto("/overview");
  await expect(page.getByTestId(PARKED_CARD)).toHaveText("0");

  // Both changes are in the operator audit log, with the last four characters only.
  await page.goto("/audit");
  await expect(page.locator("body")).toContainText("psp_account.rotate_report_credential");
  await expect(page.locator("body")).not.toContainText(REPORT_PASSWORD);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/psp-accounts");
  await row().getByRole("combobox", { name: "Rotate" }).selectOption("REPORT_CREDENTIAL");
  await expectAxeClean(page, "/psp-accounts at 390");
  await page.screenshot({ path: artifact("psp-accounts-report-credentials-390"), fullPage: true });

  // Leave live mode as the other specs expect it: no active account.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.reload();
  await row().getByRole("button", { name: "Disable" }).click();
  await expect(page.locator("tbody tr").filter({ hasText: "adyen" }).first()).toContainText("disabled");
});

test("an operator is not offered the page and cannot open it", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await expect(page.getByRole("link", { name: "PSP accounts" })).toHaveCount(0);
  await page.goto("/psp-accounts");
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "PSP accounts" })).toHaveCount(0);
});
