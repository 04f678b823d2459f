// Goal: an admin creates a merchant and an API key, sees the key once and copies it (a reload shows only its hint),
// makes the key's signing secret (shown once) and requires signed requests, revokes the key, and the overview
// renders its attention counts and charts.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("an admin creates a merchant and a key shown once, and the overview renders its charts", async ({
  page,
}) => {
  await signIn(page, state.operators.ADMIN);
  await page.getByRole("link", { name: "Merchants" }).click();
  await expect(page.getByRole("heading", { name: "Merchants", level: 1 })).toBeVisible();

  // Unique per run, in base 36: a millisecond timestamp in decimal is a Luhn-valid 13-digit run one time in ten.
  const name = `Umbrella ${Date.now().toString(36)}`;
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Fee rate (bps)").fill("250");
  await page.getByLabel("Default fixed fee (hundredths of a major unit)").fill("20");
  await page.getByLabel("Review threshold (0–99)").fill("50");
  await page.getByLabel("Decline threshold (1–100)").fill("80");
  await page.getByRole("button", { name: "Create merchant" }).click();
  await page.getByRole("status").getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(
    page.getByText("2.50% (250 bps) + a fixed fee per currency (default 20 hundredths of a major unit)"),
  ).toBeVisible();
  await expect(page.getByText("No API keys yet.")).toBeVisible();

  await page.getByLabel("Kind").selectOption("SECRET");
  await page.getByLabel("Mode").selectOption("TEST");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = page.getByTestId("new-key-secret");
  await expect(secret).toHaveText(/^sk_test_[0-9A-Za-z]{32}$/);
  const key = (await secret.textContent()) ?? "";
  const hint = `${key.slice(0, 8)}…${key.slice(-4)}`;
  await expect(page.locator("tbody")).toContainText(hint);
  // The copy button puts the key on the clipboard and says so.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.getByRole("button", { name: "Copy the new key" }).click();
  await expect(page.getByText("Copied.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await page.screenshot({ path: artifact("merchant-new-key"), fullPage: true });

  // Shown once: after a reload only the hint is left.
  await page.reload();
  await expect(page.locator("tbody")).toContainText(hint);
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  expect(await page.content()).not.toContain(key);

  // Signed requests (issue 22): a signing secret for the key, shown once, and the merchant's requirement.
  const signing = page.getByRole("region", { name: "Signed requests" });
  await expect(signing.getByTestId("signing-required")).toContainText("Optional");
  page.once("dialog", (dialog) => dialog.accept());
  await signing.getByRole("button", { name: "New signing secret" }).click();
  const signingSecret = signing.getByTestId("new-signing-secret").locator("code");
  await expect(signingSecret).toHaveText(/^rsk_[A-Za-z0-9_-]{43}$/);
  const secretText = (await signingSecret.textContent()) ?? "";
  await signing.getByLabel("Require signed requests for every secret key").check();
  await signing.getByRole("button", { name: "Save signing rule" }).click();
  await expect(signing.getByTestId("signing-required")).toContainText("Required");
  await page.reload();
  await expect(signing.getByRole("list")).toContainText(`…${secretText.slice(-4)}`);
  expect(await page.content()).not.toContain(secretText);

  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: `Revoke key ${hint}` }).click();
  await expect(page.getByRole("button", { name: `Revoke key ${hint}` })).toHaveCount(0);
  await expect(page.locator("tbody tr").first()).not.toContainText("active");
  await page.screenshot({ path: artifact("merchant-detail"), fullPage: true });

  await page.getByRole("link", { name: "Overview" }).click();
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  await expect(page.getByTestId("attention-Held for review")).toHaveText(/^\d+$/);
  for (const chart of ["volume-count", "approval", "refunds", "psp"]) {
    await expect(page.getByTestId(`chart-${chart}`)).toBeVisible();
  }
  await expect(page.getByRole("img", { name: /Captured payments \(live\)/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /Approval rate/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /PSP success rate/ })).toBeVisible();
  await page.screenshot({ path: artifact("overview"), fullPage: true });
});
