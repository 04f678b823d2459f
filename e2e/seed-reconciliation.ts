// Seeds an open reconciliation difference for the reconciliation spec: a 500.00 capture through the Stripe-style
// sandbox PSP, then that day's settlement report from the sandbox server with the capture's line paid 200.00
// short, imported through the reconciliation command (as `npm run cli -- recon import` would).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { reportRowsOfFile, sha256OfFile } from "@paycore/platform/reconciliation/settlement-report-file";
import type { Runtime } from "@paycore/platform/runtime";
import { withSettlementDifferences } from "@paycore/psp-sandbox/settlement-differences";
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
  const payment = await seedPayment(app, merchant, { amountMinor: 50_000n, currency: "USD" });
  const [row] = await app.sql.query<{ psp_reference: string }>(
    "SELECT psp_reference FROM payments WHERE id = $1",
    [payment.id],
  );
  const day = new Date().toISOString().slice(0, 10);
  const response = await fetch(`${sandboxUrl}/__sandbox/settlements/stripe/${day}.csv`);
  if (!response.ok) throw new Error(`the sandbox's settlement report: HTTP ${response.status}`);
  const report = await response.text();
  // Stripe's report has only money lines here: the payment's line is its position after the header.
  const line = report
    .trimEnd()
    .split("\n")
    .slice(1)
    .findIndex((text) => text.includes(`,${row?.psp_reference},`));
  if (line < 0) throw new Error("the seeded capture is not in the sandbox's settlement report");
  const csv = withSettlementDifferences("stripe", report, [{ kind: "amount", line, deltaMinor: -20_000n }]);
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
