// Goal: an operator uploads a settlement report on the Reconciliation page; a refused file says why in the form,
// and its run (refused, with the line and reason) shows in the runs list at once, without reloading the page.
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("a refused upload is listed among the runs without a reload", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto("/reconciliation");
  const form = page.getByRole("form", { name: "Import a settlement report" });
  const fileName = `refused-${randomBytes(4).toString("hex")}.csv`;
  await form.getByLabel("PSP").selectOption("adyen");
  // Stripe's columns sent as Adyen's report: refused at line 1.
  await form.getByLabel("Report file (CSV)").setInputFiles({
    name: fileName,
    mimeType: "text/csv",
    buffer: Buffer.from("balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category\n"),
  });
  await form.getByRole("button", { name: "Import" }).click();
  await expect(form.getByRole("alert")).toContainText("line 1: missing required columns");
  const run = page.getByTestId("recon-runs").locator("tr", { hasText: fileName });
  await expect(run).toContainText("Refused at line 1: missing required columns");
  await expect(run).toContainText("0 lines");
});
