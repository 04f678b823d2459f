// What the browser tests run against (Playwright's webServer starts this):
// a fresh database cloned from the migrated template, the sandbox PSP server,
// the API (for the sandbox's webhooks), seed data made through the core's
// commands, and the console itself (`next build` when stale, `next start`).
// Writes the seeded ids and credentials to e2e/artifacts/state.json.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { createApp } from "@paycore/api/app";
import { closeServer, listen } from "@paycore/api/server";
import type { OperatorId } from "@paycore/core/ids/ids";
import { generateKeyMaterial, parseKeyring } from "@paycore/core/vault/card-vault";
import { OperatorRepository } from "@paycore/db/repositories/operator.repository";
import { SmtpSinkRepository } from "@paycore/db/repositories/smtp-sink.repository";
import { createTestDatabase, prepareTemplateDatabase } from "@paycore/db/testing/test-database";
import { startConsoleProcess } from "@paycore/dev-start/console-process";
import { startSandboxProcess } from "@paycore/dev-start/psp-sandbox-process";
import { invoiceLinks } from "@paycore/platform/documents/invoice-links";
import { createMailer } from "@paycore/platform/email/mailer";
import { startSmtpSink } from "@paycore/platform/email/smtp-sink";
import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { reportCredentialsOf } from "@paycore/platform/runtime";
import { importSanctionsFromPaths } from "@paycore/platform/sanctions/sanctions-services";
import type { AppSecrets } from "@paycore/platform/secrets";
import { announcedReportFetchJob } from "@paycore/platform/workers/announced-report-fetch";
import { emailDeliveryFromSql } from "@paycore/platform/workers/email-delivery";
import { threeDSecureExpiryJob } from "@paycore/platform/workers/three-d-secure-expiry";
import type { WorkerJob } from "@paycore/platform/workers/worker";
import pino from "pino";
import { encryptTotpSecret, newTotpSecret } from "../apps/console/src/server/auth/totp";
import { randomVisa, seedMerchant, seedPayment } from "../apps/console/src/server/testing/seed";
import { seedReconciliationMismatch } from "./seed-reconciliation";
import { CARD_EXPIRY_YEAR, E2E_PORTS, type E2eState } from "./state";

const log = (message: string) => console.log(`[e2e] ${message}`);
const host = "127.0.0.1";

const template = await prepareTemplateDatabase();
const database = await createTestDatabase(template.adminUrl, template.templateName);
const secrets: AppSecrets = {
  vaultEncryptionKeys: `1:${generateKeyMaterial()}`,
  vaultFingerprintKey: randomBytes(32).toString("base64"),
  idempotencyHashSecret: randomBytes(32).toString("base64"),
  stripeWebhookSecret: `whsec_${randomBytes(24).toString("hex")}`,
  adyenHmacKeyHex: randomBytes(32).toString("hex"),
};
const apiUrl = `http://${host}:${E2E_PORTS.api}`;
const sandbox = await startSandboxProcess({ port: E2E_PORTS.sandbox, host, apiUrl, secrets, log });
const app = createApp({
  databaseUrl: database.url,
  databasePoolMax: 5,
  redisUrl: null,
  secrets,
  pspSandboxUrl: sandbox.url,
  pspTimeoutMs: 5_000,
  idempotencyRetentionHours: 24,
  idempotencyWaitMs: 5_000,
  velocityFallback: "postgres",
  reviewHoldTtlMs: 24 * 60 * 60_000,
  logger: pino({ level: "warn" }),
  workers: false,
  // Payouts (issue 18): the sandbox's bank rails (its notifications are not configured here).
  bankRails: {
    baseUrl: `${sandbox.url}/bank/v1`,
    apiKey: "bank_test_sandbox",
    webhookSecret: randomBytes(24).toString("hex"),
    timeoutMs: 5_000,
  },
  // Hosted checkout pages link to the API's own address.
  publicBaseUrl: apiUrl,
  // 3-D Secure: every challenge is past its deadline at once, so the abandoned-challenge spec needs no waiting;
  // the expiry worker does not run on its own here (workers: false): the spec runs one pass of its job.
  threeDSecureActionTtlMs: 1,
});
const server = await listen(app, E2E_PORTS.api, host);

