// Goal (issue 18): an admin sets a merchant's settlement currencies, FX fee, a fixed fee in one currency and a
// fee per card funding type on the merchant page; the fee schedule shows each currency's fixed fee and where it
// comes from, and the funding-type rules, at 1280 and at 390 px wide.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("an admin sets settlement currencies, the FX fee and a fixed fee per currency", async ({ page }) => {
  await signIn(page, state.operators.ADMIN);
  await page.getByRole("link", { name: "Merchants" }).click();
  // The page after sign-in lists merchants in a select, and a seeded merchant's name contains "Name": wait for the
  // merchants page and match the label exactly.
  await expect(page.getByRole("heading", { name: "Merchants", level: 1 })).toBeVisible();
  const name = `Globex ${Date.now().toString(36)}`;
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create merchant" }).click();
  await page.getByRole("status").getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const section = page.getByRole("region", { name: "Currencies and fixed fees" });
  await expect(section.getByText("each payment's own currency")).toBeVisible();

  await section.getByLabel("Settlement currencies (first is the conversion target)").fill("usd eur");
  await section.getByLabel("FX fee (bps, 0–1000)").fill("150");
  await section.getByRole("button", { name: "Save settlement" }).click();
  await expect(section.getByText("USD, EUR (others convert to USD on capture)")).toBeVisible();
  await expect(section.getByText("1.50% (150 bps)")).toBeVisible();
  await expect(section.getByTestId("fixed-fee-USD")).toContainText("default");

  await section.getByLabel("Currency", { exact: true }).fill("JPY");
  await section.getByLabel("Fixed fee (minor units; empty: default)").fill("40");
  await section.getByRole("button", { name: "Set fixed fee" }).click();
  await expect(section.getByTestId("fixed-fee-JPY")).toContainText("this merchant");
  await expect(section.getByTestId("fixed-fee-JPY")).toContainText("40");

  // A bad currency is refused with the core's message, nothing written.
  await section.getByLabel("Currency", { exact: true }).fill("ZZZ");
  await section.getByLabel("Fixed fee (minor units; empty: default)").fill("5");
  await section.getByRole("button", { name: "Set fixed fee" }).click();
  await expect(section.getByRole("alert")).toContainText("ZZZ is not an ISO 4217 currency");
  await expect(section.getByTestId("fixed-fee-ZZZ")).toHaveCount(0);

  // Fees per card funding type: debit cards at 1.20% with the currency's usual fixed fee.
  await section.getByLabel(/^Funding type/).selectOption("debit");
  await section.getByLabel("Rate (bps, 0–10000; empty: remove)").fill("120");
  await section.getByRole("button", { name: "Set funding fee" }).click();
  await expect(section.getByTestId("funding-fee-debit")).toContainText("1.20% (120 bps)");
  await expect(section.getByTestId("funding-fee-debit")).toContainText("the currency's usual");
  await page.screenshot({ path: artifact("merchant-currencies"), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(section.getByTestId("fixed-fee-JPY")).toBeVisible();
  // This section fits the narrow screen (the page's other tables are not this spec's subject).
  const box = await section.boundingBox();
  expect(box && box.x + box.width).toBeLessThanOrEqual(390);
  expect(await section.evaluate((element) => element.scrollWidth - element.clientWidth)).toBeLessThanOrEqual(
    0,
  );
  await page.screenshot({ path: artifact("merchant-currencies-390"), fullPage: true });
});
