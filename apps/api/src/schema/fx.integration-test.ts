// Goal (issue 18, multiple currencies): rates imported from the ECB XML and the CSV samples (a bad or conflicting
// file refused whole, nothing written); a payment in another currency than the merchant settles in is converted
// on capture at the rate in force, locked on the payment, with its FX fee; a refund converts back at the locked
// rate with the difference to today's rate booked as FX gain or loss (partial refunds charged together what one
// refund of their total would be, so refunding a minor unit at a time does not round the merchant's share away); a missing or stale rate is refused before
// anything is written; cross rates through EUR; a dispute of a converted payment (its withdrawal and, on a win, its
// reinstatement) posts in the settlement currency at the locked rate with FX gain or loss, listed as the merchant's
// dispute balance transactions. The ledger invariant (FX clearing included) holds after each.
import { join } from "node:path";
import { importRatesFile, importRatesFromPath } from "@paycore/platform/fx/fx-services";
import { parseRatesText } from "@paycore/platform/fx/rate-files";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../testing/test-app";

const SAMPLES = join(import.meta.dirname, "../../../../packages/platform/src/fx/samples");
const ERRORS = "errors { code field message }";
const CONVERSION = `conversion { kind sourceAmount sourceCurrency settlementAmount settlementCurrency exchangeRate
  exchangeRateNumerator exchangeRateDenominator rateSource rateAsOf ratePath fee fxFee originalSettlementAmount }`;
const PAYMENT = `id status amount currency exchangeRate settlementAmount settlementCurrency exchangeRateSource
  exchangeRateAsOf ${CONVERSION}`;
