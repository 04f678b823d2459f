// Goal: merchant onboarding (issue 22) end to end on real Postgres and the sandbox server. An unverified merchant
// takes test payments freely and live payments up to the configured total (then LIVE_LIMIT_EXCEEDED, nothing
// written); its live payouts are held (PAYOUTS_HELD_UNVERIFIED) while test-mode payouts work; once an operator
// approves it the limit and the hold are gone; a restricted one takes no live payment (MERCHANT_RESTRICTED). The
// details go through the API's mutation with typed errors for bad input; every change writes its event, audit
// row and outbox message; the database refuses an illegal edge even when written around the core, and its copy
// of the table is the core's. Concurrent live payments of an unverified merchant never take it past its limit.
import { randomBytes } from "node:crypto";
import { onboardingTransitionEdges } from "@paycore/core/onboarding/onboarding-state-machine";
import { RiskSignalsRepository } from "@paycore/db/repositories/risk-signals.repository";
import { TEST_FIXTURE_ACTOR } from "@paycore/platform/testing/test-runtime";
import { riskSignalsJob } from "@paycore/platform/workers/risk-signals";
import type { SandboxHandle } from "@paycore/psp-sandbox/sandbox-server";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBankRailsTestApp } from "../src/testing/bank-rails-test-app";
import { newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const LIVE_KEY = `sk_live_${randomBytes(12).toString("hex")}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(16).toString("hex")}`;
const BANK_SECRET = "bank_whsec_onboarding_0123456789";
const ERRORS = "errors { code message field }";
const OPERATOR = { operatorId: null, name: "cli:reviewer" };

let sandbox: SandboxHandle;
let t: TestApp;
let pending: TestMerchant;

type Errors = Array<{ code: string; message: string; field: string[] | null }>;

async function payment(key: string, publishable: string, amount: string, currency = "USD") {
  const paymentMethodId = await t.tokenize(publishable);
  const result = await t.gql<{
    createPayment: { payment: { id: string; status: string } | null; errors: Errors };
  }>(
    key,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } ${ERRORS} } }`,
    { input: { idempotencyKey: newKey("onb"), amount, currency, paymentMethodId } },
  );
  if (!result.data) throw new Error(result.raw);
  return result.data.createPayment;
}

async function submitDetails(key: string, overrides: Record<string, string> = {}) {
  const result = await t.gql<{
    submitOnboardingDetails: {
      onboarding: { status: string; details: { country: string } | null } | null;
      errors: Errors;
    };
  }>(
    key,
    `mutation($input: SubmitOnboardingDetailsInput!) { submitOnboardingDetails(input: $input) {
       onboarding { status details { country legalName } } ${ERRORS} } }`,
    {
      input: {
        legalName: "Beispiel Handel GmbH",
        country: "DE",
        registrationId: "HRB 98765",
        representativeName: "Max Mustermann",
        representativeBirthDate: "1975-02-14",
        website: "https://handel.example",
        expectedMonthlyVolume: "2500000",
        expectedVolumeCurrency: "EUR",
        ...overrides,
      },
    },
  );
  if (!result.data) throw new Error(result.raw);
  return result.data.submitOnboardingDetails;
}

async function createPayout(key: string, currency: string, bankAccountId: string, amount = "100") {
  const result = await t.gql<{
    createPayout: { payout: { id: string; status: string } | null; errors: Errors };
  }>(
    key,
    `mutation($input: CreatePayoutInput!) { createPayout(input: $input) { payout { id status } ${ERRORS} } }`,
    { input: { idempotencyKey: newKey("po"), amount, currency, bankAccountId } },
  );
  if (!result.data) throw new Error(result.raw);
  return result.data.createPayout;
}

async function addAccount(key: string) {
  const result = await t.gql<{ addBankAccount: { bankAccount: { id: string; status: string } | null } }>(
    key,
    `mutation($input: AddBankAccountInput!) { addBankAccount(input: $input) { bankAccount { id status } ${ERRORS} } }`,
    {
      input: {
        idempotencyKey: newKey("ba"),
        holderName: "Beispiel Handel GmbH",
        currency: "USD",
        routingNumber: "110000000",
        accountNumber: "000123456789",
      },
    },
  );
  const account = result.data?.addBankAccount.bankAccount;
  if (!account) throw new Error(result.raw);
  return account;
}

beforeAll(async () => {
  ({ sandbox, t } = await createBankRailsTestApp({
    sandbox: { liveStripeKeys: [LIVE_KEY] },
    app: { unverifiedLiveLimits: "USD:100000" },
    webhookSecret: BANK_SECRET,
    bankTimeoutMs: 2_000,
    instantSettlement: ["sandbox", "stripe"],
  }));
  await t.app.services.pspAccounts.create(OPERATOR, {
    psp: "stripe",
    mode: "LIVE",
    endpoint: sandbox.url,
    apiKey: LIVE_KEY,
    webhookSecret: WEBHOOK_SECRET,
  });
  t.app.services.livePsps.invalidate();
  pending = await t.createMerchant({ onboarding: "PENDING_VERIFICATION" });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

describe("an unverified merchant", () => {
  it("starts PENDING_VERIFICATION and takes test payments without limit", async () => {
    expect((await t.app.services.onboarding.find(pending.id))?.status).toBe("PENDING_VERIFICATION");
    const big = await payment(pending.secretKey, pending.publishableKey, "5000000");
    expect(big.errors).toEqual([]);
    expect(big.payment?.status).toBe("CAPTURED");
  });

  it("takes live payments up to its limit, then refuses with LIVE_LIMIT_EXCEEDED and writes nothing", async () => {
    const first = await payment(pending.liveSecretKey, pending.livePublishableKey, "60000");
    expect(first.errors).toEqual([]);
    expect(first.payment?.status).toBe("CAPTURED");
    const before = await t.countRows("payments");
    const second = await payment(pending.liveSecretKey, pending.livePublishableKey, "40001");
    expect(second.payment).toBeNull();
    expect(second.errors.map((e) => [e.code, e.field])).toEqual([["LIVE_LIMIT_EXCEEDED", ["amount"]]]);
    expect(await t.countRows("payments")).toBe(before);
    // Exactly up to the limit is allowed; a currency without a limit takes nothing live.
    expect((await payment(pending.liveSecretKey, pending.livePublishableKey, "40000")).errors).toEqual([]);
    const euro = await payment(pending.liveSecretKey, pending.livePublishableKey, "100", "EUR");
    expect(euro.errors.map((e) => e.code)).toEqual(["LIVE_LIMIT_EXCEEDED"]);
    await t.expectLedgerBalanced();
  });

  it("has its live payouts held while test-mode payouts work", async () => {
    const testAccount = await addAccount(pending.secretKey);
    expect(testAccount.status).toBe("VERIFIED");
    await t.app.services.payouts.releaseDue();
    const testPayout = await createPayout(pending.secretKey, "USD", testAccount.id);
    expect(testPayout.errors).toEqual([]);
    expect(testPayout.payout?.status).toBe("PENDING");

    const liveAccount = await addAccount(pending.liveSecretKey);
    const held = await createPayout(pending.liveSecretKey, "USD", liveAccount.id);
    expect(held.payout).toBeNull();
    expect(held.errors.map((e) => e.code)).toEqual(["PAYOUTS_HELD_UNVERIFIED"]);
    await t.expectLedgerBalanced();
  });

  it("refuses bad details with typed codes naming the field, and cannot be approved without details", async () => {
    await expect(
      t.app.services.onboarding.decide(OPERATOR, pending.id, "APPROVE", "looks fine"),
    ).rejects.toMatchObject({ code: "ONBOARDING_DETAILS_MISSING" });
    const cases: Array<[Record<string, string>, string, string[]]> = [
      [{ country: "XX" }, "INVALID_INPUT", ["country"]],
      [{ representativeBirthDate: "2020-01-01" }, "INVALID_INPUT", ["representativeBirthDate"]],
      [{ representativeBirthDate: "1980-02-30" }, "INVALID_INPUT", ["representativeBirthDate"]],
      [{ website: "javascript:alert(1)" }, "INVALID_INPUT", ["website"]],
      [{ legalName: "x".repeat(201) }, "INVALID_INPUT", ["legalName"]],
      [{ registrationId: "HRB <script>" }, "INVALID_INPUT", ["registrationId"]],
      [{ expectedMonthlyVolume: "-5" }, "AMOUNT_INVALID", ["expectedMonthlyVolume"]],
      [{ expectedVolumeCurrency: "XYZ" }, "CURRENCY_INVALID", ["expectedVolumeCurrency"]],
    ];
    const eventsBefore = await t.countRows("merchant_onboarding_events");
    for (const [override, code, field] of cases) {
      const result = await submitDetails(pending.secretKey, override);
      expect(
        result.errors.map((e) => [e.code, e.field]),
        JSON.stringify(override),
      ).toEqual([[code, field]]);
    }
    expect(await t.countRows("merchant_onboarding_events")).toBe(eventsBefore);
  });

  it("is approved by an operator after its details: the limit and the hold are gone, all audited", async () => {
    const submitted = await submitDetails(pending.secretKey);
    expect(submitted.errors).toEqual([]);
    expect(submitted.onboarding).toMatchObject({
      status: "PENDING_VERIFICATION",
      details: { country: "DE" },
    });
    const approved = await t.app.services.onboarding.decide(
      OPERATOR,
      pending.id,
      "APPROVE",
      "KYC documents checked",
    );
    expect(approved?.status).toBe("VERIFIED");

    expect((await payment(pending.liveSecretKey, pending.livePublishableKey, "500000")).errors).toEqual([]);
    const liveAccount = await addAccount(pending.liveSecretKey);
    await t.app.services.payouts.releaseDue();
    const payout = await createPayout(pending.liveSecretKey, "USD", liveAccount.id);
    expect(payout.errors).toEqual([]);

    const audit = await t.app.db.operatorAuditLog.findMany({
      where: { targetId: pending.id, action: { startsWith: "merchant.onboarding" } },
      orderBy: { id: "asc" },
      select: { action: true, after: true },
    });
    expect(audit.map((row) => row.action)).toEqual([
      "merchant.onboarding_details",
      "merchant.onboarding_approve",
    ]);
    expect(audit[1]?.after).toMatchObject({
      onboardingStatus: "VERIFIED",
      note: "KYC documents checked",
      actor: "cli:reviewer",
    });
    // The date of birth is personal data: kept on the merchant, never copied into the audit log.
    expect(JSON.stringify(audit)).not.toContain("1975-02-14");
    const outbox = await t.app.db.outboxMessage.findMany({
      where: { merchantId: pending.id, topic: "account.updated", mode: "LIVE" },
    });
    expect(outbox.map((row) => (row.payload as { onboardingStatus: string }).onboardingStatus)).toEqual([
      "VERIFIED",
    ]);
    // Verified details no longer change through onboarding.
    expect((await submitDetails(pending.secretKey)).errors.map((e) => e.code)).toEqual([
      "ONBOARDING_STATE_INVALID",
    ]);
    await t.expectLedgerBalanced();
  });
});

describe("restriction", () => {
  it("refuses live payments and payouts of a restricted merchant, and REJECTED is final", async () => {
    const merchant = await t.createMerchant();
    await t.app.services.onboarding.decide(OPERATOR, merchant.id, "RESTRICT", "chargebacks under review");
    const refused = await payment(merchant.liveSecretKey, merchant.livePublishableKey, "100");
    expect(refused.errors.map((e) => e.code)).toEqual(["MERCHANT_RESTRICTED"]);
    // Test mode is unaffected.
    expect((await payment(merchant.secretKey, merchant.publishableKey, "100")).errors).toEqual([]);
    await t.app.services.onboarding.decide(OPERATOR, merchant.id, "REJECT", "closed");
    await expect(
      t.app.services.onboarding.decide(OPERATOR, merchant.id, "APPROVE", "again"),
    ).rejects.toMatchObject({ code: "ONBOARDING_STATE_INVALID" });
    const events = await t.app.services.onboardingReads.events(merchant.id);
    expect(events.map((event) => event.newStatus).slice(0, 3)).toEqual([
      "REJECTED",
      "RESTRICTED",
      "VERIFIED",
    ]);
  });
});

describe("risk signals", () => {
  it("restrict a merchant whose live refund rate is above its threshold, naming the rule", async () => {
    const merchant = await t.createMerchant();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const paid = await payment(merchant.liveSecretKey, merchant.livePublishableKey, "1000");
      expect(paid.errors).toEqual([]);
      ids.push(paid.payment?.id as string);
    }
    for (const id of ids.slice(0, 2)) {
      const refunded = await t.gql<{ refundPayment: { errors: Errors } }>(
        merchant.liveSecretKey,
        `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { ${ERRORS} } }`,
        { input: { idempotencyKey: newKey("re"), paymentId: id, amount: "500" } },
      );
      expect(refunded.data?.refundPayment.errors).toEqual([]);
    }
    const job = riskSignalsJob({
      counts: new RiskSignalsRepository(t.app.sql),
      onboarding: t.app.services.onboarding,
      thresholds: {
        windowDays: 30,
        minPayments: 4,
        refundRateMaxBps: 5_000,
        disputeRateMaxBps: 100,
        declineRateMaxBps: 5_000,
      },
      log: pino({ level: "silent" }),
    });
    // 2 of 4 captured payments refunded is 50%: at the threshold, not above it.
    await job.pass();
    expect((await t.app.services.onboarding.find(merchant.id))?.status).toBe("VERIFIED");
    const third = await t.gql<{ refundPayment: { errors: Errors } }>(
      merchant.liveSecretKey,
      `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { ${ERRORS} } }`,
      { input: { idempotencyKey: newKey("re"), paymentId: ids[2], amount: "1000" } },
    );
    expect(third.data?.refundPayment.errors).toEqual([]);
    await job.pass();
    expect((await t.app.services.onboarding.find(merchant.id))?.status).toBe("RESTRICTED");
    const [event] = await t.app.services.onboardingReads.events(merchant.id, 1);
    expect(event).toMatchObject({
      newStatus: "RESTRICTED",
      rule: "risk_signals.refund_rate",
      source: "SYSTEM",
    });
    const audit = await t.app.db.operatorAuditLog.findFirst({
      where: { targetId: merchant.id, action: "merchant.onboarding_restrict" },
      select: { after: true },
    });
    expect(audit?.after).toMatchObject({
      rule: "risk_signals.refund_rate",
      actor: "system:risk_signals.refund_rate",
    });
    // Operators see it in the onboarding queue (the overview's needs-attention count reads the same).
    expect((await t.app.services.onboardingReads.queue()).map((row) => row.merchantId)).toContain(
      merchant.id,
    );
    expect(
      (await payment(merchant.liveSecretKey, merchant.livePublishableKey, "100")).errors.map((e) => e.code),
    ).toEqual(["MERCHANT_RESTRICTED"]);
    // A second pass leaves it as it is (no second event).
    await job.pass();
    expect(
      (await t.app.services.onboardingReads.events(merchant.id)).filter((e) => e.rule !== null),
    ).toHaveLength(1);
    await t.expectLedgerBalanced();
  });
});

describe("the database's guard", () => {
  it("holds the core's edges and refuses an illegal status change or a new merchant not pending", async () => {
    const rows = await t.app.sql.query<{ from: string; to: string }>(
      `SELECT from_status::text AS "from", to_status::text AS "to" FROM merchant_onboarding_transitions`,
    );
    const key = (pair: [string, string]) => pair.join(">");
    expect(rows.map((row) => key([row.from, row.to])).sort()).toEqual(
      onboardingTransitionEdges().map(key).sort(),
    );
    const merchant = await t.createMerchant({ onboarding: "PENDING_VERIFICATION" });
    await t.app.services.onboarding.decide(
      TEST_FIXTURE_ACTOR,
      merchant.id,
      "REJECT",
      "fraudulent application",
    );
    await expect(
      t.app.sql.execute(
        `UPDATE merchants SET onboarding_status = 'VERIFIED', onboarding_version = onboarding_version + 1 WHERE id = $1`,
        [merchant.id],
      ),
    ).rejects.toThrow(/illegal onboarding transition REJECTED -> VERIFIED/);
    await expect(
      t.app.sql.execute(`UPDATE merchants SET onboarding_status = 'VERIFIED' WHERE id = $1`, [merchant.id]),
    ).rejects.toThrow(/without advancing its version/);
    await expect(
      t.app.sql.execute(
        `INSERT INTO merchants (id, name, onboarding_status) VALUES ('mer_inserted_verified', 'x', 'VERIFIED')`,
      ),
    ).rejects.toThrow(/must start PENDING_VERIFICATION/);
    await expect(
      t.app.sql.execute(`DELETE FROM merchant_onboarding_events WHERE merchant_id = $1`, [merchant.id]),
    ).rejects.toThrow();
  });
});

describe("the live limit under concurrency", () => {
  it("lets concurrent live payments of an unverified merchant take its total to the limit and never past it", async () => {
    const merchant = await t.createMerchant({ onboarding: "PENDING_VERIFICATION" });
    // Eight payments of 300.00 against a limit of 1,000.00, sent together: an early check that only reads would
    // let them all pass; the insert's lock lets exactly three in (900.00) and refuses the other five.
    const cards = await Promise.all(Array.from({ length: 8 }, () => t.tokenize(merchant.livePublishableKey)));
    const results = await Promise.all(
      cards.map(async (paymentMethodId) => {
        const result = await t.gql<{
          createPayment: { payment: { id: string; status: string } | null; errors: Errors };
        }>(
          merchant.liveSecretKey,
          `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } ${ERRORS} } }`,
          { input: { idempotencyKey: newKey("race"), amount: "30000", currency: "USD", paymentMethodId } },
        );
        if (!result.data) throw new Error(result.raw);
        return result.data.createPayment;
      }),
    );
    const taken = results.filter((result) => result.payment !== null);
    expect(taken.map((result) => result.payment?.status)).toEqual(["CAPTURED", "CAPTURED", "CAPTURED"]);
    const refused = results.filter((result) => result.payment === null);
    expect(refused.map((result) => result.errors.map((error) => error.code))).toEqual(
      Array.from({ length: 5 }, () => ["LIVE_LIMIT_EXCEEDED"]),
    );
    const [live] = await t.app.sql.query<{ total: string; count: number }>(
      `SELECT COALESCE(sum(amount_minor), 0)::text AS total, count(*)::int AS count FROM payments
        WHERE merchant_id = $1 AND mode = 'LIVE'`,
      [merchant.id],
    );
    expect(live).toEqual({ total: "90000", count: 3 });
    await t.expectLedgerBalanced();
  });
});
