// Goal (issue 18): a merchant's fee schedule can set a rate and fixed fee per card funding type, through the core
// command (audited; a bad input refused with its code and nothing written). A capture charges the rule of its
// card's funding type (automatic and manual captures, converted captures too), other cards the default; the
// merchant API's feeSchedule shows the rules. The ledger invariant holds after each test.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../src/testing/test-app";

// Sandbox test cards by funding type (packages/core/src/vault/funding-type.ts's BIN table).
const DEBIT = ["4000", "0566", "5566", "5556"].join("");
const PREPAID = ["5105", "1051", "0510", "5100"].join("");
const CREDIT = ["4242", "4242", "4242", "4242"].join("");

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
}, 240_000);
afterAll(async () => {
  await t?.close();
});
afterEach(async () => {
  await t.expectLedgerBalanced();
});

async function withRules(): Promise<TestMerchant> {
  const merchant = await t.createMerchant();
  const commands = t.app.services.merchantCurrencyCommands;
  await commands.setFundingFee(TEST_FIXTURE_ACTOR, merchant.id, {
    fundingType: "debit",
    fee: { rateBps: 120, fixedHundredths: null },
  });
  await commands.setFundingFee(TEST_FIXTURE_ACTOR, merchant.id, {
    fundingType: "PREPAID",
    fee: { rateBps: 350, fixedHundredths: 50n },
  });
  t.app.services.paymentStore.forgetMerchantSettings(merchant.id);
  return merchant;
}

/** The fee the payment's capture posted (fee_revenue of its journal entries), in minor units. */
async function feeOf(paymentId: string): Promise<string> {
  const [row] = await t.app.db.$queryRaw<Array<{ fee: string | null }>>`
    SELECT sum(l.amount_minor)::text AS fee
      FROM journal_entries e JOIN ledger_lines l ON l.journal_entry_id = e.id
      JOIN ledger_accounts a ON a.id = l.account_id
     WHERE e.payment_id = ${paymentId} AND a.code = 'fee_revenue' AND l.direction = 'CREDIT'`;
  return row?.fee ?? "0";
}

