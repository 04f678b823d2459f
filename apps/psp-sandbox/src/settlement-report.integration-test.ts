// Goal: each PSP's daily settlement CSV, served over HTTP and written to a directory, parses back (csv-parse) in its own column layout with exact major-unit amounts for USD, JPY and KWD, and fees that follow the documented model.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxHandle, settlementFileName, startSandbox } from "./sandbox-server";
import { ADYEN_COLUMNS, STRIPE_COLUMNS } from "./settlement-report";
import { ADYEN_MERCHANT_ACCOUNT, adyenCardPayment, sandboxAdyenCheckout } from "./testing/adyen-client";
import { cardPaymentParams, sandboxStripe } from "./testing/stripe-client";

const DAY = "2026-03-14";
const CLOCK = new Date(`${DAY}T10:00:00.000Z`);

let sandbox: SandboxHandle;
let settlementDir: string;

async function fetchCsv(
  psp: "stripe" | "adyen",
  date: string,
): Promise<{ text: string; rows: Record<string, string>[] }> {
  const response = await fetch(`${sandbox.url}/__sandbox/settlements/${psp}/${date}.csv`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/text\/csv/);
  const text = await response.text();
  return { text, rows: parse(text, { columns: true }) as Record<string, string>[] };
}

function header(text: string): string[] {
  return (parse(text, { to_line: 1 }) as string[][])[0]!;
}

/** "12.345" KWD → 12345n: the inverse of the report's formatting, for sum checks. */
function toMinor(decimal: string): bigint {
  if (decimal === "") return 0n;
  const negative = decimal.startsWith("-");
  const [whole, fraction = ""] = decimal.replace("-", "").split(".");
  const minor = BigInt(`${whole}${fraction}`);
  return negative ? -minor : minor;
}

