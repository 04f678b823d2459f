// Goal: no input can make the API answer 500 or store a card number in clear. Control characters in free text
// are INVALID_INPUT, card numbers in free text and idempotency keys are CARD_NUMBER_IN_TEXT (never echoed, never
// stored), amounts above their currency's maximum are AMOUNT_TOO_LARGE, error messages lose card numbers
// written with any separator, and a balance past a signed 64-bit integer is still answered exactly.
import type { CurrencyCode } from "@paycore/core/money/currency";
import { RiskDataRepository } from "@paycore/db/repositories/risk-data.repository";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../testing/test-app";

const ERRORS = "errors { code message field retryable }";
const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } ${ERRORS} } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id } ${ERRORS} } }`;
const TOKENIZE = `mutation($input: TokenizeCardInput!) { tokenizeCard(input: $input) { paymentMethod { id } ${ERRORS} } }`;

/** A Luhn-valid number no test tokenizes, so finding its digits anywhere means free text leaked it. */
const CARD_DIGITS = "4000056655665556";
const CARD_WRITTEN = [
  "4000056655665556",
  "4000 0566 5566 5556",
  "4000-0566-5566-5556",
  "4000.0566.5566.5556",
  "4000_0566_5566_5556",
];
/** Tables a payment request may write to. */
const WRITTEN_TABLES = [
  "payments",
  "payment_events",
  "psp_attempts",
  "refunds",
  "idempotency_records",
  "outbox_messages",
];

interface UserError {
  code: string;
  message: string;
  field: string[] | null;
}

let t: TestApp;
let merchant: TestMerchant;
let card: string;

beforeAll(async () => {
  t = await createTestApp();
  merchant = await t.createMerchant();
  card = await t.tokenize(merchant.publishableKey);
});
afterEach(async () => {
  await t.expectLedgerBalanced();
});
afterAll(async () => {
  await t.close();
});

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of WRITTEN_TABLES) counts[table] = await t.countRows(table);
  return counts;
}

/** Rows of any table whose text form holds the digits: a whole-database search for a leaked card number. */
async function rowsHolding(digits: string): Promise<string[]> {
  const tables = await t.app.db.$queryRaw<Array<{ table_name: string }>>`
    SELECT table_name::text AS table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const found: string[] = [];
  for (const { table_name: table } of tables) {
    if (!/^[a-z_]+$/.test(table)) continue;
    const rows = await t.app.db.$queryRawUnsafe<Array<{ count: bigint }>>(
      `SELECT count(*)::bigint AS count FROM "${table}" AS r WHERE regexp_replace(r::text, '[^0-9]', '', 'g') LIKE $1`,
      `%${digits}%`,
    );
    if (Number(rows[0]?.count ?? 0) > 0) found.push(table);
  }
  return found;
}

async function createPayment(input: Record<string, unknown>) {
  const result = await t.gql<{
    createPayment: { payment: { id: string; status: string } | null; errors: UserError[] };
  }>(merchant.secretKey, CREATE, {
    input: { idempotencyKey: newKey(), paymentMethodId: card, currency: "USD", amount: "1000", ...input },
  });
  return result;
}

describe("control characters", () => {
  it.each([
    ["NUL in the description", { description: "blue shirt\u0000" }, ["description"]],
    ["escape in the description", { description: "\u001b[2Jshirt" }, ["description"]],
    ["line feed in the description", { description: "shirt\ninjected log line" }, ["description"]],
    ["NUL in a metadata value", { metadata: { order: "A1\u0000" } }, ["metadata", "order"]],
    ["NUL in a metadata key", { metadata: { "order\u0000": "A1" } }, ["metadata"]],
    ["C1 control in a metadata value", { metadata: { order: "A1\u0085" } }, ["metadata", "order"]],
    [
      "NUL in the customer's email",
      { customer: { email: "buyer\u0000@example.com" } },
      ["customer", "email"],
    ],
    [
      "NUL at the end of the email",
      { customer: { email: "buyer@example.com\u0000" } },
      ["customer", "email"],
    ],
  ])("refuses %s as INVALID_INPUT and writes nothing", async (_label, input, field) => {
    const before = await rowCounts();
    const result = await createPayment(input);
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.data?.createPayment.payment).toBeNull();
    expect(result.data?.createPayment.errors).toEqual([
      expect.objectContaining({ code: "INVALID_INPUT", field }),
    ]);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses NUL in a refund reason as INVALID_INPUT and leaves the payment refundable", async () => {
    const created = await createPayment({ captureMethod: "AUTOMATIC" });
    const paymentId = created.data?.createPayment.payment?.id;
    expect(created.data?.createPayment.payment?.status).toBe("CAPTURED");
    const before = await rowCounts();
    const result = await t.gql<{ refundPayment: { refund: unknown; errors: UserError[] } }>(
      merchant.secretKey,
      REFUND,
      {
        input: { idempotencyKey: newKey(), paymentId, reason: "duplicate\u0000" },
      },
    );
    expect(result.status).toBe(200);
    expect(result.data?.refundPayment).toEqual({
      refund: null,
      errors: [expect.objectContaining({ code: "INVALID_INPUT", field: ["reason"] })],
    });
    expect(await rowCounts()).toEqual(before);
  });
});

