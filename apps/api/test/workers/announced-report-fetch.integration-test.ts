// Goal: settlement reports announced by the sandbox PSPs the way each PSP announces them (Adyen's signed
// REPORT_AVAILABLE with a download URL fetched with the report user's basic auth; Stripe's report run whose
// `reporting.report_run.succeeded` names its result file) are queued once per file by the webhook routes, then
// downloaded and imported through the reconciliation command by the worker, end to end through the sandbox
// server; the same report announced again, or under another name, never posts twice; a URL off the PSP's report
// host is never fetched; a download without report credentials is parked without using its tries and resumes when
// they are set; every live account with report credentials has its report runs polled, one failing account never
// stopping the others; the ledger invariant holds after each scenario.
import { randomBytes } from "node:crypto";
import { REPORT_DOWNLOAD_ATTEMPTS_MAX } from "@paycore/core/reconciliation/announced-reports";
import { ReconciliationRepository } from "@paycore/db/repositories/reconciliation.repository";
import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import {
  liveReportRunSources,
  reportCredentialsOf,
  sandboxReportCredentials,
  testModeReportRunSources,
} from "@paycore/platform/runtime";
import { announcedReportFetchJob } from "@paycore/platform/workers/announced-report-fetch";
import { reportRunPollJob } from "@paycore/platform/workers/report-run-poll";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../../src/testing/test-app";

const STRIPE_SECRET = `whsec_${randomBytes(16).toString("hex")}`;
const ADYEN_KEY = randomBytes(32).toString("hex").toUpperCase();
const DAY_MS = 86_400_000;
const YESTERDAY = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS).toISOString().slice(0, 10);
const YESTERDAY_NOON = new Date(`${YESTERDAY}T12:00:00Z`);

