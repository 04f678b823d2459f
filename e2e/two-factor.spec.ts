// Goal: an operator turns on TOTP from the console (QR code, key as text, a code from otplib), keeps the
// recovery codes, then signs in with a code as the second step, and with a recovery code that works only once.
import { expect, type Page, test } from "@playwright/test";
import { artifact, freshTotpCode } from "./helpers";
import { readState } from "./state";

const state = readState();
const operator = state.enrollingOperator;

async function passwordStep(page: Page) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByLabel("Code")).toBeVisible();
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
}

test("enrol, sign in with a code, and with a recovery code only once", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Payments" })).toBeVisible();

  await page.getByRole("link", { name: "Two-factor" }).click();
  await expect(page.getByTestId("totp-status")).toHaveText("Two-factor authentication is off.");
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await expect(page.getByRole("img", { name: "QR code of the set-up key" })).toBeVisible();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: artifact(`two-factor-setup-${width}`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByLabel("Code from the app").fill(await freshTotpCode(secret));
  await page.getByRole("button", { name: "Turn on" }).click();
  const codes = page.getByTestId("recovery-codes").locator("li");
  await expect(codes).toHaveCount(10);
  const recoveryCode = (await codes.nth(0).textContent()) ?? "";
  await page.screenshot({ path: artifact("two-factor-recovery-codes"), fullPage: true });
  await page.getByRole("button", { name: "I have saved them: continue" }).click();
  await expect(page.getByRole("heading", { name: "Payments" })).toBeVisible();
  await signOut(page);

  // The password alone is not enough any more.
  await passwordStep(page);
  await page.goto("/payments");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByLabel("Code")).toBeVisible();
  await page.screenshot({ path: artifact("two-factor-code-step") });
  await page.getByLabel("Code").fill(await freshTotpCode(secret));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Payments" })).toBeVisible();
  await signOut(page);

  await passwordStep(page);
  await page.getByLabel("Code").fill(recoveryCode);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Payments" })).toBeVisible();
  await signOut(page);

  await passwordStep(page);
  await page.getByLabel("Code").fill(recoveryCode);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#second-factor-error")).toHaveText(
    "That code is not valid. Codes can be used once; wait for the next one.",
  );
});