const acme = await seedMerchant(app, "Acme Books");
const globex = await seedMerchant(app, "Globex Travel", { holdsGreyZone: true });
const payments = [];
for (const [index, currency] of ["USD", "EUR", "JPY", "GBP", "USD", "EUR"].entries()) {
  payments.push(
    await seedPayment(app, index % 2 === 0 ? acme : globex, {
      amountMinor: currency === "JPY" ? 12_000n : BigInt(1_000 + index * 2_345),
      currency,
      email: `customer${index}@example.com`,
    }),
  );
}
const refundable = await seedPayment(app, acme, { amountMinor: 10_000n, email: "refund.me@example.com" });
const searchable = await seedPayment(app, acme, { amountMinor: 4_321n, email: "findme@example.com" });
const heldToApprove = await seedPayment(app, globex, { greyZone: true, email: "held.approve@example.com" });
const heldToReject = await seedPayment(app, globex, { greyZone: true, email: "held.reject@example.com" });
// Long values (usability spec): a merchant name of the full 200 characters with an unbroken 60-letter word and
// three scripts, and the largest payments KWD (3 decimals) and JPY (none) allow, so every list and page that shows
// them is checked at 390 px.
const longName = `Ωμέγα 東京商店 ${"Großhandelsgesellschaftfürausserordentlichlangefirmennamen".padEnd(60, "x")} `;
const longNamed = await seedMerchant(app, `${longName}${"Long Name ".repeat(20)}`.slice(0, 200));
const largestKwd = await seedPayment(app, longNamed, { amountMinor: 9_999_999_999_999n, currency: "KWD" });
const largestJpy = await seedPayment(app, longNamed, { amountMinor: 9_999_999_999n, currency: "JPY" });
// Customer erasure (issue 22): the one customer customer-erasure.spec.ts erases (nobody else uses this address).
await seedPayment(app, acme, { amountMinor: 1_500n, email: "erase.me@example.com" });
// Payouts (issue 18): a merchant whose captured balance is released at once (the delays stay 0 in this fresh
// database), with a verified bank account the
// bank then refuses (the sandbox's invalid-account IBAN), so its payout is FAILED and can be retried.
await app.sql.execute(
  `INSERT INTO psp_settlement_delays (psp_name, delay_seconds) VALUES ('stripe', 0), ('adyen', 0)
   ON CONFLICT (psp_name) DO UPDATE SET delay_seconds = 0`,
);
const initech = await seedMerchant(app, "Initech Payouts");
await seedPayment(app, initech, { amountMinor: 50_000n, currency: "EUR", email: "payout.funds@example.com" });
await app.services.payouts.releaseDue();
const payoutActor = {
  merchantId: initech.id as never,
  mode: "TEST" as const,
  name: "e2e:seed",
  source: "SYSTEM" as const,
};
await app.services.payouts.addBankAccount(payoutActor, {
  iban: "DE35370400440532013002",
  holderName: "Initech GmbH",
  currency: "EUR",
});
const failedPayout = await app.services.payouts.createPayout(payoutActor, {
  idempotencyKey: `seed-${randomBytes(8).toString("hex")}`,
  amount: 20_000n,
  currency: "EUR",
});
await app.services.payouts.sendDuePayouts();
// A fixed reserve of 50.00 EUR, so the balance shows a reserved part and the page lists the reserve.
await app.services.payouts.setReserve({ operatorId: null, name: "e2e:seed" }, initech.id as never, "TEST", {
  currency: "EUR",
  rollingBps: 0,
  rollingDays: 0,
  fixed: 5_000n,
});
// Reconciliation (issue 16): a Stripe-style day in which the PSP settled 200.00 less than a 500.00 capture,
// imported as an operator's CLI run would; the reconciliation spec resolves the AMOUNT_MISMATCH it leaves.
const reconPaymentId = await seedReconciliationMismatch(app, sandbox.url);
const operatorRepository = new OperatorRepository(app.db);
/** Who seeding acts as in the operator audit log. */
const SEED_ACTOR = { operatorId: null, name: "e2e:seed" };
const createOperatorAccount = (input: { email: string; role: string; password?: string }) =>
  app.services.operatorCommands.create(SEED_ACTOR, input);
