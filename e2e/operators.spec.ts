// Goal: an admin manages console operators in the browser: adds one with a generated password shown once, that
// password signs the new operator in, the admin changes their role, resets their password (shown once) and
// disables them, and the page works at 1280 and 390 px. Operators below admin are not offered the page.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();
// Unique per run, in base 36: a millisecond timestamp in decimal could be a Luhn-valid card-number run.
const NEW_EMAIL = `e2e-${Date.now().toString(36)}@e2e.test`;

test("an admin adds an operator, who signs in with the one-time password; role, reset and disable", async ({
  page,
  browser,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, state.operators.ADMIN);
  await page.getByRole("link", { name: "Operators" }).click();
  await expect(page.getByRole("heading", { name: "Operators", level: 1 })).toBeVisible();
  // The admin's own row offers no actions: nobody disables or demotes themselves.
  await expect(page.getByTestId(`operator-${state.operators.ADMIN.email}`)).toContainText("you");

  const form = page.getByRole("region", { name: "Add an operator" });
  await form.getByLabel("Email").fill(NEW_EMAIL);
  await form.getByLabel("Role").selectOption("VIEWER");
  await form.getByRole("button", { name: "Add operator" }).click();
  const password = (await page.getByTestId("one-time-password").textContent()) ?? "";
  expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
  const row = page.getByTestId(`operator-${NEW_EMAIL}`);
  await expect(row).toContainText("viewer");
  await expect(row).toContainText("never");
  await page.screenshot({ path: artifact("operators-1280"), fullPage: true });

  const theirs = await browser.newPage();
  await signIn(theirs, { email: NEW_EMAIL, password, totpSecret: null });
  await theirs.close();
  await page.reload();
  await expect(page.getByTestId(`operator-${NEW_EMAIL}`)).not.toContainText("never");
  // Reloaded: the one-time password is gone from the page.
  await expect(page.locator("body")).not.toContainText(password);

  await row.getByLabel(`Role of ${NEW_EMAIL}`).selectOption("OPERATOR");
  await expect(row.locator("td").nth(1)).toHaveText("operator");

  // Resetting and disabling lock a colleague out: each asks first, and Back changes nothing.
  await row.getByRole("button", { name: "Reset password", exact: true }).click();
  const resetDialog = row.getByRole("alertdialog", { name: `Reset the password of ${NEW_EMAIL}` });
  await expect(resetDialog).toContainText("stops working now");
  await resetDialog.getByRole("button", { name: "Back" }).click();
  await expect(resetDialog).toHaveCount(0);
  await expect(row.getByTestId("one-time-password")).toHaveCount(0);
  await row.getByRole("button", { name: "Reset password", exact: true }).click();
  await resetDialog.getByRole("button", { name: "Reset the password" }).click();
  // Hashing the new password (argon2id) took over 20 s at a load average of 15 on two cores.
  await expect(row.getByTestId("one-time-password")).toHaveText(/^[A-Za-z0-9]{20}$/, { timeout: 60_000 });
  const reset = (await row.getByTestId("one-time-password").textContent()) ?? "";
  expect(reset).not.toBe(password);

  await row.getByRole("button", { name: "Disable", exact: true }).click();
  const disableDialog = row.getByRole("alertdialog", { name: `Disable ${NEW_EMAIL}` });
  await expect(disableDialog).toContainText("cannot sign in until an admin enables");
  await disableDialog.getByRole("button", { name: `Disable ${NEW_EMAIL}` }).click();
  await expect(row).toContainText("disabled");
  await expect(row.getByRole("button", { name: "Enable" })).toBeVisible();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByRole("heading", { name: "Operators", level: 1 })).toBeVisible();
  await page.screenshot({ path: artifact("operators-390"), fullPage: true });
});

test("an operator is not offered the page and cannot open it", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await expect(page.getByRole("link", { name: "Operators" })).toHaveCount(0);
  await page.goto("/operators");
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});
