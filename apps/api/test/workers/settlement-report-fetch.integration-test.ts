// Goal: the settlement report pull fetches yesterday's report from the sandbox PSP over HTTP, imports it through
// the reconciliation command (lines matched and posted), and a second pass finds the same file and changes
// nothing; the ledger balances after each.

import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import {
  sandboxSettlementSource,
  settlementReportFetchJob,
} from "@paycore/platform/workers/settlement-report-fetch";
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApp, newKey, TEST_FIXTURE_ACTOR, type TestApp } from "../../src/testing/test-app";

const TODAY = new Date();
const YESTERDAY_NOON = new Date(Math.floor(TODAY.getTime() / 86_400_000) * 86_400_000 - 12 * 3_600_000);

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;

beforeAll(async () => {
  // The sandbox books its charges yesterday, so they are in yesterday's report.
  sandbox = await startSandbox({ port: 0, seed: 3, now: () => YESTERDAY_NOON });
  t = await createTestApp({ pspSandboxUrl: sandbox.url });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

it("imports yesterday's report once, then finds nothing new", async () => {
  const merchant = await t.createMerchant();
  await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["USD"] },
    pspNames: ["stripe"],
  });
  for (const amount of ["1500", "2500"]) {
    const method = await t.tokenize(merchant.publishableKey);
    const created = await t.gql<{ createPayment: { payment: { status: string } } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { status } } }`,
      { input: { idempotencyKey: newKey(), amount, currency: "USD", paymentMethodId: method } },
    );
    expect(created.data?.createPayment.payment.status).toBe("CAPTURED");
  }
  const job = settlementReportFetchJob({
    commands: createReconciliationCommands(t.app.sql),
    source: sandboxSettlementSource(sandbox.url),
    psps: ["stripe"],
    log: pino({ level: "silent" }),
    now: () => TODAY,
  });
  // Yesterday's report, and the day before's (empty: header only, still a run).
  expect(await job.pass()).toEqual({ done: 2, more: false });
  const runs = await t.app.sql.query<{
    line_count: number;
    category_counts: Record<string, number>;
    imported_by: string;
  }>("SELECT line_count, category_counts, imported_by FROM recon_imports ORDER BY line_count DESC");
  expect(runs[0]).toEqual({
    line_count: 2,
    category_counts: { MATCHED: 2 },
    imported_by: "system:settlement-report-fetch",
  });
  await t.expectLedgerBalanced();
  expect(await job.pass()).toEqual({ done: 0, more: false });
  expect(await t.countRows("recon_imports")).toBe(2);
  await t.expectLedgerBalanced();
});