const keyring = parseKeyring({
  encryptionKeys: secrets.vaultEncryptionKeys,
  fingerprintKey: secrets.vaultFingerprintKey,
});
/** Admins must have TOTP: the seeded admin gets it, and the specs compute codes from the secret. */
async function enrolTotp(operatorId: OperatorId): Promise<string> {
  const secret = newTotpSecret();
  const secretEncrypted = encryptTotpSecret(keyring, secret, operatorId);
  await operatorRepository.savePendingTotpSecret(operatorId, secretEncrypted);
  await operatorRepository.enableTotp(
    operatorId,
    { secretEncrypted, timeStep: 0n, now: new Date(), recoveryCodeHashes: [] },
    {
      operatorId: null,
      action: "seed.totp_enrolled",
      targetType: "operator",
      targetId: operatorId,
      before: null,
      after: null,
    },
  );
  return secret;
}
const operators = await Promise.all(
  (["ADMIN", "OPERATOR", "VIEWER"] as const).map(async (role) => {
    const email = `${role.toLowerCase()}@e2e.test`;
    const { operator, password } = await createOperatorAccount({ email, role });
    const totpSecret = role === "ADMIN" ? await enrolTotp(operator.id) : null;
    return [role, { email, password, totpSecret }] as const;
  }),
);
// A second admin: a customer's erasure is approved by an admin other than the one who asked (issue 22).
const secondAdmin = { email: "second-admin@e2e.test", password: randomBytes(12).toString("hex") };
const secondAdminAccount = await createOperatorAccount({ ...secondAdmin, role: "ADMIN" });
const secondAdminTotp = await enrolTotp(secondAdminAccount.operator.id);
// An account the sign-in spec fails against until it is throttled (the others must stay usable), and one the
// two-factor spec enrols.
const throttled = { email: "throttled@e2e.test", password: randomBytes(12).toString("hex") };
await createOperatorAccount({ ...throttled, role: "VIEWER" });
const enrolling = { email: "enrol@e2e.test", password: randomBytes(12).toString("hex") };
await createOperatorAccount({ ...enrolling, role: "OPERATOR" });
// Workbench (issue 17): an authorized payment to capture in part, a dispute waiting for evidence, a dead letter
// whose cause is gone (its payment is known now: the replay finds it already applied), a second operator.
const workbenchMerchant = await seedMerchant(app, "Workbench Goods");
await app.services.routingRuleCommands.add(SEED_ACTOR, {
  merchantId: workbenchMerchant.id,
  priority: 1,
  match: { currencies: ["USD"] },
  pspNames: ["stripe"],
});
const workbenchCard = await app.services.commands.tokenizeCard(workbenchMerchant.actor, {
  idempotencyKey: `e2e-tok-${randomBytes(6).toString("hex")}`,
  card: { number: randomVisa(), expMonth: 12, expYear: CARD_EXPIRY_YEAR, cvc: "123" },
});
const authorizedToCapture = await app.services.commands.createPayment(workbenchMerchant.actor, {
  idempotencyKey: `e2e-auth-${randomBytes(6).toString("hex")}`,
  amount: "8000",
  currency: "USD",
  paymentMethodId: workbenchCard.value.paymentMethod.id,
  captureMethod: "MANUAL",
});
const disputed = await seedPayment(app, workbenchMerchant, {
  amountMinor: 6_000n,
  email: "disputed@example.com",
});
const opened = await app.services.disputes.applyNotification({
  pspName: disputed.pspName ?? "stripe",
  disputeReference: `du_${randomBytes(8).toString("hex")}`,
  paymentPspReference: disputed.pspReference ?? "",
  status: "NEEDS_RESPONSE",
  stage: "chargeback",
  pspStage: "needs_response",
  amountMinor: 6_000n,
  currency: "USD",
  reason: "product_not_received",
  reasonCode: "13.1",
  evidenceDueBy: new Date(Date.now() + 7 * 86_400_000),
});
if (!opened.applied) throw new Error(`the e2e dispute was not opened: ${opened.reason}`);
const lettered = await seedPayment(app, workbenchMerchant, { amountMinor: 3_000n });
const deadLetterId = await app.services.webhooks.deadLetter(
  "webhook:stripe",
  lettered.pspReference,
  "no payment with this PSP reference",
  {
    id: `evt_${randomBytes(8).toString("hex")}`,
    object: "event",
    type: "payment_intent.succeeded",
    data: {
      object: {
        object: "payment_intent",
        id: lettered.pspReference,
        status: "succeeded",
        metadata: { reference: lettered.id },
      },
    },
  },
);
const approver = { email: "approver@e2e.test", password: randomBytes(12).toString("hex") };
await createOperatorAccount({ ...approver, role: "OPERATOR" });

