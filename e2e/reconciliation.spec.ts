// Goal: an operator resolves an amount mismatch by accepting the PSP's figure; the difference is above the
// four-eyes amount, so the adjustment waits until a second operator approves it; the item is then resolved and
// its history names both. The screens work at 1280 and 390 px.
import { expect, type Page, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();
// This spec's own request and decision: the approvals page lists every kind of request (ledger adjustments and
// customer erasures of other specs too), so they are found by their text, never by position.
const REASON = "the PSP confirmed the short settlement";
const NOTE = "matches the PSP's statement";

async function openMismatch(page: Page) {
  await page.getByRole("link", { name: "Reconciliation", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Reconciliation", level: 1 })).toBeVisible();
  await expect(page.getByTestId("recon-runs")).toContainText("stripe-balance-report-");
  await page.getByRole("link", { name: "Open items" }).click();
  await expect(page.getByRole("heading", { name: "Reconciliation queue" })).toBeVisible();
  await page.locator('select[name="category"]').selectOption(["AMOUNT_MISMATCH"]);
  await page.getByRole("button", { name: "Apply" }).click();
  const row = page.locator("tr", { hasText: state.reconPaymentId });
  await expect(row).toContainText("amount mismatch");
  await row.getByRole("link", { name: "amount mismatch" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("amount mismatch");
}

test("an amount mismatch resolved by accepting the PSP's figure, approved by a second operator", async ({
  page,
}) => {
  await signIn(page, state.operators.OPERATOR);
  await page.setViewportSize({ width: 1280, height: 800 });
  await openMismatch(page);
  await expect(page.getByTestId("psp-gross")).toHaveText("$300.00");
  await expect(page.getByTestId("our-amount")).toHaveText("$500.00");
  await expect(page.getByTestId("difference")).toHaveText("-$200.00");
  await expect(page.getByRole("link", { name: state.reconPaymentId })).toBeVisible();
  await page.screenshot({ path: artifact("recon-item-1280"), fullPage: true });

  const actions = page.getByTestId("item-actions");
  await actions.getByRole("button", { name: "Accept the PSP's figure" }).click();
  await expect(actions.getByRole("alert")).toHaveText("Write a reason for the audit trail.");
  await actions.getByLabel("Reason (required)").fill(REASON);
  await actions.getByRole("button", { name: "Accept the PSP's figure" }).click();
  await expect(page.getByTestId("pending-approval")).toContainText("Waiting for a second operator");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("open");

  // The requester sees the request, but cannot decide it.
  await page.getByRole("link", { name: "Approvals" }).first().click();
  const pending = page.getByTestId("approvals-pending").getByRole("row").filter({ hasText: REASON });
  await expect(pending).toContainText("Your request: another operator decides it.");
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();
  await page.screenshot({ path: artifact("recon-approvals-390"), fullPage: true });
  await page.getByRole("button", { name: "Sign out" }).click();

  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, state.operators.ADMIN);
  await page.goto("/reconciliation/approvals");
  const request = page.getByTestId("approvals-pending").getByRole("row").filter({ hasText: REASON });
  await request.getByLabel("Note (required)").fill(NOTE);
  await request.getByRole("button", { name: "Approve" }).click();
  const decided = page.getByTestId("approvals-decided").getByRole("row").filter({ hasText: NOTE });
  await expect(decided).toContainText("approved");
  await expect(request).toHaveCount(0);

  await decided.getByRole("link", { name: "recon.accept_psp_figure", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("resolved");
  const history = page.getByTestId("recon-history");
  await expect(history).toContainText("approval.requested");
  await expect(history).toContainText("approval.approved");
  await expect(history).toContainText(state.operators.ADMIN.email);
  await page.screenshot({ path: artifact("recon-item-resolved"), fullPage: true });

  // The queue no longer lists it.
  await page.goto("/reconciliation/items?category=AMOUNT_MISMATCH");
  await expect(page.locator("tr", { hasText: state.reconPaymentId })).toHaveCount(0);
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole("heading", { name: "Reconciliation queue" })).toBeVisible();
  await page.screenshot({ path: artifact("recon-queue-390"), fullPage: true });
});