const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT} } ${ERRORS} } }`;
const CAPTURE = `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { ${PAYMENT} } ${ERRORS} } }`;
const REFUND = `mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { refund { id amount status ${CONVERSION} } ${ERRORS} } }`;

interface Conversion {
  kind: string;
  sourceAmount: string;
  settlementAmount: string;
  settlementCurrency: string;
  exchangeRate: string;
  ratePath: string;
  fee: string;
  fxFee: string;
  originalSettlementAmount: string | null;
  rateSource: string;
}
interface Payment {
  id: string;
  status: string;
  exchangeRate: string | null;
  settlementAmount: string | null;
  settlementCurrency: string | null;
  exchangeRateSource: string | null;
  exchangeRateAsOf: string | null;
  conversion: Conversion | null;
}
interface Errors {
  errors: Array<{ code: string; field: string[] | null; message: string }>;
}

let t: TestApp;
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createTestApp();
}, 240_000);
afterAll(async () => {
  await t?.close();
});
afterEach(async () => {
  await t.expectLedgerBalanced();
});

function importCsv(text: string) {
  return importRatesFile(t.app.services.fxRateCommands, TEST_FIXTURE_ACTOR, parseRatesText(text));
}

async function settlingIn(currencies: string[], fxFeeBps = 0): Promise<TestMerchant> {
  const merchant = await t.createMerchant();
  await t.app.services.merchantCurrencyCommands.setSettlement(TEST_FIXTURE_ACTOR, merchant.id, {
    settlementCurrencies: currencies,
    fxFeeBps,
  });
  return merchant;
}

async function pay(merchant: TestMerchant, amount: string, currency: string, captureMethod = "AUTOMATIC") {
  const card = await t.tokenize(merchant.publishableKey);
  const response = await t.gql<{ createPayment: { payment: Payment | null } & Errors }>(
    merchant.secretKey,
    CREATE,
    {
      input: { idempotencyKey: newKey(), paymentMethodId: card, amount, currency, captureMethod },
    },
  );
  if (!response.data) throw new Error(response.raw);
  return response.data.createPayment;
}

async function balances(merchant: TestMerchant) {
  const response = await t.gql<{
    balance: Array<{ currency: string; available: string; pending: string; fees: string }>;
  }>(merchant.secretKey, "{ balance { currency available pending fees } }");
  return Object.fromEntries((response.data?.balance ?? []).map((b) => [b.currency, b]));
}

describe("importing rates", () => {
  it("imports each shipped sample; the same file again stores nothing", async () => {
    const ecb = await importRatesFromPath(
      t.app.services.fxRateCommands,
      TEST_FIXTURE_ACTOR,
      join(SAMPLES, "eurofxref-daily.xml"),
    );
    expect(ecb).toMatchObject({ source: "ECB", inserted: 30, unchanged: 0 });
    const csv = await importRatesFromPath(
      t.app.services.fxRateCommands,
      TEST_FIXTURE_ACTOR,
      join(SAMPLES, "rates.csv"),
    );
    expect(csv).toMatchObject({ source: "CSV", inserted: 4, unchanged: 0 });
    const again = await importRatesFromPath(
      t.app.services.fxRateCommands,
      TEST_FIXTURE_ACTOR,
      join(SAMPLES, "eurofxref-daily.xml"),
    );
    expect(again).toMatchObject({ inserted: 0, unchanged: 30 });
    expect(await t.countRows("fx_rates")).toBe(34);
    expect(await t.countRows("fx_rate_imports")).toBe(3);
    const audit = await t.app.db.operatorAuditLog.findMany({ where: { action: "fx.rates_imported" } });
    expect(audit).toHaveLength(3);
  });

  it("refuses a bad file, or one contradicting a stored rate, whole: nothing written", async () => {
    const rates = await t.countRows("fx_rates");
    const imports = await t.countRows("fx_rate_imports");
    await expect(
      importCsv("base,quote,rate,as_of\nEUR,CAD,1.47,2026-12-01\nEUR,CAD,one,2026-12-02\n"),
    ).rejects.toThrow(
      expect.objectContaining({
        code: "FX_RATES_FILE_INVALID",
        message: expect.stringMatching(/^line 3: rate "one"/),
      }),
    );
    // The sample's EUR→USD for 2026-12-04 is 1.0842: another value for the same source and date is refused.
    await expect(
      importCsv("base,quote,rate,as_of\nEUR,AUD,1.6,2026-12-01\nUSD,JPY,150.00,2026-12-04T16:00:00Z\n"),
    ).rejects.toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^line 3: the rate 150 differs/) }),
    );
    expect(await t.countRows("fx_rates")).toBe(rates);
    expect(await t.countRows("fx_rate_imports")).toBe(imports);
  });
});

describe("converting on capture", () => {
  it("locks the rate on the payment, fees in the settlement currency, and refunds at that rate with FX gain/loss", async () => {
    await importCsv(`base,quote,rate,as_of\nEUR,USD,1.0842,${today()}\n`);
    const merchant = await settlingIn(["USD"], 100);
    const created = await pay(merchant, "10000", "EUR");
    expect(created.errors).toEqual([]);
    const payment = created.payment as Payment;
    expect(payment).toMatchObject({
      status: "CAPTURED",
      exchangeRate: "1.0842",
      settlementAmount: "10842",
      settlementCurrency: "USD",
      exchangeRateSource: "CSV",
      exchangeRateAsOf: `${today()}T00:00:00.000Z`,
    });
    // 2.9% of 108.42 = 3.14 (half up), + 0.30, + the 1% FX fee 1.08.
    expect(payment.conversion).toMatchObject({
      kind: "CAPTURE",
      fee: "452",
      fxFee: "108",
      ratePath: "DIRECT",
    });
    // The converted credit is pending like any capture (the sandbox PSP's default delay), released with it.
    expect(await balances(merchant)).toMatchObject({
      USD: { available: "0", pending: "10390", fees: "452" },
    });
    const [release] = await t.app.db.$queryRaw<Array<{ amount: string; currency: string }>>`
      SELECT r.amount_minor::text AS amount, r.currency FROM pending_releases r
        JOIN journal_entries e ON e.id = r.journal_entry_id
       WHERE e.payment_id = ${payment.id} AND r.released_entry_id IS NULL`;
    expect(release).toEqual({ amount: "10390", currency: "USD" });
    await t.app.sql.execute(`UPDATE pending_releases SET available_on = now() WHERE merchant_id = $1`, [
      merchant.id,
    ]);
    expect(await t.app.services.payouts.releaseDue()).toBeGreaterThanOrEqual(1);
    expect(await balances(merchant)).toMatchObject({
      USD: { available: "10390", pending: "0", fees: "452" },
    });

    // The euro rose: the merchant bears 50.00 EUR at 1.0842 (54.21 USD), the platform the rest (0.79 USD).
    await importCsv(`base,quote,rate,as_of\nEUR,USD,1.1000,${new Date().toISOString()}\n`);
    const refunded = await t.gql<{
      refundPayment: { refund: { status: string; conversion: Conversion } } & Errors;
    }>(merchant.secretKey, REFUND, {
      input: { idempotencyKey: newKey(), paymentId: payment.id, amount: "5000" },
    });
    expect(refunded.data?.refundPayment.errors, refunded.raw).toEqual([]);
    expect(refunded.data?.refundPayment.refund).toMatchObject({
      status: "SUCCEEDED",
      conversion: {
        kind: "REFUND",
        settlementAmount: "5500",
        originalSettlementAmount: "5421",
        exchangeRate: "1.1",
      },
    });
    expect(await balances(merchant)).toMatchObject({ USD: { available: String(10390 - 5421) } });
    const [loss] = await t.app.db.$queryRaw<Array<{ debits: string }>>`
      SELECT sum(l.amount_minor)::text AS debits FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
       WHERE a.merchant_id = ${merchant.id} AND a.code = 'fx_gain_loss' AND l.direction = 'DEBIT'`;
    expect(loss?.debits).toBe("79");
  });

  it("charges the merchant for refunds one minor unit at a time what one refund of the same total costs", async () => {
    // The 2026-12-08 campaign: each 1-fils refund of a KWD payment settling in USD (0.325 cents at 3.25) was
    // rounded to 0 cents on its own, so refunding fils by fils gave the customer the money back at no cost to the
    // merchant. Each refund is now charged the difference of the locked conversions of the totals refunded.
    await importCsv(`base,quote,rate,as_of\nKWD,USD,3.25,${today()}\n`);
    const merchant = await settlingIn(["USD"]);
    const created = await pay(merchant, "1000", "KWD");
    expect(created.payment).toMatchObject({ status: "CAPTURED", settlementAmount: "325" });
    const paymentId = created.payment?.id;
    const settlementDebits = async () => {
      const [row] = await t.app.db.$queryRaw<Array<{ debits: string | null }>>`
        SELECT sum(l.amount_minor)::text AS debits FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
          JOIN journal_entries e ON e.id = l.journal_entry_id
         WHERE a.merchant_id = ${merchant.id} AND a.code = 'merchant_balance' AND a.currency = 'USD'
           AND l.direction = 'DEBIT' AND e.kind = 'fx.refund_conversion'`;
      return BigInt(row?.debits ?? "0");
    };
    for (let refunded = 1; refunded <= 20; refunded++) {
      const answer = await t.gql<{ refundPayment: { refund: { status: string } } & Errors }>(
        merchant.secretKey,
        REFUND,
        { input: { idempotencyKey: newKey(), paymentId, amount: "1" } },
      );
      expect(answer.data?.refundPayment.refund?.status, answer.raw).toBe("SUCCEEDED");
      // 3.25 × the fils refunded so far, in cents, rounded once over the total (half to even).
      const thousandths = BigInt(refunded) * 325n;
      const [cents, rest] = [thousandths / 1000n, thousandths % 1000n];
      const rounded = rest > 500n || (rest === 500n && cents % 2n === 1n) ? cents + 1n : cents;
      expect(await settlementDebits()).toBe(rounded);
    }
    // The rest at once: the merchant has then been charged exactly the capture's converted amount.
    const rest = await t.gql<{ refundPayment: { refund: { status: string } } & Errors }>(
      merchant.secretKey,
      REFUND,
      { input: { idempotencyKey: newKey(), paymentId } },
    );
    expect(rest.data?.refundPayment.refund?.status, rest.raw).toBe("SUCCEEDED");
    expect(await settlementDebits()).toBe(325n);
  });

  it("converts a manual capture at the rate in force when it is captured, across exponents", async () => {
    await importCsv(`base,quote,rate,as_of\nJPY,KWD,0.00203,${today()}\n`);
    const merchant = await settlingIn(["KWD"]);
    const authorized = await pay(merchant, "10000", "JPY", "MANUAL");
    expect(authorized.payment).toMatchObject({ status: "AUTHORIZED", conversion: null, exchangeRate: null });
    const captured = await t.gql<{ capturePayment: { payment: Payment } & Errors }>(
      merchant.secretKey,
      CAPTURE,
      {
        input: { idempotencyKey: newKey(), paymentId: authorized.payment?.id },
      },
    );
    expect(captured.data?.capturePayment.payment).toMatchObject({
      status: "CAPTURED",
      settlementAmount: "20300",
      settlementCurrency: "KWD",
      exchangeRate: "0.00203",
    });
    // The default fixed fee 0.30 is 300 fils in KWD; 2.9% of 20.300 KWD is 589 fils (half up).
    expect(captured.data?.capturePayment.payment.conversion?.fee).toBe("889");
  });

  it("goes through EUR when only EUR-based rates exist", async () => {
    await importCsv(`base,quote,rate,as_of\nEUR,SEK,11.2355,${today()}\nEUR,NOK,11.7155,${today()}\n`);
    const merchant = await settlingIn(["NOK"]);
    const created = await pay(merchant, "100000", "SEK");
    // 1000.00 SEK × 11.7155 / 11.2355 = 1042.721739… NOK.
    expect(created.payment?.conversion).toMatchObject({ ratePath: "CROSS", settlementAmount: "104272" });
  });

  it("settles a payment in one of the merchant's settlement currencies as it is", async () => {
    const merchant = await settlingIn(["USD", "EUR"]);
    const created = await pay(merchant, "2500", "EUR");
    expect(created.payment).toMatchObject({ status: "CAPTURED", conversion: null, settlementCurrency: null });
    expect(await balances(merchant)).toMatchObject({ EUR: { fees: "103" } });
  });
});

describe("disputes of a converted payment", () => {
  async function dispute(paymentId: string, status: "NEEDS_RESPONSE" | "WON", amountMinor: bigint) {
    const { pspName, pspReference } = await t.app.db.payment.findUniqueOrThrow({
      where: { id: paymentId },
      select: { pspName: true, pspReference: true },
    });
    if (!pspName || !pspReference) throw new Error("setup: the payment has no PSP reference");
    const result = await t.app.services.disputes.applyNotification({
      pspName,
      disputeReference: `dp_fx_${paymentId}`,
      paymentPspReference: pspReference,
      status,
      stage: "chargeback",
      pspStage: status,
      amountMinor,
      currency: "EUR",
      reason: "fraudulent",
      reasonCode: "10.4",
      evidenceDueBy: new Date(Date.now() + 7 * 86_400_000),
    });
    if (!result.applied) throw new Error(`dispute not applied: ${result.reason} ${result.detail}`);
    return result.dispute;
  }

  async function disputeTransactions(merchant: TestMerchant) {
    const response = await t.gql<{
      balanceTransactions: {
        edges: Array<{
          node: { type: string; amount: string; fee: string; net: string; currency: string; source: string };
        }>;
      };
    }>(
      merchant.secretKey,
      `{ balanceTransactions(first: 20) { edges { node { type amount fee net currency source } } } }`,
    );
    return (response.data?.balanceTransactions.edges ?? [])
      .map((edge) => edge.node)
      .filter((node) => node.type === "DISPUTE" || node.type === "DISPUTE_REVERSAL");
  }

  it("withdraws at the locked rate with the loss to fx_gain_loss, and gives the amount back at that rate on a win", async () => {
    await importCsv(`base,quote,rate,as_of\nEUR,USD,1.0842,${new Date().toISOString()}\n`);
    const merchant = await settlingIn(["USD"]);
    const created = await pay(merchant, "10000", "EUR");
    const payment = created.payment as Payment;
    expect(payment).toMatchObject({ status: "CAPTURED", settlementAmount: "10842" });
    const before = BigInt((await balances(merchant)).USD?.available ?? "0");

    // The euro rose to 1.10: 40.00 EUR disputed with the default 15.00 EUR fee. The merchant bears 55.00 EUR at
    // 1.0842 = 59.63 USD; 60.50 USD is what it costs today; the platform loses 0.87 USD.
    await importCsv(`base,quote,rate,as_of\nEUR,USD,1.1000,${new Date(Date.now() + 1000).toISOString()}\n`);
    const opened = await dispute(payment.id, "NEEDS_RESPONSE", 4_000n);
    expect(opened).toMatchObject({ fundsWithdrawn: true, feeMinor: 1_500n, currency: "EUR" });
    expect(BigInt((await balances(merchant)).USD?.available ?? "0")).toBe(before - 5_963n);
    // The merchant never holds euros: its EUR balance stays zero (the dispute fee is fee revenue in EUR).
    expect((await balances(merchant)).EUR).toMatchObject({ available: "0", pending: "0", fees: "1500" });
    const conversions = await t.app.services.fxConversions.disputeConversionsOf([opened.id]);
    expect(conversions).toHaveLength(1);
    expect(conversions[0]).toMatchObject({
      kind: "DISPUTE",
      sourceCurrency: "EUR",
      sourceAmountMinor: 5_500n,
      settlementCurrency: "USD",
      settlementAmountMinor: 6_050n,
      originalSettlementMinor: 5_963n,
      gainLossMinor: -87n,
      rateSource: "CSV",
    });
    await t.expectLedgerBalanced();

    // The euro fell to 1.05 and the merchant won: 40.00 EUR back at 1.0842 = 43.37 USD (the fee stays earned);
    // 42.00 USD came in; the platform loses another 1.37 USD.
    await importCsv(`base,quote,rate,as_of\nEUR,USD,1.0500,${new Date(Date.now() + 2000).toISOString()}\n`);
    const won = await dispute(payment.id, "WON", 4_000n);
    expect(won.fundsWithdrawn).toBe(false);
    expect(BigInt((await balances(merchant)).USD?.available ?? "0")).toBe(before - 5_963n + 4_337n);
    const both = await t.app.services.fxConversions.disputeConversionsOf([opened.id]);
    expect(
      both.map((c) => [c.kind, c.settlementAmountMinor, c.originalSettlementMinor, c.gainLossMinor]),
    ).toEqual([
      ["DISPUTE", 6_050n, 5_963n, -87n],
      ["DISPUTE_REVERSAL", 4_200n, 4_337n, -137n],
    ]);
    const [loss] = await t.app.db.$queryRaw<Array<{ net: string }>>`
      SELECT sum(CASE l.direction WHEN 'DEBIT' THEN l.amount_minor ELSE -l.amount_minor END)::text AS net
        FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
       WHERE a.merchant_id = ${merchant.id} AND a.code = 'fx_gain_loss'`;
    expect(loss?.net).toBe("224");

    // The merchant's balance transactions list both in USD, sourced to the dispute.
    expect(await disputeTransactions(merchant)).toEqual([
      { type: "DISPUTE_REVERSAL", amount: "4337", fee: "0", net: "4337", currency: "USD", source: opened.id },
      { type: "DISPUTE", amount: "-5963", fee: "0", net: "-5963", currency: "USD", source: opened.id },
    ]);
  });

  it("a dispute of a payment that settled as it is posts in its own currency, with no conversion", async () => {
    const merchant = await settlingIn(["USD", "EUR"]);
    const created = await pay(merchant, "2500", "EUR");
    const opened = await dispute(created.payment?.id as string, "NEEDS_RESPONSE", 2_500n);
    expect(await t.app.services.fxConversions.disputeConversionsOf([opened.id])).toEqual([]);
    expect(await disputeTransactions(merchant)).toEqual([
      { type: "DISPUTE", amount: "-2500", fee: "1500", net: "-4000", currency: "EUR", source: opened.id },
    ]);
  });
});

describe("the fee schedule", () => {
  it("shows the calling merchant's own fixed fees and settlement currencies, never another merchant's", async () => {
    const merchant = await settlingIn(["EUR", "JPY"], 75);
    await t.app.services.merchantCurrencyCommands.setFixedFee(TEST_FIXTURE_ACTOR, merchant.id, {
      currency: "JPY",
      fixedMinor: 40n,
    });
    const other = await t.createMerchant();
    const query =
      "{ feeSchedule { rateBps fxFeeBps settlementCurrencies fixedFees { currency amount source } } }";
    const mine = await t.gql<{ feeSchedule: unknown }>(merchant.secretKey, query);
    expect(mine.data?.feeSchedule).toEqual({
      rateBps: 290,
      fxFeeBps: 75,
      settlementCurrencies: ["EUR", "JPY"],
      fixedFees: [
        { currency: "EUR", amount: "30", source: "DEFAULT" },
        { currency: "JPY", amount: "40", source: "MERCHANT" },
      ],
    });
    const theirs = await t.gql<{ feeSchedule: unknown }>(other.secretKey, query);
    expect(theirs.data?.feeSchedule).toEqual({
      rateBps: 290,
      fxFeeBps: 0,
      settlementCurrencies: [],
      fixedFees: [],
    });
    // Removing the merchant's own fee brings the default back (0.30 yen rounds to 0).
    await t.app.services.merchantCurrencyCommands.setFixedFee(TEST_FIXTURE_ACTOR, merchant.id, {
      currency: "JPY",
      fixedMinor: null,
    });
    const after = await t.gql<{ feeSchedule: { fixedFees: unknown[] } }>(merchant.secretKey, query);
    expect(after.data?.feeSchedule.fixedFees).toContainEqual({
      currency: "JPY",
      amount: "0",
      source: "DEFAULT",
    });
    const audit = await t.app.db.operatorAuditLog.findMany({
      where: {
        targetId: merchant.id,
        action: { in: ["merchant.set_fixed_fee", "merchant.remove_fixed_fee"] },
      },
    });
    expect(audit).toHaveLength(2);
  });

  it("refuses bad settings with a typed error, nothing written", async () => {
    const merchant = await t.createMerchant();
    const commands = t.app.services.merchantCurrencyCommands;
    await expect(
      commands.setSettlement(TEST_FIXTURE_ACTOR, merchant.id, { settlementCurrencies: ["USD", "USD"] }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", field: ["settlementCurrencies"] });
    await expect(
      commands.setSettlement(TEST_FIXTURE_ACTOR, merchant.id, { settlementCurrencies: ["usd"] }),
    ).rejects.toMatchObject({ code: "CURRENCY_INVALID" });
    await expect(
      commands.setSettlement(TEST_FIXTURE_ACTOR, merchant.id, {
        settlementCurrencies: ["USD"],
        fxFeeBps: 1001,
      }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", field: ["fxFeeBps"] });
    await expect(
      commands.setFixedFee(TEST_FIXTURE_ACTOR, merchant.id, { currency: "JPY", fixedMinor: -1n }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", field: ["fixedMinor"] });
    expect(
      await commands.setFixedFee(TEST_FIXTURE_ACTOR, "mer_missing", { currency: "JPY", fixedMinor: 1n }),
    ).toBeNull();
    expect(await t.app.db.merchantSettlement.count({ where: { merchantId: merchant.id } })).toBe(0);
    expect(await t.app.db.merchantFixedFee.count({ where: { merchantId: merchant.id } })).toBe(0);
  });
});

describe("refusing a conversion without a fresh rate", () => {
  it("FX_RATE_STALE and FX_RATE_MISSING at creation, with nothing written", async () => {
    await importCsv(`base,quote,rate,as_of\nCHF,GBP,0.88,${daysAgo(10)}\n`);
    const merchant = await settlingIn(["GBP"]);
    const payments = await t.countRows("payments");
    const stale = await pay(merchant, "1000", "CHF");
    expect(stale.payment).toBeNull();
    expect(stale.errors).toEqual([expect.objectContaining({ code: "FX_RATE_STALE", field: ["currency"] })]);
    const missing = await pay(merchant, "1000", "KES");
    expect(missing.errors).toEqual([
      expect.objectContaining({ code: "FX_RATE_MISSING", field: ["currency"] }),
    ]);
    expect(await t.countRows("payments")).toBe(payments);
  });

  it("FX_RATE_STALE at capture when the rate went stale after the authorization", async () => {
    await importCsv(`base,quote,rate,as_of\nPLN,CZK,5.87,${today()}\n`);
    const merchant = await settlingIn(["CZK"]);
    const authorized = await pay(merchant, "1000", "PLN", "MANUAL");
    expect(authorized.payment?.status).toBe("AUTHORIZED");
    // The merchant now settles in HUF, for which only an old PLN rate exists.
    await importCsv(`base,quote,rate,as_of\nPLN,HUF,92.5,${daysAgo(9)}\n`);
    await t.app.services.merchantCurrencyCommands.setSettlement(TEST_FIXTURE_ACTOR, merchant.id, {
      settlementCurrencies: ["HUF"],
    });
    t.app.services.paymentStore.forgetMerchantSettings(merchant.id);
    const captured = await t.gql<{ capturePayment: { payment: Payment | null } & Errors }>(
      merchant.secretKey,
      CAPTURE,
      {
        input: { idempotencyKey: newKey(), paymentId: authorized.payment?.id },
      },
    );
    expect(captured.data?.capturePayment.errors).toEqual([
      expect.objectContaining({ code: "FX_RATE_STALE", field: ["paymentId"] }),
    ]);
    const row = await t.app.db.payment.findUniqueOrThrow({ where: { id: authorized.payment?.id } });
    expect(row.status).toBe("AUTHORIZED");
  });
});