describe("card numbers in free text", () => {
  it.each(
    CARD_WRITTEN.flatMap((written) => [
      [`description "${written}"`, { description: `gift for ${written}` }, ["description"]],
      [`metadata value "${written}"`, { metadata: { note: written } }, ["metadata", "note"]],
      [`metadata key "${written}"`, { metadata: { [written]: "x" } }, ["metadata"]],
    ]) as Array<[string, Record<string, unknown>, string[]]>,
  )("refuses a card number in the %s, without echoing or storing it", async (_label, input, field) => {
    const before = await rowCounts();
    const result = await createPayment(input);
    expect(result.data?.createPayment.errors).toEqual([
      expect.objectContaining({ code: "CARD_NUMBER_IN_TEXT", field }),
    ]);
    expect(result.raw.replace(/\D/g, "")).not.toContain(CARD_DIGITS);
    expect(await rowsHolding(CARD_DIGITS)).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it.each(CARD_WRITTEN)("refuses the idempotency key %s", async (written) => {
    const result = await createPayment({ idempotencyKey: `order-${written}` });
    expect(result.data?.createPayment.errors).toEqual([
      expect.objectContaining({ code: "CARD_NUMBER_IN_TEXT", field: ["idempotencyKey"] }),
    ]);
    expect(result.raw.replace(/\D/g, "")).not.toContain(CARD_DIGITS);
    expect(await rowsHolding(CARD_DIGITS)).toEqual([]);
  });

  it("refuses a card number in a refund reason", async () => {
    const created = await createPayment({ captureMethod: "AUTOMATIC" });
    const result = await t.gql<{ refundPayment: { errors: UserError[] } }>(merchant.secretKey, REFUND, {
      input: {
        idempotencyKey: newKey(),
        paymentId: created.data?.createPayment.payment?.id,
        reason: "card 4000.0566.5566.5556 was stolen",
      },
    });
    expect(result.data?.refundPayment.errors).toEqual([
      expect.objectContaining({ code: "CARD_NUMBER_IN_TEXT", field: ["reason"] }),
    ]);
  });

  it("accepts ordinary free text with numbers", async () => {
    const result = await createPayment({
      description: "Order 2026-12-06 #12345, 2 × shirt (EAN 4006381333931 is 13 digits but not a card)",
      metadata: { order: "A-12345", phone: "+44 20 7946 0958", sku: "SKU_0001" },
    });
    // EAN-13 check digits differ from Luhn's: this one is not Luhn-valid, so it passes.
    expect(result.data?.createPayment.errors).toEqual([]);
    expect(result.data?.createPayment.payment?.status).toBe("CAPTURED");
  });
});

describe("amounts", () => {
  it.each([
    ["USD", "1000000000000"],
    ["JPY", "10000000000"],
    ["KWD", "10000000000000"],
  ])("refuses %s %s minor units (one above its maximum) as AMOUNT_TOO_LARGE", async (currency, amount) => {
    const before = await rowCounts();
    const result = await createPayment({ currency, amount });
    expect(result.data?.createPayment.errors).toEqual([
      expect.objectContaining({ code: "AMOUNT_TOO_LARGE", field: ["amount"] }),
    ]);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses a capture above the currency's maximum as AMOUNT_TOO_LARGE", async () => {
    const created = await createPayment({ captureMethod: "MANUAL" });
    const result = await t.gql<{ capturePayment: { errors: UserError[] } }>(
      merchant.secretKey,
      `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { ${ERRORS} } }`,
      {
        input: {
          idempotencyKey: newKey(),
          paymentId: created.data?.createPayment.payment?.id,
          amount: "1000000000000",
        },
      },
    );
    expect(result.data?.capturePayment.errors).toEqual([
      expect.objectContaining({ code: "AMOUNT_TOO_LARGE", field: ["amount"] }),
    ]);
  });

  it("answers a balance past a signed 64-bit integer exactly", async () => {
    await createPayment({ captureMethod: "AUTOMATIC", amount: "1000" });
    const balance = async () => {
      const result = await t.gql<{ balance: Array<{ currency: string; available: string }> }>(
        merchant.secretKey,
        "{ balance { currency available } }",
      );
      expect(result.status).toBe(200);
      expect(result.errors).toBeUndefined();
      return BigInt(result.data?.balance.find((line) => line.currency === "USD")?.available ?? "NaN");
    };
    const before = await balance();
    // Two balanced entries of 9 × 10^18 each: no honest merchant gets there (see the per-currency maximums), but
    // the balance must not depend on that. Inserted as SQL because the ledger is append-only and no API
    // payment may be this large.
    const accounts = await t.app.db.$queryRaw<Array<{ id: string; code: string }>>`
      SELECT id, code FROM ledger_accounts
       WHERE merchant_id = ${merchant.id} AND mode = 'TEST' AND currency = 'USD'
         AND code IN ('psp_receivable', 'merchant_balance')`;
    const accountOf = (code: string) => accounts.find((account) => account.code === code)?.id;
    expect(accountOf("psp_receivable")).toBeDefined();
    for (const suffix of ["a", "b"]) {
      const entryId = `je_huge_${suffix}`;
      await t.app.db.$transaction([
        t.app.db.$executeRaw`
          INSERT INTO journal_entries (id, merchant_id, mode, kind, currency)
          VALUES (${entryId}, ${merchant.id}, 'TEST', 'test.huge', 'USD')`,
        t.app.db.$executeRaw`
          INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
          VALUES (${entryId}, ${accountOf("psp_receivable")}, 'DEBIT', 9000000000000000000, 'USD'),
                 (${entryId}, ${accountOf("merchant_balance")}, 'CREDIT', 9000000000000000000, 'USD')`,
      ]);
    }
    expect(await balance()).toBe(before + 18_000_000_000_000_000_000n);
  });
});

describe("fraud velocity from Postgres", () => {
  it("sums a card's day of payments past a signed 64-bit integer exactly", async () => {
    // A card of its own, so the other tests' payments are not in its day.
    const ownCard = await t.tokenize(merchant.publishableKey, "5555555555554444");
    const created = await createPayment({
      captureMethod: "AUTOMATIC",
      amount: "1000",
      paymentMethodId: ownCard,
    });
    const paymentId = created.data?.createPayment.payment?.id as string;
    // Copies of the payment (same card) with amounts the API no longer accepts but the column holds: rows from
    // before the per-currency maximums. Two of them sum past int64, which the old ::bigint cast refused.
    for (const suffix of ["a", "b"]) {
      await t.app.db.$executeRaw`
        INSERT INTO payments
        SELECT (jsonb_populate_record(p, jsonb_build_object(
                  'id', ${`${paymentId}_${suffix}`}::text, 'status', 'DECLINED',
                  'amount_minor', 9000000000000000000::numeric, 'amount_captured_minor', 0,
                  'amount_capturable_minor', 0, 'psp_reference', NULL, 'pending_operation', NULL))).*
          FROM payments p WHERE p.id = ${paymentId}::text`;
    }
    const [payment] = await t.app.db.$queryRaw<Array<{ card_fingerprint: string }>>`
      SELECT card_fingerprint FROM payments WHERE id = ${paymentId}::text`;
    const attemptMinor = 500n;
    const snapshot = await new RiskDataRepository(t.app.sql, t.app.services.pii).velocityFromPayments(
      {
        merchantId: merchant.id,
        mode: "TEST",
        paymentId: "pay_scored",
        requestKey: "request",
        amountMinor: attemptMinor,
        currency: "USD" as CurrencyCode,
        small: false,
        at: new Date(),
        cardFingerprint: payment?.card_fingerprint as string,
        email: null,
        ipAddress: null,
        deviceId: null,
        location: null,
      },
      // A "small amount" threshold beyond int64 is compared as numeric too.
      10n ** 20n,
    );
    expect(snapshot.velocity.card?.amount24hMinor).toBe(18_000_000_000_000_000_000n + 1000n + attemptMinor);
  });
});

describe("error redaction", () => {
  it.each(CARD_WRITTEN)("keeps %s out of a coercion error that echoes the value", async (written) => {
    const result = await t.gql(merchant.publishableKey, TOKENIZE, {
      input: {
        idempotencyKey: newKey(),
        card: { number: "4242424242424242", expMonth: written, expYear: 2035, cvc: "123" },
      },
    });
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(result.raw.replace(/\D/g, "")).not.toContain(CARD_DIGITS);
    expect(await rowsHolding(CARD_DIGITS)).toEqual([]);
  });
});