let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  // The sandbox books its charges yesterday, so they are in yesterday's reports.
  sandbox = await startSandbox({
    port: 0,
    seed: 16,
    now: () => YESTERDAY_NOON,
    timings: { modificationDelayMs: 20 },
    webhookRetry: { attemptsMax: 10, initialDelayMs: 50, maxDelayMs: 500, timeoutMs: 5_000 },
  });
  t = await createTestApp({
    pspSandboxUrl: sandbox.url,
    stripeWebhookSecret: STRIPE_SECRET,
    adyenHmacKeyHex: ADYEN_KEY,
    listen: true,
  });
  sandbox.configureWebhooks({
    stripe: { url: `${t.url}/webhooks/stripe`, secret: STRIPE_SECRET },
    adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
  });
  merchant = await t.createMerchant();
  const rules = t.app.services.routingRuleCommands;
  await rules.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["USD"] },
    pspNames: ["stripe"],
  });
  await rules.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 2,
    match: { currencies: ["EUR"] },
    pspNames: ["adyen"],
  });
  for (const [amount, currency] of [
    ["1500", "USD"],
    ["2500", "USD"],
    ["3000", "EUR"],
  ] as const) {
    const method = await t.tokenize(
      merchant.publishableKey,
      currency === "EUR" ? "5555555555554444" : "4242424242424242",
    );
    const created = await t.gql<{ createPayment: { payment: { id: string } } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }`,
      { input: { idempotencyKey: newKey(), amount, currency, paymentMethodId: method } },
    );
    const id = created.data?.createPayment.payment.id;
    await until(`payment ${id} captured`, async () => {
      const row = await t.app.db.payment.findUnique({ where: { id: id ?? "" }, select: { status: true } });
      return row?.status === "CAPTURED";
    });
  }
}, 60_000);

afterEach(async () => {
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function job(credentials = sandboxReportCredentials(sandbox.url)) {
  return announcedReportFetchJob({
    reports: t.app.services.announcedReports,
    commands: createReconciliationCommands(t.app.sql),
    credentials,
    log: pino({ level: "silent" }),
  });
}

function downloads(psp: string) {
  return t.app.db.pspReportDownload.findMany({ where: { psp }, orderBy: { id: "asc" } });
}

async function announce(psp: "adyen" | "stripe") {
  const response = await fetch(`${sandbox.url}/__sandbox/reports/announce`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ psp, day: YESTERDAY }),
  });
  expect(response.status).toBe(200);
}

async function postedEntries(): Promise<number> {
  return t.countRows("journal_entries");
}

describe("Adyen-style REPORT_AVAILABLE", () => {
  it("queues the file once, downloads it with the report user's basic auth and imports it; announced again, nothing more", async () => {
    await announce("adyen");
    const [queued] = await until("the download queued", async () => {
      const rows = await downloads("adyen");
      return rows.length === 1 ? rows : null;
    });
    expect(queued).toMatchObject({
      status: "QUEUED",
      fileName: `settlement_detail_report_${YESTERDAY}.csv`,
      url: `${sandbox.url}/adyen/reports/download/MerchantAccount/PaycoreSandboxECOM/settlement_detail_report_${YESTERDAY}.csv`,
    });
    // Without the report user's credentials the download is refused (401): tried again later, nothing imported.
    await job(async () => [{ origin: sandbox.url, authorization: "Basic bm9ib2R5Om5vdGhpbmc=" }]).pass();
    expect((await downloads("adyen"))[0]).toMatchObject({
      status: "QUEUED",
      lastError: "download answered HTTP 401",
    });
    await t.app.db.$executeRaw`UPDATE psp_report_downloads SET next_attempt_at = now() WHERE psp = 'adyen'`;

    expect(await job().pass()).toEqual({ done: 1, more: false });
    const [imported] = await downloads("adyen");
    expect(imported?.status).toBe("IMPORTED");
    const run = await t.app.db.reconImport.findUniqueOrThrow({ where: { id: imported!.importId! } });
    // The capture's Settled line and the batch's MerchantPayout line.
    expect(run).toMatchObject({ psp: "adyen", lineCount: 2, importedBy: "system:announced-report-fetch" });
    expect(run.categoryCounts).toEqual({ MATCHED: 2 });

    const entries = await postedEntries();
    await announce("adyen");
    // The same notification again is the same event: stored once, queued once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await downloads("adyen")).toHaveLength(1);
    expect(await job().pass()).toEqual({ done: 0, more: false });
    expect(await postedEntries()).toBe(entries);
  });
});

describe("Stripe-style report runs", () => {
  it("reporting.report_run.succeeded queues the result file; imported once, and the same report under another run posts nothing", async () => {
    await announce("stripe");
    const [queued] = await until("the download queued", async () => {
      const rows = await downloads("stripe");
      return rows.length === 1 ? rows : null;
    });
    expect(queued?.fileName).toMatch(/^frr_\w+\.csv$/);
    expect(await job().pass()).toEqual({ done: 1, more: false });
    const [imported] = await downloads("stripe");
    const run = await t.app.db.reconImport.findUniqueOrThrow({ where: { id: imported!.importId! } });
    expect(run).toMatchObject({ psp: "stripe", lineCount: 2 });
    expect(run.categoryCounts).toEqual({ MATCHED: 2 });

    // A second run of the same day: another file name, the same bytes: a replay of the first import.
    const entries = await postedEntries();
    const imports = await t.countRows("recon_imports");
    await announce("stripe");
    await until("the second run queued", async () => (await downloads("stripe")).length === 2);
    expect(await job().pass()).toEqual({ done: 1, more: false });
    const second = (await downloads("stripe"))[1];
    expect(second).toMatchObject({ status: "IMPORTED", importId: imported!.importId });
    expect(await postedEntries()).toBe(entries);
    expect(await t.countRows("recon_imports")).toBe(imports);
  });

  it("the sandbox answers report runs through the Stripe API (POST /v1/reporting/report_runs) for polling integrations", async () => {
    const start = Date.parse(`${YESTERDAY}T00:00:00Z`) / 1000;
    const form = new URLSearchParams({
      report_type: "balance_change_from_activity.itemized.1",
      "parameters[interval_start]": String(start),
      "parameters[interval_end]": String(start + 86_400),
    });
    const created = await fetch(`${sandbox.url}/v1/reporting/report_runs`, {
      method: "POST",
      headers: { authorization: "Bearer sk_test_poll", "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    const run = (await created.json()) as { id: string; status: string };
    expect(run.status).toBe("pending");
    const done = await until("the run succeeded", async () => {
      const response = await fetch(`${sandbox.url}/v1/reporting/report_runs/${run.id}`, {
        headers: { authorization: "Bearer sk_test_poll" },
      });
      const body = (await response.json()) as { status: string; result: { url: string } | null };
      return body.status === "succeeded" ? body : null;
    });
    const file = await fetch(done.result!.url, { headers: { authorization: "Bearer sk_test_poll" } });
    expect((await file.text()).split("\n")[0]).toContain("balance_transaction_id");
    expect((await fetch(done.result!.url)).status).toBe(401);
  });
});

describe("Stripe report runs polled", () => {
  it("a run whose webhook was lost is found by the poll, imported once; polled again (or announced late), nothing more", async () => {
    const poll = reportRunPollJob({
      reports: t.app.services.announcedReports,
      sources: async () => testModeReportRunSources(t.app.testModeWebhooks),
      log: pino({ level: "silent" }),
    });
    // Earlier tests' notices (the run the previous test created through the API announces itself a moment
    // after it succeeds) keep the secret configured when they were queued: one still in flight would be accepted
    // after `before` is counted.
    await until("earlier notices settled", async () =>
      sandbox.webhookDeliveries().every((d) => d.status === "delivered" || d.status === "failed"),
    );
    // The webhook is lost: the sandbox signs it with a secret we do not know, so every delivery is refused.
    sandbox.configureWebhooks({
      stripe: { url: `${t.url}/webhooks/stripe`, secret: "whsec_lost_webhook" },
      adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
    });
    const before = (await downloads("stripe")).length;
    const entries = await postedEntries();
    const imports = await t.countRows("recon_imports");
    try {
      const response = await fetch(`${sandbox.url}/__sandbox/reports/announce`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ psp: "stripe", day: YESTERDAY }),
      });
      const [{ reportRun }] = (await response.json()) as [{ reportRun: string }];
      await until("the webhook refused", async () =>
        sandbox
          .webhookDeliveries()
          .some((d) => d.eventType === "reporting.report_run.succeeded" && d.lastStatusCode === 400),
      );
      expect(await downloads("stripe")).toHaveLength(before);

      // The lost run is queued: the only run the webhooks did not announce.
      const found = await poll.pass();
      expect(found).toEqual({ done: 1, more: false });
      const lost = async () => (await downloads("stripe")).find((row) => row.fileName === `${reportRun}.csv`);
      expect(await lost()).toMatchObject({ status: "QUEUED" });
      // (Also imports the run the previous test created through the API, whose download it left queued.)
      await job().pass();
      // The same day's report was imported before (by its webhook): a replay, nothing posted twice.
      expect((await lost())?.status).toBe("IMPORTED");
      expect(await postedEntries()).toBe(entries);
      expect(await t.countRows("recon_imports")).toBe(imports);

      // Polled again: every run is known, nothing queued.
      expect(await poll.pass()).toEqual({ done: 0, more: false });
      expect(await downloads("stripe")).toHaveLength(before + found.done);
    } finally {
      sandbox.configureWebhooks({
        stripe: { url: `${t.url}/webhooks/stripe`, secret: STRIPE_SECRET },
        adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
      });
    }
  });
});

describe("live accounts' report credentials", () => {
  it("a live account without report credentials parks its reports (no try used) as a needs-attention item; with them (vault), they are fetched", async () => {
    // A second sandbox server stands in for the live Adyen-style PSP (a loopback endpoint serves its reports).
    const live = await startSandbox({ port: 0, seed: 61, now: () => YESTERDAY_NOON });
    const operator = { operatorId: null, name: "ops:report-credentials-test" };
    try {
      const account = await t.app.services.pspAccounts.create(operator, {
        psp: "adyen",
        mode: "LIVE",
        endpoint: `${live.url}/adyen`,
        merchantAccount: "PaycoreLiveECOM",
        apiKey: `AQE_live_${randomBytes(8).toString("hex")}`,
        webhookSecret: randomBytes(32).toString("hex").toUpperCase(),
      });
      expect(account.reportCredentialHint).toBeNull();
      t.app.services.livePsps.invalidate();
      const liveJob = announcedReportFetchJob({
        reports: t.app.services.announcedReports,
        commands: createReconciliationCommands(t.app.sql),
        credentials: reportCredentialsOf(sandbox.url, t.app.services.livePsps),
        log: pino({ level: "silent" }),
      });
      const fileName = `settlement_detail_report_${YESTERDAY}.csv`;
      await t.app.services.announcedReports.announce({
        psp: "adyen",
        fileName: `live_${fileName}`,
        url: `${live.url}/adyen/reports/download/MerchantAccount/PaycoreSandboxECOM/${fileName}`,
      });
      const recon = new ReconciliationRepository(t.app.sql);
      expect(await recon.downloadsAwaitingCredentials()).toBe(0);
      await liveJob.pass();
      const waiting = await t.app.db.pspReportDownload.findFirstOrThrow({
        where: { fileName: `live_${fileName}` },
      });
      // Parked: the try its claim counted is given back.
      expect(waiting).toMatchObject({ status: "AWAITING_CREDENTIALS", attempts: 0 });
      expect(waiting.lastError).toBe(
        `no report credentials configured for the live adyen account ${account.id}: set them (docs/operations.md)`,
      );
      // The needs-attention count the overview and the metrics share.
      expect(await recon.downloadsAwaitingCredentials()).toBe(1);
      // Waiting uses none of its 12 tries, however many passes (and however late) it waits: a parked download
      // is not claimed, even when its retry time has come.
      for (let pass = 0; pass < REPORT_DOWNLOAD_ATTEMPTS_MAX + 3; pass++) {
        await t.app.db
          .$executeRaw`UPDATE psp_report_downloads SET next_attempt_at = now() - interval '1 day' WHERE id = ${waiting.id}`;
        await liveJob.pass();
      }
      expect(await t.app.db.pspReportDownload.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject(
        {
          status: "AWAITING_CREDENTIALS",
          attempts: 0,
        },
      );
      // The database holds the rule too: a parked download goes back to the queue only, its tries unchanged.
      await expect(
        t.app.db
          .$executeRaw`UPDATE psp_report_downloads SET attempts = attempts + 1 WHERE id = ${waiting.id}`,
      ).rejects.toThrow(/its tries do not change/);
      await expect(
        t.app.db
          .$executeRaw`UPDATE psp_report_downloads SET status = 'REFUSED', completed_at = now() WHERE id = ${waiting.id}`,
      ).rejects.toThrow(/it can only be queued again/);

      // Not a report user:password pair: refused, nothing stored.
      await expect(
        t.app.services.pspAccounts.rotateSecret(operator, account.id, "REPORT_CREDENTIAL", "just-a-password"),
      ).rejects.toMatchObject({ code: "INVALID_INPUT", field: ["reportCredential"] });
      const withCredentials = await t.app.services.pspAccounts.rotateSecret(
        operator,
        account.id,
        "REPORT_CREDENTIAL",
        "report@Company.PaycoreSandbox:sandbox-report-password",
      );
      expect(withCredentials.reportCredentialHint).toBe("word");
      const audit = await t.app.db.operatorAuditLog.findFirstOrThrow({
        where: { action: "psp_account.rotate_report_credential", targetId: account.id },
      });
      expect(JSON.stringify(audit.after)).not.toContain("sandbox-report-password");
      t.app.services.livePsps.invalidate();
      // The next pass finds the credentials, puts the parked download back in the queue and downloads it: its
      // first try.
      expect(await liveJob.pass()).toEqual({ done: 1, more: false });
      expect(await t.app.db.pspReportDownload.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject(
        { status: "IMPORTED", attempts: 1 },
      );
      expect(await recon.downloadsAwaitingCredentials()).toBe(0);
      await t.app.services.pspAccounts.setEnabled(operator, account.id, false);
      t.app.services.livePsps.invalidate();
    } finally {
      await live.stop();
    }
  });
});

describe("downloads without any account to fetch them with", () => {
  it("are parked without using a try, and resume once an account with report credentials serves their origin", async () => {
    const fileName = `parked_settlement_detail_report_${YESTERDAY}.csv`;
    await t.app.services.announcedReports.announce({
      psp: "adyen",
      fileName,
      url: `${sandbox.url}/adyen/reports/download/MerchantAccount/PaycoreSandboxECOM/settlement_detail_report_${YESTERDAY}.csv`,
    });
    // And one off every account's report host, which no account will ever serve.
    await t.app.services.announcedReports.announce({
      psp: "adyen",
      fileName: "parked_elsewhere.csv",
      url: "http://127.0.0.3:9/reports/parked_elsewhere.csv",
    });
    // No Adyen account at all in this process (no sandbox, no live account).
    await job(async () => []).pass();
    const parked = await t.app.db.pspReportDownload.findFirstOrThrow({ where: { fileName } });
    expect(parked).toMatchObject({
      status: "AWAITING_CREDENTIALS",
      attempts: 0,
      lastError: "no report credentials configured: no adyen account",
    });
    const entries = await postedEntries();
    expect(
      await t.app.db.pspReportDownload.findFirstOrThrow({ where: { fileName: "parked_elsewhere.csv" } }),
    ).toMatchObject({ status: "AWAITING_CREDENTIALS", attempts: 0 });
    // The sandbox's credentials serve that origin: resumed and downloaded in one pass (the same bytes as the
    // webhook's import of that day: a replay, nothing posted twice). The other is resumed too, and now that an
    // account exists its URL is known to be off every report host: refused without a request.
    expect(await job().pass()).toEqual({ done: 1, more: false });
    expect(await t.app.db.pspReportDownload.findUniqueOrThrow({ where: { id: parked.id } })).toMatchObject({
      status: "IMPORTED",
      attempts: 1,
    });
    expect(
      await t.app.db.pspReportDownload.findFirstOrThrow({ where: { fileName: "parked_elsewhere.csv" } }),
    ).toMatchObject({ status: "REFUSED", lastError: "the announced URL is not on adyen's report host" });
    expect(await postedEntries()).toBe(entries);
  });
});

describe("live accounts' report runs polled", () => {
  it("every live account with report credentials is polled with them; one that fails is isolated, counted and shown on the account", async () => {
    // A second sandbox server stands in for the live Stripe account (a loopback endpoint serves its files). It
    // accepts the report key only, not the account's API key: the runs can only be listed with the former.
    const reportKey = `rk_live_${randomBytes(12).toString("hex")}`;
    const live = await startSandbox({
      port: 0,
      seed: 62,
      now: () => YESTERDAY_NOON,
      liveStripeKeys: [reportKey],
    });
    const operator = { operatorId: null, name: "ops:report-run-poll-test" };
    const failures: Array<{ label: string; mode: string }> = [];
    const poll = reportRunPollJob({
      reports: t.app.services.announcedReports,
      sources: async () => [
        ...testModeReportRunSources(t.app.testModeWebhooks),
        ...(await liveReportRunSources(t.app.services.livePsps)),
      ],
      onAccountFailure: (source) => failures.push({ label: source.label, mode: source.mode }),
      log: pino({ level: "silent" }),
    });
    let stopped = false;
    try {
      const account = await t.app.services.pspAccounts.create(operator, {
        psp: "stripe",
        mode: "LIVE",
        endpoint: live.url,
        apiKey: `sk_live_${randomBytes(8).toString("hex")}`,
        webhookSecret: `whsec_${randomBytes(16).toString("hex")}`,
      });
      t.app.services.livePsps.invalidate();
      // No report credentials: the account is not listed.
      expect(await liveReportRunSources(t.app.services.livePsps)).toEqual([]);
      await t.app.services.pspAccounts.rotateSecret(operator, account.id, "REPORT_CREDENTIAL", reportKey);
      t.app.services.livePsps.invalidate();
      expect((await liveReportRunSources(t.app.services.livePsps)).map((source) => source.label)).toEqual([
        account.id,
      ]);

      // The live account's run (its webhook goes nowhere: the live sandbox has none configured).
      const response = await fetch(`${live.url}/__sandbox/reports/announce`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ psp: "stripe", day: YESTERDAY }),
      });
      const [{ reportRun }] = (await response.json()) as [{ reportRun: string }];
      await until("the live run succeeded", async () => {
        const run = await fetch(`${live.url}/v1/reporting/report_runs/${reportRun}`, {
          headers: { authorization: `Bearer ${reportKey}` },
        });
        return ((await run.json()) as { status: string }).status === "succeeded";
      });
      expect(await poll.pass()).toMatchObject({ done: 1, more: false });
      expect(failures).toEqual([]);
      const queued = await t.app.db.pspReportDownload.findFirstOrThrow({
        where: { fileName: `${reportRun}.csv` },
      });
      expect(queued.url.startsWith(`${live.url}/`)).toBe(true);
      // Downloaded from the live origin with the live account's report credentials.
      const liveJob = announcedReportFetchJob({
        reports: t.app.services.announcedReports,
        commands: createReconciliationCommands(t.app.sql),
        credentials: reportCredentialsOf(sandbox.url, t.app.services.livePsps),
        log: pino({ level: "silent" }),
      });
      await liveJob.pass();
      expect(await t.app.db.pspReportDownload.findUniqueOrThrow({ where: { id: queued.id } })).toMatchObject({
        status: "IMPORTED",
        attempts: 1,
        lastError: null,
      });

      // The live PSP becomes unreachable; test mode's sandbox loses a report webhook in the same while.
      await live.stop();
      stopped = true;
      sandbox.configureWebhooks({
        stripe: { url: `${t.url}/webhooks/stripe`, secret: "whsec_lost_webhook" },
        adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
      });
      const lostResponse = await fetch(`${sandbox.url}/__sandbox/reports/announce`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ psp: "stripe", day: YESTERDAY }),
      });
      const [{ reportRun: lostRun }] = (await lostResponse.json()) as [{ reportRun: string }];
      await until("the test run succeeded", async () => {
        const run = await fetch(`${sandbox.url}/v1/reporting/report_runs/${lostRun}`, {
          headers: { authorization: "Bearer sk_test_poll" },
        });
        return ((await run.json()) as { status: string }).status === "succeeded";
      });
      // Its webhook was refused (signed with a secret we do not know): only the poll can find it.
      expect(
        await t.app.db.pspReportDownload.findFirst({ where: { fileName: `${lostRun}.csv` } }),
      ).toBeNull();
      // The live account is polled first (its id sorts before "test") and fails; the sandbox is polled all the
      // same, and the pass itself succeeds.
      expect(await poll.pass()).toMatchObject({ done: 1, more: false });
      expect(
        await t.app.db.pspReportDownload.findFirst({ where: { fileName: `${lostRun}.csv` } }),
      ).toMatchObject({
        status: "QUEUED",
      });
      expect(failures).toEqual([{ label: account.id, mode: "live" }]);
      expect(poll.healthDetails?.()).toEqual({
        failingAccounts: [{ account: account.id, error: expect.any(String), at: expect.any(String) }],
      });
      const [alerted] = (await t.app.services.pspAccounts.list()).filter((row) => row.id === account.id);
      expect(alerted).toMatchObject({ lastCheckOk: false });
      expect(alerted?.lastError).toMatch(/^report runs could not be listed: /);
      expect(alerted?.lastError).not.toContain(reportKey);
      await liveJob.pass();
      await t.app.services.pspAccounts.setEnabled(operator, account.id, false);
      t.app.services.livePsps.invalidate();
    } finally {
      if (!stopped) await live.stop();
      sandbox.configureWebhooks({
        stripe: { url: `${t.url}/webhooks/stripe`, secret: STRIPE_SECRET },
        adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: ADYEN_KEY },
      });
    }
  });
});

describe("announcements that are not fetched", () => {
  it("a URL off the PSP's report host is refused without a request; a bad file name is refused at once", async () => {
    expect(
      await t.app.services.announcedReports.announce({
        psp: "adyen",
        fileName: "elsewhere.csv",
        url: "http://127.0.0.2:9/reports/elsewhere.csv",
      }),
    ).toBe("queued");
    await job().pass();
    const row = await t.app.db.pspReportDownload.findFirstOrThrow({ where: { fileName: "elsewhere.csv" } });
    expect(row).toMatchObject({
      status: "REFUSED",
      lastError: "the announced URL is not on adyen's report host",
    });
    await expect(
      t.app.services.announcedReports.announce({
        psp: "adyen",
        fileName: "../../etc/passwd",
        url: `${sandbox.url}/x`,
      }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});
