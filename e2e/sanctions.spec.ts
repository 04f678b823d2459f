// Goal: an operator resolves a sanctions hit (issue 22): sees it on the overview and in the hits list, opens it
// (screened and listed names, score, the list versions used), and closes it as a false positive with a note after
// a confirmation step; the page works at 390 px.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("an operator resolves a sanctions hit as a false positive", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, state.operators.OPERATOR);
  await page.goto("/overview");
  await expect(page.getByRole("link", { name: /Sanctions hits to review/ })).toBeVisible();
  await page.goto("/sanctions");
  await expect(page).toHaveTitle(/Sanctions/);
  const row = page.getByTestId("sanctions-hits").getByRole("row").filter({ hasText: state.sanctionsHitId });
  await expect(row).toContainText("open");
  await expect(row).toContainText("ZELTRAMOS HOLDINGS LIMITED");
  await row.getByRole("link", { name: state.sanctionsHitId }).click();
  const facts = page.getByTestId("sanctions-hit");
  await expect(facts).toContainText("Zeltramos Holdings Ltd");
  await expect(facts).toContainText("OFAC SDN");
  await expect(facts).toContainText(/slv_/);

  await page.getByLabel(/Note/).fill("Registered in another country, different directors.");
  await page.getByRole("button", { name: "False positive" }).click();
  await expect(page.getByRole("alertdialog", { name: "Confirm the decision" })).toContainText(
    "no longer blocks",
  );
  await page.getByRole("button", { name: "Close as false positive" }).click();
  await expect(page.getByRole("heading", { name: "Status: false positive" })).toBeVisible();
  await expect(facts).toContainText("Registered in another country");
  await expect(facts).toContainText(state.operators.OPERATOR.email);
  await page.screenshot({ path: artifact("sanctions-1280"), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  const widest = await page.evaluate(() =>
    Math.max(...[...document.querySelectorAll("main section")].map((s) => s.getBoundingClientRect().right)),
  );
  expect(widest).toBeLessThanOrEqual(390);
});
