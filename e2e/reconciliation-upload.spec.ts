// Goal: an operator uploads a settlement report on the Reconciliation page; a refused file says why in the form,
// and its run (refused, with the line and reason) shows in the runs list at once, without reloading the page; files
// in the PSPs' published layouts, as an operator downloads them (Adyen's Settlement details report with a byte-order
// mark, CRLF, CET times, quoted cells, a Fee and a MerchantPayout row; Stripe's itemized balance change report with
// its many columns, lower-case currency and metadata columns), are imported as uploaded.
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

/** Adyen's Settlement details report as its Customer Area writes it: all its columns, in its order. */
const ADYEN_COLUMNS = [
  "Company Account",
  "Merchant Account",
  "Psp Reference",
  "Merchant Reference",
  "Payment Method",
  "Creation Date",
  "TimeZone",
  "Type",
  "Modification Reference",
  "Gross Currency",
  "Gross Debit (GC)",
  "Gross Credit (GC)",
  "Exchange Rate",
  "Net Currency",
  "Net Debit (NC)",
  "Net Credit (NC)",
  "Commission (NC)",
  "Markup (NC)",
  "Scheme Fees (NC)",
  "Interchange (NC)",
  "Payment Method Variant",
  "Modification Merchant Reference",
  "Batch Number",
  "Reserved4",
  "Reserved5",
];

function adyenReport(batch: string, reference: string): Buffer {
  const row = (cells: Record<string, string>) => ADYEN_COLUMNS.map((column) => cells[column] ?? "").join(",");
  const common = {
    "Company Account": "ShopCo",
    "Merchant Account": '"ShopCoEU"',
    TimeZone: "CET",
    "Batch Number": batch,
  };
  const lines = [
    ADYEN_COLUMNS.join(","),
    row({
      ...common,
      "Psp Reference": reference,
      "Merchant Reference": "pay_01UNKNOWNUNKNOWNUNKNOWNUN",
      "Payment Method": "visa",
      "Creation Date": "2026-12-07 10:15:00",
      Type: "Settled",
      "Modification Reference": `${reference}M`,
      "Gross Currency": "USD",
      "Gross Credit (GC)": "12.50",
      "Exchange Rate": "1",
      "Net Currency": "USD",
      "Net Credit (NC)": "12.43",
      "Commission (NC)": "0.07",
      "Payment Method Variant": "visaclassic",
    }),
    row({
      ...common,
      "Creation Date": "2026-12-07 23:00:00",
      Type: "Fee",
      "Modification Reference": "Transaction Fees",
      "Net Currency": "USD",
      "Net Debit (NC)": "0.50",
    }),
    row({
      ...common,
      "Merchant Reference": '"Payout of batch, USD"',
      "Creation Date": "2026-12-07 23:05:00",
      Type: "MerchantPayout",
      "Modification Reference": `PAYOUT-${batch}`,
      "Net Currency": "USD",
      "Net Debit (NC)": "20.00",
    }),
  ];
  return Buffer.from(`\ufeff${lines.join("\r\n")}\r\n`);
}

function stripeReport(transaction: string): Buffer {
  const columns = [
    "balance_transaction_id",
    "created_utc",
    "created",
    "available_on_utc",
    "available_on",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "source_id",
    "description",
    "customer_facing_amount",
    "customer_facing_currency",
    "automatic_payout_id",
    "customer_email",
    "charge_id",
    "payment_intent_id",
    "payment_method_type",
    "card_brand",
    "card_funding",
    "card_country",
    "statement_descriptor",
    "payment_metadata[reference]",
    "refund_metadata[reference]",
  ];
  const cells = [
    transaction,
    "2026-12-07 10:15:00",
    "2026-12-07 10:15:00",
    "2026-12-09 00:00:00",
    "2026-12-09 00:00:00",
    "usd",
    "40.01",
    "1.46",
    "38.55",
    "charge",
    `ch_${transaction}`,
    '"Order ""A-17"", shop"',
    "40.01",
    "usd",
    "",
    "buyer@example.com",
    `ch_${transaction}`,
    `pi_${transaction}`,
    "card",
    "visa",
    "credit",
    "US",
    "SHOPCO",
    "pay_01UNKNOWNUNKNOWNUNKNOWNUN",
    "",
  ];
  return Buffer.from(`${columns.join(",")}\n${cells.join(",")}\n`);
}

test("reports in Adyen's and Stripe's published layouts are imported as uploaded, a payout row never a fee", async ({
  page,
}) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto("/reconciliation");
  const form = page.getByRole("form", { name: "Import a settlement report" });
  const id = randomBytes(6).toString("hex").toUpperCase();

  const adyenName = `settlement_detail_report_batch_${id}.csv`;
  await form.getByLabel("PSP").selectOption("adyen");
  await form.getByLabel("Report file (CSV)").setInputFiles({
    name: adyenName,
    mimeType: "text/csv",
    buffer: adyenReport(id, `PSP${id}`),
  });
  await form.getByRole("button", { name: "Import" }).click();
  await expect(form.getByRole("status")).toContainText("Imported: 3 lines");
  const adyenRun = page.getByTestId("recon-runs").locator("tr", { hasText: adyenName });
  // Gross / fee / net: 12.50 − 20.00 paid out; fees 0.07 + 0.50; the payout's 20.00 is no fee.
  await expect(adyenRun).toContainText("$0.57");
  await expect(adyenRun).not.toContainText("$20.57");

  const stripeName = `balance_change_from_activity_itemized_3_${id}.csv`;
  await form.getByLabel("PSP").selectOption("stripe");
  await form.getByLabel("Report file (CSV)").setInputFiles({
    name: stripeName,
    mimeType: "text/csv",
    buffer: stripeReport(`txn_${id}`),
  });
  await form.getByRole("button", { name: "Import" }).click();
  await expect(form.getByRole("status")).toContainText("Imported: 1 line");
  await expect(page.getByTestId("recon-runs").locator("tr", { hasText: stripeName })).toContainText("$1.46");
});
