// Goal: held payments wait in the review queue, oldest first; an operator approves one (captured) and rejects
// another (cancelled), each with a note that the audit log shows.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("approve one held payment and reject another", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await page.getByRole("link", { name: "Fraud reviews" }).click();
  const approveRow = page.getByTestId(`review-${state.heldToApproveId}`);
  const rejectRow = page.getByTestId(`review-${state.heldToRejectId}`);
  await expect(approveRow).toContainText("country_mismatch");
  await page.screenshot({ path: artifact("review-queue"), fullPage: true });

  await approveRow.getByLabel("Note (required)").fill("customer confirmed by phone");
  await approveRow.getByRole("button", { name: "Approve" }).click();
  // Approval authorizes at once; the automatic capture then settles by the sandbox PSP's webhook.
  await expect(approveRow.getByRole("status")).toHaveText(/^Now (authorized|captured)\.$/);

  await rejectRow.getByLabel("Note (required)").fill("card reported stolen");
  await rejectRow.getByRole("button", { name: "Reject" }).click();
  await expect(rejectRow.getByRole("status")).toHaveText(/^Now (cancelled|requires review)\.$/);

  // Decided payments leave the queue, or wait there without buttons while the PSP settles the decision.
  await page.reload();
  for (const id of [state.heldToApproveId, state.heldToRejectId]) {
    const row = page.getByTestId(`review-${id}`);
    await expect(row.getByRole("button", { name: "Approve" })).toHaveCount(0);
  }
  // The PSP confirms by webhook; the timeline shows the operator's note, the webhook and the final state.
  await expect(async () => {
    await page.goto(`/payments/${state.heldToRejectId}`);
    await expect(page.locator("h1")).toContainText("cancelled", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.locator("ol.timeline")).toContainText("card reported stolen");
  await expect(page.locator("ol.timeline")).toContainText("Webhook CANCELLATION");
  await expect(async () => {
    await page.goto(`/payments/${state.heldToApproveId}`);
    await expect(page.locator("h1")).toContainText("captured", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });

  await page.goto(`/audit?q=${state.heldToRejectId}`);
  await expect(page.locator("tbody tr").first()).toContainText("review.reject");
  await expect(page.locator("tbody tr").first()).toContainText("card reported stolen");
  await page.screenshot({ path: artifact("audit-log"), fullPage: true });
});
