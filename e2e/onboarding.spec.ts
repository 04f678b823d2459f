// Goal: an operator reviews a merchant's onboarding (issue 22): finds it in the queue and on the overview's
// needs-attention list, uploads a KYC document (kept with its SHA-256), approves it with a note after a
// confirmation step, and sees the decision in the history and the merchant leave the queue; the page works at
// 390 px. A viewer sees the review without the forms.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();
const path = `/onboarding/${encodeURIComponent(state.onboardingMerchantId)}`;
// A minimal PNG (1x1), sniffed as image/png by its bytes.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

test("a viewer sees the onboarding review without the forms", async ({ page }) => {
  await signIn(page, state.operators.VIEWER);
  await page.goto(path);
  await expect(page.getByRole("heading", { name: "Onboarding of Umbrella Traders", level: 1 })).toBeVisible();
  await expect(page.getByRole("form", { name: "Decision" })).toHaveCount(0);
  await expect(page.getByRole("form", { name: "Upload documents" })).toHaveCount(0);
});

test("an operator uploads a document and approves a merchant's onboarding", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, state.operators.OPERATOR);
  await page.goto("/overview");
  await expect(page.getByRole("link", { name: /Merchants awaiting an onboarding decision/ })).toBeVisible();
  await page.goto("/onboarding");
  await expect(page).toHaveTitle(/Onboarding/);
  const queue = page.getByTestId("onboarding-queue");
  await queue.getByRole("link", { name: "Umbrella Traders", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Status: pending verification" })).toBeVisible();
  await expect(page.getByTestId("business-details")).toContainText("Umbrella Traders Ltd");

  await page.getByLabel(/Documents \(PDF, PNG or JPEG/).setInputFiles({
    name: "certificate.png",
    mimeType: "image/png",
    buffer: PNG,
  });
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByTestId("onboarding-documents")).toContainText("certificate.png");
  await expect(page.getByTestId("onboarding-documents")).toContainText(/SHA-256 [0-9a-f]{64}/);

  await page.getByLabel(/Note/).fill("Registry extract and ID checked.");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("alertdialog", { name: "Confirm the decision" })).toContainText("verified");
  await page.getByRole("button", { name: "Confirm: approve" }).click();
  await expect(page.getByRole("heading", { name: "Status: verified" })).toBeVisible();
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText("pending verification → verified");
  await expect(history).toContainText("Registry extract and ID checked.");
  await expect(history).toContainText(state.operators.OPERATOR.email);
  await page.screenshot({ path: artifact("onboarding-1280"), fullPage: true });

  await page.goto("/onboarding");
  await expect(
    page.getByTestId("onboarding-queue").getByRole("link", { name: "Umbrella Traders", exact: true }),
  ).toHaveCount(0);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(path);
  const widest = await page.evaluate(() =>
    Math.max(...[...document.querySelectorAll("main section")].map((s) => s.getBoundingClientRect().right)),
  );
  expect(widest).toBeLessThanOrEqual(390);
  await page.screenshot({ path: artifact("onboarding-390"), fullPage: true });
});
