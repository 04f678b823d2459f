// Goal (issue 17): an admin sets a merchant's dispute fee in one currency on the merchant page (through the core's
// audited command); the page lists it, a bad input is refused with the core's sentence and nothing written, and
// the section fits a 390 px screen.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("an admin sets and removes a dispute fee per currency", async ({ page }) => {
  await signIn(page, state.operators.ADMIN);
  await page.getByRole("link", { name: "Merchants" }).click();
  // The page after sign-in lists merchants in a select, and a seeded merchant's name contains "Name": wait for the
  // merchants page and match the label exactly.
  await expect(page.getByRole("heading", { name: "Merchants", level: 1 })).toBeVisible();
  const name = `Initech ${Date.now().toString(36)}`;
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create merchant" }).click();
  await page.getByRole("status").getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const section = page.getByRole("region", { name: "Dispute fees" });
  await expect(section.getByText("Default dispute fee")).toBeVisible();

  await section.getByLabel("Dispute fee currency").fill("eur");
  await section.getByLabel("Dispute fee (minor units; empty: default)").fill("2500");
  await section.getByRole("button", { name: "Set dispute fee" }).click();
  await expect(section.getByTestId("dispute-fee-EUR")).toContainText("25.00");

  // A bad currency is refused with the core's message, nothing written.
  await section.getByLabel("Dispute fee currency").fill("ZZZ");
  await section.getByLabel("Dispute fee (minor units; empty: default)").fill("5");
  await section.getByRole("button", { name: "Set dispute fee" }).click();
  await expect(section.getByRole("alert")).toContainText("ZZZ is not an ISO 4217 currency");
  await expect(section.getByTestId("dispute-fee-ZZZ")).toHaveCount(0);
  await page.screenshot({ path: artifact("merchant-dispute-fees"), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(section.getByTestId("dispute-fee-EUR")).toBeVisible();
  const box = await section.boundingBox();
  expect(box && box.x + box.width).toBeLessThanOrEqual(390);

  // Removed: the default applies again.
  await section.getByLabel("Dispute fee currency").fill("EUR");
  await section.getByLabel("Dispute fee (minor units; empty: default)").fill("");
  await section.getByRole("button", { name: "Set dispute fee" }).click();
  await expect(section.getByTestId("dispute-fee-EUR")).toHaveCount(0);
  await expect(section.getByText("Default dispute fee")).toBeVisible();
});
