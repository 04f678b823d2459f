// Seeds an open reconciliation difference for the reconciliation spec: a 500.00 capture through the Stripe-style
// sandbox PSP, then that day's settlement report from the sandbox server with the capture's line paid 200.00
// short, imported through the reconciliation command (as `npm run cli -- recon import` would).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { reportRowsOfFile, sha256OfFile } from "@paycore/platform/reconciliation/settlement-report-file";
import type { Runtime } from "@paycore/platform/runtime";
import { seedMerchant, seedPayment } from "../apps/console/src/server/testing/seed";

const SEED_ACTOR = { operatorId: null, name: "e2e:seed" };

export async function seedReconciliationMismatch(app: Runtime, sandboxUrl: string): Promise<string> {
  const merchant = await seedMerchant(app, "Recon Supplies");
  await app.services.routingRuleCommands.add(SEED_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["USD"] },
    pspNames: ["stripe"],
  });
  const utcDay = () => new Date().toISOString().slice(0, 10);
  const dayBefore = utcDay();
  const payment = await seedPayment(app, merchant, { amountMinor: 50_000n, currency: "USD" });
  const [row] = await app.sql.query<{ psp_reference: string }>(
    "SELECT psp_reference FROM payments WHERE id = $1",
    [payment.id],
  );
  const pspReference = row?.psp_reference ?? "";
  // The capture settles on the sandbox's UTC day of the capture: a seed that runs across midnight finds it in the
  // report of the day it started or of the next one.
  let day = dayBefore;
  let report = await settlementReport(sandboxUrl, day);
  if (!report.includes(pspReference) && utcDay() !== dayBefore) {
    day = utcDay();
    report = await settlementReport(sandboxUrl, day);
  }
  const csv = payShort(report, pspReference, 20_000n);
  const dir = await mkdtemp(join(tmpdir(), "e2e-recon-"));
  try {
    const path = join(dir, `stripe-balance-report-${day}.csv`);
    await writeFile(path, csv);
    await createReconciliationCommands(app.sql).importReport(SEED_ACTOR, {
      psp: "stripe",
      fileName: `stripe-balance-report-${day}.csv`,
      fileSha256: await sha256OfFile(path),
      rows: reportRowsOfFile(path),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return payment.id;
}

async function settlementReport(sandboxUrl: string, day: string): Promise<string> {
  const response = await fetch(`${sandboxUrl}/__sandbox/settlements/stripe/${day}.csv`);
  if (!response.ok) throw new Error(`the sandbox's settlement report: HTTP ${response.status}`);
  return response.text();
}

/** The report with the payment's line paid `shortMinor` less: gross and net both lower (USD, two decimals). */
function payShort(report: string, pspReference: string, shortMinor: bigint): string {
  const lines = report.split("\n");
  const header = (lines[0] ?? "").split(",");
  const gross = header.indexOf("gross");
  const net = header.indexOf("net");
  const index = lines.findIndex((line) => line.split(",").includes(pspReference));
  const cells = (lines[index] ?? "").split(",");
  // The sandbox writes this line without quoting (no cell holds a comma or a quote).
  if (index < 1 || gross < 0 || net < 0 || cells.some((cell) => cell.includes('"')))
    throw new Error("the seeded capture is not a plain line of the sandbox's settlement report");
  const minor = (text: string) => BigInt(text.replace(".", ""));
  const decimal = (value: bigint) => `${value / 100n}.${(value % 100n).toString().padStart(2, "0")}`;
  cells[gross] = decimal(minor(cells[gross] as string) - shortMinor);
  cells[net] = decimal(minor(cells[net] as string) - shortMinor);
  lines[index] = cells.join(",");
  return lines.join("\n");
}