async function pay(merchant: TestMerchant, card: string, amount: string, captureMethod = "AUTOMATIC") {
  const method = await t.tokenize(merchant.publishableKey, card);
  const response = await t.gql<{
    createPayment: { payment: { id: string; status: string } | null; errors: unknown[] };
  }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) {
       payment { id status } errors { code } } }`,
    {
      input: {
        idempotencyKey: newKey(),
        paymentMethodId: method,
        amount,
        currency: "USD",
        captureMethod,
      },
    },
  );
  expect(response.data?.createPayment.errors, response.raw).toEqual([]);
  return response.data?.createPayment.payment as { id: string; status: string };
}

describe("fees per card funding type", () => {
  it("charges each capture the rule of its card's funding type, the default otherwise", async () => {
    const merchant = await withRules();
    // 100.00 USD: debit 1.2% + 0.30 (the currency's usual fixed fee); prepaid 3.5% + its own 0.50; credit has
    // no rule: the default 2.9% + 0.30.
    const debit = await pay(merchant, DEBIT, "10000");
    const prepaid = await pay(merchant, PREPAID, "10000");
    const credit = await pay(merchant, CREDIT, "10000");
    expect([debit.status, prepaid.status, credit.status]).toEqual(["CAPTURED", "CAPTURED", "CAPTURED"]);
    expect(await feeOf(debit.id)).toBe("150");
    expect(await feeOf(prepaid.id)).toBe("400");
    expect(await feeOf(credit.id)).toBe("320");
  });

  it("applies the rule to a manual capture too", async () => {
    const merchant = await withRules();
    const authorized = await pay(merchant, DEBIT, "5000", "MANUAL");
    expect(authorized.status).toBe("AUTHORIZED");
    const captured = await t.gql<{ capturePayment: { payment: { status: string }; errors: unknown[] } }>(
      merchant.secretKey,
      `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) {
         payment { status } errors { code } } }`,
      { input: { idempotencyKey: newKey(), paymentId: authorized.id } },
    );
    expect(captured.data?.capturePayment.payment.status).toBe("CAPTURED");
    // 1.2% of 50.00 = 0.60, + 0.30.
    expect(await feeOf(authorized.id)).toBe("90");
  });

  it("shows the rules in the merchant API's fee schedule, and removing one restores the default", async () => {
    const merchant = await withRules();
    const read = async () =>
      (
        await t.gql<{
          feeSchedule: {
            rateBps: number;
            fundingFees: Array<{ fundingType: string; rateBps: number; fixedHundredths: string | null }>;
          };
        }>(
          merchant.secretKey,
          "{ feeSchedule { rateBps fundingFees { fundingType rateBps fixedHundredths } } }",
        )
      ).data?.feeSchedule;
    expect(await read()).toEqual({
      rateBps: 290,
      fundingFees: [
        { fundingType: "DEBIT", rateBps: 120, fixedHundredths: null },
        { fundingType: "PREPAID", rateBps: 350, fixedHundredths: "50" },
      ],
    });
    await t.app.services.merchantCurrencyCommands.setFundingFee(TEST_FIXTURE_ACTOR, merchant.id, {
      fundingType: "debit",
      fee: null,
    });
    t.app.services.paymentStore.forgetMerchantSettings(merchant.id);
    expect((await read())?.fundingFees.map((rule) => rule.fundingType)).toEqual(["PREPAID"]);
    const debit = await pay(merchant, DEBIT, "10000");
    expect(await feeOf(debit.id)).toBe("320");
    const audit = await t.app.db.operatorAuditLog.findMany({
      where: {
        targetId: merchant.id,
        action: { in: ["merchant.set_funding_fee", "merchant.remove_funding_fee"] },
      },
      orderBy: { id: "asc" },
      select: { action: true, before: true, after: true },
    });
    expect(audit).toMatchObject([
      {
        action: "merchant.set_funding_fee",
        before: { fundingType: "debit", rateBps: null, fixedHundredths: null },
        after: { fundingType: "debit", rateBps: 120, fixedHundredths: null },
      },
      {
        action: "merchant.set_funding_fee",
        before: { fundingType: "prepaid", rateBps: null, fixedHundredths: null },
        after: { fundingType: "prepaid", rateBps: 350, fixedHundredths: "50" },
      },
      {
        action: "merchant.remove_funding_fee",
        before: { fundingType: "debit", rateBps: 120, fixedHundredths: null },
        after: { fundingType: "debit", rateBps: null, fixedHundredths: null },
      },
    ]);
  });

  it.each([
    [
      "an unknown funding type",
      { fundingType: "unknown", fee: { rateBps: 100, fixedHundredths: null } },
      "fundingType",
    ],
    [
      "a rate above 100%",
      { fundingType: "debit", fee: { rateBps: 10_001, fixedHundredths: null } },
      "rateBps",
    ],
    ["a fractional rate", { fundingType: "debit", fee: { rateBps: 1.5, fixedHundredths: null } }, "rateBps"],
    [
      "a negative fixed fee",
      { fundingType: "debit", fee: { rateBps: 100, fixedHundredths: -1n } },
      "fixedHundredths",
    ],
    [
      "a fixed fee of 16 digits",
      { fundingType: "debit", fee: { rateBps: 100, fixedHundredths: 10n ** 15n } },
      "fixedHundredths",
    ],
  ] as const)("refuses %s with INVALID_INPUT, writing nothing", async (_label, input, field) => {
    const merchant = await t.createMerchant();
    const audits = await t.countRows("operator_audit_log");
    await expect(
      t.app.services.merchantCurrencyCommands.setFundingFee(TEST_FIXTURE_ACTOR, merchant.id, input),
    ).rejects.toThrow(expect.objectContaining({ code: "INVALID_INPUT", field: [field] }));
    expect(await t.app.db.merchantFundingFee.count({ where: { merchantId: merchant.id } })).toBe(0);
    expect(await t.countRows("operator_audit_log")).toBe(audits);
  });
});
