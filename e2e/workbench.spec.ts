// Goal: the exception workbench in the browser: an operator captures part of an authorized payment after a
// confirmation step, submits dispute evidence with a file (and its kind) on the merchant's behalf, replays a dead
// letter whose cause is gone, and asks for a large ledger adjustment that a second operator approves; each page is
// reached from the overview's needs-attention cards or the navigation. (Axe checks at 1280 and 390 px are the
// usability work's, which adds @axe-core/playwright to the suite.)
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();
const workbench = state.workbench;

test("an operator captures an authorized payment partially, after confirming", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto(`/payments/${workbench.authorizedPaymentId}`);
  await expect(page.getByTestId("capturable")).toHaveText("$80.00");
  await page.getByLabel("Amount to capture (USD)").fill("25.00");
  await page.getByRole("button", { name: "Review capture" }).click();
  await expect(page.getByTestId("confirm-authorization-text")).toContainText("Capture $25.00 of $80.00");
  await page.getByRole("button", { name: "Confirm capture" }).click();
  // The notice may be gone already: the page refreshes, and a captured payment has no capture panel.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("amount-captured")).toHaveText("$25.00", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await page.screenshot({ path: artifact("workbench-capture"), fullPage: true });
});

test("an operator submits dispute evidence with a file on the merchant's behalf", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto("/overview");
  await page.getByRole("link", { name: "Disputes needing a response" }).click();
  await expect(page).toHaveURL(/\/disputes$/);
  await expect(page.getByTestId("result-count")).toHaveText(/^\d+ disputes? (is|are) open\.$/);
  await page.getByRole("link", { name: workbench.disputeId }).click();
  await expect(page.getByTestId("dispute-status")).toHaveText("needs response");
  await page.getByLabel("Product or service description").fill("Hardcover books, delivered on time");
  await page.getByLabel("Shipping tracking").fill("TRACK-9Z8Y7X");
  await page.getByLabel(/^Files/).setInputFiles({
    name: "delivery.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"),
  });
  // The file is filed by the kind the operator chose (Stripe's shipping_documentation), not by its name.
  const kind = page.getByTestId("evidence-file-kinds").getByLabel("delivery.pdf");
  await expect(kind).toHaveValue("UNCATEGORIZED");
  await kind.selectOption({ label: "Shipping documentation" });
  await page.getByRole("button", { name: "Review evidence" }).click();
  await expect(page.getByTestId("confirm-dispute-text")).toContainText("1 file: Shipping documentation");
  await page.getByRole("button", { name: "Send evidence" }).click();
  await expect(page.getByTestId("dispute-status")).toHaveText("under review");
  await expect(page.getByTestId("dispute-outcome")).toContainText("Under review");
  await page.screenshot({ path: artifact("workbench-dispute"), fullPage: true });
});

test("an operator replays a dead letter whose cause is gone", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto("/overview");
  await page.getByRole("link", { name: "Dead letters to look at" }).click();
  await expect(page.getByTestId("result-count")).toHaveText(/^\d+ open dead letters?\.$/);
  // Exact: "#1" would also name "#10"…"#19", dead letters the sandbox's webhooks may add during the run.
  await page.getByRole("link", { name: `#${workbench.deadLetterId}`, exact: true }).click();
  await expect(page.getByTestId("dead-letter-reason")).toHaveText("no payment with this PSP reference");
  await expect(page.getByTestId("dead-letter-payload")).toContainText("payment_intent.succeeded");
  await page.getByRole("button", { name: "Replay" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("replayed");
  await page.goto(`/audit?q=${workbench.deadLetterId}`);
  await expect(page.locator("tbody tr").first()).toContainText("dead_letter.replay");
});

test("a large manual adjustment waits for a second operator, who approves it", async ({ page, browser }) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto("/ledger");
  await page.locator("select[name=merchantId]").selectOption({ label: workbench.merchantName });
  await page.getByLabel("Debit account").selectOption("recon_adjustments");
  await page.getByLabel("Credit account").selectOption("merchant_balance");
  // Exact: the Merchant label holds every merchant's name (its select's options), seeded and made by other specs.
  await page.getByLabel("Amount", { exact: true }).fill("250.00");
  await page.getByLabel("Reason", { exact: true }).fill("settlement shortfall owed to the merchant");
  await page.getByRole("button", { name: "Review adjustment" }).click();
  await expect(page.getByTestId("confirm-adjustment-text")).toContainText("250.00 USD");
  await page.getByRole("button", { name: "Confirm adjustment" }).click();
  await expect(page.getByTestId("adjustment-result")).toContainText("waits for a second operator");
  await expect(page.getByTestId("pending-approvals")).toContainText("You asked for this");

  const second = await browser.newPage();
  await signIn(second, workbench.approver);
  await second.goto("/ledger");
  const request = second.getByTestId("pending-approvals").locator("li", { hasText: "settlement shortfall" });
  await request.getByLabel("Note").fill("matches the PSP statement");
  await request.getByRole("button", { name: "Approve" }).click();
  await expect(second.getByTestId("adjustments")).toContainText("approved by approver@e2e.test");
  await second.screenshot({ path: artifact("workbench-ledger"), fullPage: true });
  await second.close();
});