// Hosted checkout (issue 20): a merchant whose publishable key may be used from the shop page checkout.spec.ts serves.
const shopUrl = `http://${host}:${E2E_PORTS.shop}`;
const shop = await app.services.merchantCommands.create(SEED_ACTOR, {
  name: "Initech Shop",
  modes: ["TEST"],
  settings: { riskReviewThreshold: 99, riskDeclineThreshold: 100 },
  accessPolicy: { allowedOrigins: [shopUrl] },
});
const shopKey = (kind: string) =>
  shop.keys.find((key) => key.kind === kind && key.mode === "TEST")?.key ?? "";
// ---- invoices and webhook endpoints specs (issue 20 part 2, issue 19) ----
// The SMTP sink (its messages on the console's Mail page) and the two jobs these specs need, run here because
// the API runs with no workers: the email outbox and the merchant webhook deliveries.
const smtpSink = await startSmtpSink({ store: new SmtpSinkRepository(app.sql), port: E2E_PORTS.smtp });
const mailer = createMailer({ smtpUrl: smtpSink.url, from: "paycore <billing@paycore.test>" });
const jobLog = pino({ level: "warn" });
const specJobs = [
  emailDeliveryFromSql(app.sql, { mailer, publicBaseUrl: apiUrl }, jobLog, app.services.pii),
  app.services.merchantWebhooks.deliveryJob(jobLog),
];
let specJobsRunning = false;
const specJobsTimer = setInterval(() => {
  if (specJobsRunning) return;
  specJobsRunning = true;
  Promise.all(
    specJobs.map((job) => job.pass().catch((error: unknown) => jobLog.warn({ err: error }, job.name))),
  )
    .finally(() => {
      specJobsRunning = false;
    })
    .catch(() => undefined);
}, 1_000);
// A spec asks for one pass of a worker's job (the workers do not run on their own here): loopback only.
// The announced-report download re-reads the live accounts first: their report credentials are set in the console's
// process, whose cache this one does not share.
const announcedReportJob = announcedReportFetchJob({
  reports: app.services.announcedReports,
  commands: createReconciliationCommands(app.sql),
  credentials: reportCredentialsOf(sandbox.url, app.services.livePsps),
  log: jobLog,
});
const controlJobs = new Map<string, Pick<WorkerJob, "pass">>([
  ["three-d-secure-expiry", threeDSecureExpiryJob({ commands: app.services.commands, log: jobLog })],
  [
    "announced-report-fetch",
    {
      pass: () => {
        app.services.livePsps.invalidate();
        return announcedReportJob.pass();
      },
    },
  ],
]);
// ---- PSP accounts spec (issue 16): a live Adyen-style account's announced report, on the unreachable loopback
// origin the spec's account names; parked by the download job until the spec sets the report credentials ----
await app.services.announcedReports.announce({
  psp: "adyen",
  fileName: "e2e_live_settlement_detail_report.csv",
  url: `http://127.0.0.1:9/adyen/reports/download/MerchantAccount/E2eLiveECOM/settlement_detail_report.csv`,
});
const control = createServer((request, response) => {
  const job = /^\/jobs\/([a-z-]+)$/.exec(request.url ?? "")?.[1];
  const found = job === undefined ? undefined : controlJobs.get(job);
  if (request.method !== "POST" || found === undefined) {
    response.writeHead(404).end();
    return;
  }
  found
    .pass()
    .then((result) =>
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result)),
    )
    .catch((error: unknown) => response.writeHead(500).end(String(error)));
});
await new Promise<void>((resolve) => control.listen(E2E_PORTS.control, host, resolve));
const invoiceActor = { merchantId: acme.id, mode: "TEST" as const, name: "e2e:seed", source: "API" as const };
const draft = await app.services.invoiceCommands.create(invoiceActor, {
  idempotencyKey: `e2e-invoice-${randomBytes(6).toString("hex")}`,
  currency: "EUR",
  customerEmail: "invoice.customer@example.com",
  // A month ahead, so the seeded invoice is never past due whatever day the suite runs.
  dueDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
  lines: [
    { description: "Βιβλία — Книги — 书籍", quantity: 2, unitAmount: "1500", taxRateBps: 2000 },
    { description: "Shipping", quantity: 1, unitAmount: "500" },
  ],
});
const openInvoice = (
  await app.services.invoiceCommands.finalize(invoiceActor, `e2e-finalize-${draft.value.id}`, draft.value.id)
).value;
const invoiceUrls = invoiceLinks(apiUrl, openInvoice);
// ---- onboarding (issue 22): a merchant pending verification with its business details submitted ----
const applicant = await app.services.merchantCommands.create(SEED_ACTOR, {
  name: "Umbrella Traders",
  modes: ["TEST"],
});
await app.services.onboarding.submitDetails({ ...SEED_ACTOR, source: "OPERATOR" }, applicant.merchant.id, {
  legalName: "Umbrella Traders Ltd",
  country: "GB",
  registrationNumber: "07654321",
  representativeName: "Jane Example",
  representativeBirthDate: "1979-06-01",
  website: "https://umbrella.example",
  expectedMonthlyVolume: { amount: "1000000", currency: "GBP" },
});
// ---- sanctions (issue 22): the shipped sample lists, and a merchant whose name is on the OFAC sample ----
const sanctionsSamples = new URL("../packages/platform/src/sanctions/samples/", import.meta.url).pathname;
await importSanctionsFromPaths(app.services.sanctions, SEED_ACTOR, `${sanctionsSamples}sdn.csv`, {
  aliasesPath: `${sanctionsSamples}alt.csv`,
});
await importSanctionsFromPaths(app.services.sanctions, SEED_ACTOR, `${sanctionsSamples}eu-consolidated.xml`);
const listed = await app.services.merchantCommands.create(SEED_ACTOR, {
  name: "Zeltramos Holdings Ltd",
  modes: ["TEST"],
});
const listedHit = (await app.services.sanctionsReads.hits(100)).find(
  (hit) => hit.merchantId === listed.merchant.id,
);
if (!listedHit) throw new Error("the seeded sanctions hit was not opened");
const state: E2eState = {
  baseUrl: `http://${host}:${E2E_PORTS.console}`,
  operators: Object.fromEntries(operators) as E2eState["operators"],
  secondAdmin: { ...secondAdmin, totpSecret: secondAdminTotp },
  throttledOperator: throttled,
  enrollingOperator: enrolling,
  refundablePaymentId: refundable.id,
  searchablePaymentId: searchable.id,
  heldToApproveId: heldToApprove.id,
  heldToRejectId: heldToReject.id,
  otherPaymentIds: payments.map((payment) => payment.id),
  payoutMerchantId: initech.id,
  failedPayoutId: failedPayout.value.id,
  workbench: {
    approver: { ...approver, totpSecret: null },
    authorizedPaymentId: authorizedToCapture.value.payment.id,
    disputeId: opened.dispute.id,
    deadLetterId: deadLetterId.toString(),
    merchantName: "Workbench Goods",
  },
  reconPaymentId,
  longValues: { merchantId: longNamed.id, kwdPaymentId: largestKwd.id, jpyPaymentId: largestJpy.id },
  checkout: { apiUrl, shopUrl, secretKey: shopKey("SECRET"), publishableKey: shopKey("PUBLISHABLE") },
  controlUrl: `http://${host}:${E2E_PORTS.control}`,
  acmeMerchantId: acme.id,
  onboardingMerchantId: applicant.merchant.id,
  sanctionsHitId: listedHit.id,
  invoice: {
    id: openInvoice.id,
    number: String(openInvoice.number),
    pageUrl: invoiceUrls.pageUrl,
    pdfUrl: invoiceUrls.pdfUrl,
    totalText: "€41.00",
    email: "invoice.customer@example.com",
  },
};
const artifacts = join(import.meta.dirname, "artifacts");
mkdirSync(artifacts, { recursive: true });
writeFileSync(join(artifacts, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
// The TOTP steps the specs used last run belong to secrets that no longer exist.
rmSync(join(artifacts, "totp-steps.json"), { force: true });
log(`seeded ${payments.length + 4} payments, 2 held for review`);

const started = Date.now();
const consoleProcess = await startConsoleProcess({
  port: E2E_PORTS.console,
  host,
  databaseUrl: database.url,
  redisUrl: null,
  pspSandboxUrl: sandbox.url,
  secrets,
  logLevel: "warn",
  buildTimeoutMs: 10 * 60_000,
  log,
});
log(`console ready on ${consoleProcess.url} after ${Math.round((Date.now() - started) / 1000)} s`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  clearInterval(specJobsTimer);
  control.close();
  mailer.close();
  await smtpSink.close();
  await consoleProcess.stop();
  await sandbox.stop();
  await closeServer(server);
  await app.close();
  await database.drop();
  await template.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