beforeAll(async () => {
  settlementDir = await mkdtemp(join(tmpdir(), "psp-sandbox-settlements-"));
  sandbox = await startSandbox({ now: () => CLOCK, settlementDir, timings: { modificationDelayMs: 20 } });
  const stripe = sandboxStripe(sandbox.port);
  const checkout = sandboxAdyenCheckout(sandbox.url);
  const payments: [string, number, string][] = [
    ["usd", 10_000, "pay_usd"],
    ["jpy", 5_000, "pay_jpy"],
    ["kwd", 12_345, "pay_kwd"],
  ];
  for (const [currency, amountMinor, reference] of payments) {
    await stripe.paymentIntents.create(
      cardPaymentParams({ amountMinor, currency, number: "4242424242424242", reference }),
    );
    await checkout.PaymentsApi.payments(
      adyenCardPayment({
        amountMinor,
        currency: currency.toUpperCase(),
        number: "5555555555554444",
        reference,
      }),
    );
  }
  const stripeUsd = sandbox
    .charges()
    .find((charge) => charge.psp === "stripe" && charge.reference === "pay_usd")!;
  await stripe.refunds.create({ payment_intent: stripeUsd.pspReference, amount: 2_500 });
  const adyenUsd = sandbox
    .charges()
    .find((charge) => charge.psp === "adyen" && charge.reference === "pay_usd")!;
  await checkout.ModificationsApi.refundCapturedPayment(adyenUsd.pspReference, {
    amount: { value: 2_500, currency: "USD" },
    merchantAccount: ADYEN_MERCHANT_ACCOUNT,
  });
  const deadline = Date.now() + 5_000;
  while (
    sandbox.charges().find((charge) => charge.pspReference === adyenUsd.pspReference)!.refundedMinor === 0n
  ) {
    if (Date.now() > deadline) throw new Error("the Adyen refund was not processed");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

afterAll(async () => {
  await sandbox.stop();
  await rm(settlementDir, { recursive: true, force: true });
});

describe("Stripe balance report", () => {
  it("has Stripe's columns and exact amounts with a 2.9 % + 30 fee on charges and none on refunds", async () => {
    const { text, rows } = await fetchCsv("stripe", DAY);
    expect(header(text)).toEqual([...STRIPE_COLUMNS]);
    const view = rows.map((row) => [
      row.reporting_category,
      row.currency,
      row.gross,
      row.fee,
      row.net,
      row.customer_facing_amount,
      row["payment_metadata[reference]"],
    ]);
    expect(view).toEqual([
      ["charge", "usd", "100.00", "3.20", "96.80", "100.00", "pay_usd"],
      ["charge", "jpy", "5000", "175", "4825", "5000", "pay_jpy"],
      ["charge", "kwd", "12.345", "0.388", "11.957", "12.345", "pay_kwd"],
      ["refund", "usd", "-25.00", "0.00", "-25.00", "25.00", "pay_usd"],
    ]);
    for (const row of rows) {
      expect(toMinor(row.gross!) - toMinor(row.fee!)).toBe(toMinor(row.net!));
      expect(row.balance_transaction_id).toMatch(/^txn_/);
      expect(row.payment_intent_id).toMatch(/^pi_/);
      expect(row.charge_id).toMatch(/^ch_/);
      expect(row.created_utc).toBe(`${DAY} 10:00:00`);
      expect(row.available_on_utc).toBe("2026-03-16 00:00:00");
    }
    expect(rows[3]!.source_id).toMatch(/^re_/);
  });
});

describe("Adyen settlement details report", () => {
  it("has Adyen's columns, Settled/Refunded rows with a 0.60 % commission, and one Fee row per currency", async () => {
    const { text, rows } = await fetchCsv("adyen", DAY);
    expect(header(text)).toEqual([...ADYEN_COLUMNS]);
    const view = rows.map((row) => [
      row.Type,
      row["Gross Currency"],
      row["Gross Debit (GC)"],
      row["Gross Credit (GC)"],
      row["Net Debit (NC)"],
      row["Net Credit (NC)"],
      row["Commission (NC)"],
      row["Merchant Reference"],
    ]);
    expect(view).toEqual([
      ["Settled", "USD", "", "100.00", "", "99.40", "0.60", "pay_usd"],
      ["Settled", "JPY", "", "5000", "", "4970", "30", "pay_jpy"],
      ["Settled", "KWD", "", "12.345", "", "12.271", "0.074", "pay_kwd"],
      ["Refunded", "USD", "25.00", "", "25.00", "", "0.00", "pay_usd"],
      ["Fee", "USD", "", "", "0.22", "", "", ""],
      ["Fee", "JPY", "", "", "11", "", "", ""],
      ["Fee", "KWD", "", "", "0.011", "", "", ""],
    ]);
    for (const row of rows.filter((candidate) => candidate.Type === "Settled")) {
      expect(toMinor(row["Gross Credit (GC)"]!) - toMinor(row["Commission (NC)"]!)).toBe(
        toMinor(row["Net Credit (NC)"]!),
      );
      expect(row).toMatchObject({
        "Merchant Account": ADYEN_MERCHANT_ACCOUNT,
        "Payment Method": "mc",
        TimeZone: "UTC",
        "Exchange Rate": "1",
        "Creation Date": `${DAY} 10:00:00`,
      });
      expect(row["Psp Reference"]).toMatch(/^[A-Z0-9]{16}$/);
    }
    expect(new Set(rows.map((row) => row["Batch Number"]))).toEqual(
      new Set([String(Date.parse(DAY) / 86_400_000)]),
    );
  });
});

describe("settlement files", () => {
  it.each(["stripe", "adyen"] as const)(
    "the %s report served is also written to settlementDir",
    async (psp) => {
      const { text } = await fetchCsv(psp, DAY);
      expect(await readFile(join(settlementDir, settlementFileName(psp, DAY)), "utf8")).toBe(text);
    },
  );

  it("writeSettlementFiles writes both reports of a day", async () => {
    const paths = await sandbox.writeSettlementFiles(DAY);
    expect(paths.map((path) => path.replace(`${settlementDir}/`, ""))).toEqual([
      settlementFileName("stripe", DAY),
      settlementFileName("adyen", DAY),
    ]);
  });

  it("a day without movements has only the header", async () => {
    const { text, rows } = await fetchCsv("stripe", "2026-03-15");
    expect(rows).toEqual([]);
    expect(header(text)).toEqual([...STRIPE_COLUMNS]);
  });

  it.each(["2026-02-30", "yesterday"])("refuses %s with 400", async (date) => {
    expect((await fetch(`${sandbox.url}/__sandbox/settlements/adyen/${date}.csv`)).status).toBe(400);
  });
});
