// Goal: erasing a customer's personal data from the console (issue 22). An admin previews what an erasure at one
// merchant would change (counts per table: the address appears only as typed, in the preview) and requests it;
// the pending request shows its counts and no address; an operator who is no admin is offered Reject only (the
// server refuses their approval too), and a second admin approves it in the ledger's approvals, after which the
// request is gone. The page has no axe violations and fits at 1280 and 390 px.
import { expect, test } from "@playwright/test";
import { artifact, expectAxeClean, expectFits, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();
const ADDRESS = "erase.me@example.com";
const REASON = "Erasure request ER-2026-118";

test("an admin requests a customer's erasure from its counts; a second admin approves it", async ({
  page,
  browser,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, state.operators.ADMIN);
  await page.goto("/customers/erasure");
  await expect(page).toHaveTitle(/Customer erasure/);
  await expect(page.getByTestId("no-erasure-requests")).toBeVisible();

  await page.getByLabel("Merchant id").fill(state.acmeMerchantId);
  await page.getByLabel("Customer e-mail").fill(ADDRESS.toUpperCase());
  await page.getByRole("button", { name: "Preview" }).click();
  const preview = page.getByTestId("erasure-preview");
  await expect(preview).toContainText("Acme Books");
  await expect(preview.getByTestId("count-payments")).toHaveText("1");
  await expect(preview.getByTestId("count-invoices")).toHaveText("0");
  await expectAxeClean(page, "the erasure preview at 1280 px");
  await page.screenshot({ path: artifact("customer-erasure-preview-1280"), fullPage: true });

  await preview.getByLabel(/Reason/).fill(REASON);
  await preview.getByRole("button", { name: "Request erasure" }).click();
  await expect(page.getByTestId("erasure-requested")).toContainText("waits for another operator");
  const row = page.getByTestId("erasure-requests").getByRole("row").filter({ hasText: REASON });
  await expect(row.getByTestId("count-payments")).toHaveText("1");
  await expect(row).toContainText("Acme Books");
  // Nothing is erased yet, and the request shows no address (it keeps the e-mail's blind index only).
  await page.reload();
  await expect(page.locator("main")).not.toContainText("erase.me");
  await expectAxeClean(page, "the pending erasure requests at 1280 px");
  await page.screenshot({ path: artifact("customer-erasure-1280"), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(row).toBeVisible();
  await expectFits(page, "the customer erasure page");
  await expectAxeClean(page, "the customer erasure page at 390 px");
  await page.screenshot({ path: artifact("customer-erasure-390"), fullPage: true });

  // An operator who is no admin sees the request but may only reject it.
  const operator = await browser.newPage();
  await signIn(operator, state.workbench.approver);
  await operator.goto("/ledger");
  const seen = operator.getByTestId("pending-approvals").locator("li", { hasText: REASON });
  await expect(seen).toContainText("Only a second admin approves this request.");
  await expect(seen.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(seen.getByRole("button", { name: "Reject" })).toBeVisible();
  await operator.close();

  const second = await browser.newPage();
  await signIn(second, state.secondAdmin);
  await second.goto("/ledger");
  const request = second.getByTestId("pending-approvals").locator("li", { hasText: REASON });
  await expect(request).toContainText("erase a customer's personal data");
  await request.getByLabel("Note").fill("identity checked against the request");
  await request.getByRole("button", { name: "Approve" }).click();
  await expect(request).toHaveCount(0);
  await second.close();

  await page.reload();
  await expect(page.getByTestId("no-erasure-requests")).toBeVisible();
  // Erased: the address no longer finds anything.
  await page.getByLabel("Merchant id").fill(state.acmeMerchantId);
  await page.getByLabel("Customer e-mail").fill(ADDRESS);
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByTestId("erasure-preview").getByTestId("count-payments")).toHaveText("0");
});
