// Goal: every payment flow of the merchant API (tokenize, authorize, capture,
// cancel, refund, declines, bad input) behaves as documented through the real
// GraphQL endpoint on real Postgres, and the ledger balances after each step.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../testing/test-app";

const PAYMENT_FIELDS = `id status amount amountCapturable amountCaptured amountRefunded amountRefundable currency
  captureMethod pspName pspReference failureCode failureMessage paymentMethod { brand last4 expMonth expYear }
  refunds { id amount status } events { type oldStatus newStatus source }
  ledgerEntries { kind currency lines { account direction amount } }`;
const ERRORS = "errors { code message field retryable }";

const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT_FIELDS} } ${ERRORS} } }`;
const CAPTURE = `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { ${PAYMENT_FIELDS} } ${ERRORS} } }`;
const CANCEL = `mutation($input: CancelPaymentInput!) { cancelPayment(input: $input) { payment { ${PAYMENT_FIELDS} } ${ERRORS} } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id amount status reason } payment { ${PAYMENT_FIELDS} } ${ERRORS} } }`;
const TOKENIZE = `mutation($input: TokenizeCardInput!) { tokenizeCard(input: $input) { paymentMethod { id brand last4 expMonth expYear } ${ERRORS} } }`;

interface UserError {
  code: string;
  message: string;
  field: string[] | null;
  retryable: boolean;
}
interface Line {
  account: string;
  direction: string;
  amount: string;
}
interface PaymentView {
  id: string;
  status: string;
  amount: string;
  amountCapturable: string;
  amountCaptured: string;
  amountRefunded: string;
  amountRefundable: string;
  currency: string;
  pspReference: string | null;
  failureCode: string | null;
  paymentMethod: { brand: string; last4: string };
  refunds: Array<{ id: string; amount: string; status: string }>;
  events: Array<{ type: string; oldStatus: string | null; newStatus: string | null; source: string }>;
  ledgerEntries: Array<{ kind: string; currency: string; lines: Line[] }>;
}
type Payload = { payment: PaymentView | null; errors: UserError[] };

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

async function create(input: Record<string, unknown>, key = merchant.secretKey): Promise<Payload> {
  const result = await t.gql<{ createPayment: Payload }>(key, CREATE, {
    input: { idempotencyKey: newKey(), paymentMethodId: card, currency: "USD", ...input },
  });
  if (!result.data) throw new Error(result.raw);
  return result.data.createPayment;
}

async function mutate(query: string, name: string, input: Record<string, unknown>) {
  const result = await t.gql<
    Record<string, Payload & { refund?: { id: string; amount: string; status: string } | null }>
  >(merchant.secretKey, query, { input: { idempotencyKey: newKey(), ...input } });
  const payload = result.data?.[name];
  if (!payload) throw new Error(result.raw);
  return payload;
}

function linesOf(payment: PaymentView, kind: string): Line[] {
  return payment.ledgerEntries.filter((e) => e.kind === kind).flatMap((e) => e.lines);
}

describe("automatic capture", () => {
  it("authorizes and captures in one step and posts capture, fee and merchant lines", async () => {
    const { payment, errors } = await create({ amount: "10000" });
    expect(errors).toEqual([]);
    expect(payment).toMatchObject({
      status: "CAPTURED",
      amount: "10000",
      amountCaptured: "10000",
      amountCapturable: "0",
      amountRefundable: "10000",
      paymentMethod: { brand: "visa", last4: "4242" },
    });
    expect(payment?.id).toMatch(/^pay_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(payment?.pspReference).toMatch(/^sbx_ch_/);
    // 2.9% of 100.00 + 0.30 = 3.20
    expect(linesOf(payment as PaymentView, "payment.captured")).toEqual([
      { account: "psp_receivable", direction: "DEBIT", amount: "10000" },
      { account: "merchant_pending", direction: "CREDIT", amount: "9680" },
      { account: "fee_revenue", direction: "CREDIT", amount: "320" },
    ]);
    expect(payment?.events.map((e) => [e.type, e.oldStatus, e.newStatus, e.source])).toEqual([
      ["payment.created", null, "PENDING", "API"],
      ["payment.captured", "PENDING", "CAPTURED", "API"],
    ]);
  });

  it.each([
    // The fixed fee is per currency (issue 18): the default 0.30 is 0 yen (0.30 yen rounds to 0) and 300 fils.
    ["JPY", "5000", "145"], // 145 + 0 yen
    ["KWD", "12345", "658"], // 358.005 rounds to 358, + 300 fils
    // The largest amounts each currency takes (see maxAmountMinor); sums past 2^53 and 2^63 are checked in
    // input-safety.integration-test.ts.
    ["USD", "999999999999", "29000000030"], // 28 999 999 999.971 rounds up, + 30 cents
    ["IDR", "999999999999999", "29000000000030"],
  ])("keeps exact integer amounts in %s (%s minor units, fee %s)", async (currency, amount, fee) => {
    const { payment } = await create({ amount, currency });
    expect(payment).toMatchObject({ status: "CAPTURED", amount, amountCaptured: amount, currency });
    expect(
      linesOf(payment as PaymentView, "payment.captured").find((l) => l.account === "fee_revenue")?.amount,
    ).toBe(fee);
  });

  it("never charges a fee above the captured amount", async () => {
    const { payment } = await create({ amount: "20" });
    expect(linesOf(payment as PaymentView, "payment.captured")).toEqual([
      { account: "psp_receivable", direction: "DEBIT", amount: "20" },
      { account: "fee_revenue", direction: "CREDIT", amount: "20" },
    ]);
  });
});

describe("manual capture", () => {
  it("authorizes only, then captures part and releases the rest", async () => {
    const authorized = await create({ amount: "5000", captureMethod: "MANUAL" });
    expect(authorized.payment).toMatchObject({
      status: "AUTHORIZED",
      amountCapturable: "5000",
      amountCaptured: "0",
    });
    expect(authorized.payment?.ledgerEntries).toEqual([]);

    const captured = await mutate(CAPTURE, "capturePayment", {
      paymentId: authorized.payment?.id,
      amount: "3000",
    });
    expect(captured.errors).toEqual([]);
    expect(captured.payment).toMatchObject({
      status: "CAPTURED",
      amountCaptured: "3000",
      amountCapturable: "0",
    });
    expect(linesOf(captured.payment as PaymentView, "payment.captured")[0]).toEqual({
      account: "psp_receivable",
      direction: "DEBIT",
      amount: "3000",
    });

    const again = await mutate(CAPTURE, "capturePayment", { paymentId: authorized.payment?.id });
    expect(again.errors.map((e) => e.code)).toEqual(["PAYMENT_NOT_CAPTURABLE"]);
    expect(
      t.sandbox.charges().find((c) => c.pspReference === captured.payment?.pspReference)?.capturedMinor,
    ).toBe(3000n);
  });

  it("captures the whole authorization when the amount is omitted", async () => {
    const authorized = await create({ amount: "777", captureMethod: "MANUAL" });
    const captured = await mutate(CAPTURE, "capturePayment", { paymentId: authorized.payment?.id });
    expect(captured.payment).toMatchObject({ status: "CAPTURED", amountCaptured: "777" });
  });

  it("refuses a capture above the capturable amount and writes nothing", async () => {
    const authorized = await create({ amount: "1000", captureMethod: "MANUAL" });
    const before = await Promise.all(
      ["psp_attempts", "payment_events", "idempotency_records"].map((n) => t.countRows(n)),
    );
    const tooMuch = await mutate(CAPTURE, "capturePayment", {
      paymentId: authorized.payment?.id,
      amount: "1001",
    });
    expect(tooMuch.payment).toBeNull();
    expect(tooMuch.errors).toEqual([
      expect.objectContaining({ code: "AMOUNT_EXCEEDS_CAPTURABLE", field: ["amount"], retryable: false }),
    ]);
    const after = await Promise.all(
      ["psp_attempts", "payment_events", "idempotency_records"].map((n) => t.countRows(n)),
    );
    expect(after).toEqual(before);
  });

  it("cancels an authorization, after which capture and refund are refused", async () => {
    const authorized = await create({ amount: "2500", captureMethod: "MANUAL" });
    const cancelled = await mutate(CANCEL, "cancelPayment", { paymentId: authorized.payment?.id });
    expect(cancelled.errors).toEqual([]);
    expect(cancelled.payment).toMatchObject({
      status: "CANCELLED",
      amountCapturable: "0",
      amountCaptured: "0",
    });
    expect(cancelled.payment?.ledgerEntries).toEqual([]);
    expect(t.sandbox.charges().find((c) => c.pspReference === authorized.payment?.pspReference)?.voided).toBe(
      true,
    );

    const capture = await mutate(CAPTURE, "capturePayment", { paymentId: authorized.payment?.id });
    expect(capture.errors.map((e) => e.code)).toEqual(["PAYMENT_NOT_CAPTURABLE"]);
    const refund = await mutate(REFUND, "refundPayment", { paymentId: authorized.payment?.id });
    expect(refund.errors.map((e) => e.code)).toEqual(["PAYMENT_NOT_REFUNDABLE"]);
    const cancelAgain = await mutate(CANCEL, "cancelPayment", { paymentId: authorized.payment?.id });
    expect(cancelAgain.errors.map((e) => e.code)).toEqual(["PAYMENT_NOT_CANCELLABLE"]);
  });

  it("refuses to cancel a captured payment", async () => {
    const { payment } = await create({ amount: "100" });
    const cancel = await mutate(CANCEL, "cancelPayment", { paymentId: payment?.id });
    expect(cancel.errors.map((e) => e.code)).toEqual(["PAYMENT_NOT_CANCELLABLE"]);
  });
});

describe("refunds", () => {
  it("refunds in several parts until the captured amount is exhausted; fees are not returned", async () => {
    const { payment } = await create({ amount: "10000" });
    const first = await mutate(REFUND, "refundPayment", {
      paymentId: payment?.id,
      amount: "2500",
      reason: "damaged",
    });
    expect(first.errors).toEqual([]);
    expect(first.refund).toMatchObject({ amount: "2500", status: "SUCCEEDED", reason: "damaged" });
    expect(first.payment).toMatchObject({
      status: "PARTIALLY_REFUNDED",
      amountRefunded: "2500",
      amountRefundable: "7500",
    });

    const tooMuch = await mutate(REFUND, "refundPayment", { paymentId: payment?.id, amount: "7501" });
    expect(tooMuch.errors).toEqual([
      expect.objectContaining({ code: "AMOUNT_EXCEEDS_REFUNDABLE", field: ["amount"] }),
    ]);

    const rest = await mutate(REFUND, "refundPayment", { paymentId: payment?.id });
    expect(rest.refund).toMatchObject({ amount: "7500", status: "SUCCEEDED" });
    expect(rest.payment).toMatchObject({
      status: "REFUNDED",
      amountRefunded: "10000",
      amountRefundable: "0",
    });
    expect(rest.payment?.refunds.map((r) => r.amount)).toEqual(["2500", "7500"]);
    expect(linesOf(rest.payment as PaymentView, "refund.succeeded")).toEqual([
      { account: "merchant_balance", direction: "DEBIT", amount: "2500" },
      { account: "psp_receivable", direction: "CREDIT", amount: "2500" },
      { account: "merchant_balance", direction: "DEBIT", amount: "7500" },
      { account: "psp_receivable", direction: "CREDIT", amount: "7500" },
    ]);
    const none = await mutate(REFUND, "refundPayment", { paymentId: payment?.id, amount: "1" });
    expect(none.errors.map((e) => e.code)).toEqual(["PAYMENT_NOT_REFUNDABLE"]);
    expect(t.sandbox.charges().find((c) => c.pspReference === payment?.pspReference)?.refundedMinor).toBe(
      10000n,
    );
  });

  it("never refunds more than captured under parallel partial refunds", async () => {
    const { payment } = await create({ amount: "1000" });
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        mutate(REFUND, "refundPayment", { paymentId: payment?.id, amount: "100" }),
      ),
    );
    const succeeded = results.filter((r) => r.refund?.status === "SUCCEEDED");
    expect(succeeded).toHaveLength(10);
    for (const failed of results.filter((r) => r.errors.length > 0)) {
      expect(["AMOUNT_EXCEEDS_REFUNDABLE", "PAYMENT_NOT_REFUNDABLE"]).toContain(failed.errors[0]?.code);
    }
    const final = await t.gql<{ payment: PaymentView }>(
      merchant.secretKey,
      `{ payment(id: "${payment?.id}") { ${PAYMENT_FIELDS} } }`,
    );
    expect(final.data?.payment).toMatchObject({ status: "REFUNDED", amountRefunded: "1000" });
  });

  it("shows the merchant balance from the ledger, net of fees and refunds", async () => {
    const other = await t.createMerchant({ feeRateBps: 100, feeFixedMinor: 0n });
    const otherCard = await t.tokenize(other.publishableKey);
    const gqlCreate = (amount: string) =>
      t.gql<{ createPayment: Payload }>(other.secretKey, CREATE, {
        input: { idempotencyKey: newKey(), amount, currency: "EUR", paymentMethodId: otherCard },
      });
    const paid = await gqlCreate("10000"); // fee 100
    await gqlCreate("5000"); // fee 50
    await t.gql(other.secretKey, REFUND, {
      input: { idempotencyKey: newKey(), paymentId: paid.data?.createPayment.payment?.id, amount: "1000" },
    });
    const balance = await t.gql<{ balance: unknown }>(
      other.secretKey,
      "{ balance { currency available pending fees } }",
    );
    // Captures wait in pending for the PSP's settlement delay; the refund takes from available.
    expect(balance.data?.balance).toEqual([
      { currency: "EUR", available: "-1000", pending: "14850", fees: "150" },
    ]);
  });
});

describe("test cards", () => {
  it.each([
    ["4000000000000002", "DECLINED", "card_declined", "PAYMENT_DECLINED"],
    ["4000000000009995", "DECLINED", "insufficient_funds", "PAYMENT_DECLINED"],
    ["4000000000000069", "DECLINED", "expired_card", "PAYMENT_DECLINED"],
    ["4000000000000127", "DECLINED", "incorrect_cvc", "PAYMENT_DECLINED"],
    ["4000000000000119", "FAILED", "processing_error", "PAYMENT_FAILED"],
    ["5555555555554444", "CAPTURED", null, null],
  ])("card %s ends %s (%s)", async (number, status, failureCode, errorCode) => {
    const method = await t.tokenize(merchant.publishableKey, number);
    const { payment, errors } = await create({ amount: "4200", paymentMethodId: method });
    expect(payment).toMatchObject({ status, failureCode });
    expect(errors.map((e) => e.code)).toEqual(errorCode ? [errorCode] : []);
    if (status !== "CAPTURED") expect(payment?.ledgerEntries).toEqual([]);
  });
});

describe("bad input writes nothing", () => {
  const tables = [
    "payments",
    "psp_attempts",
    "payment_events",
    "idempotency_records",
    "journal_entries",
    "outbox_messages",
  ];
  const counts = () => Promise.all(tables.map((name) => t.countRows(name)));

  it.each([
    ["a zero amount", { amount: "0" }, "AMOUNT_INVALID"],
    [
      "a malformed payment method id",
      { amount: "100", paymentMethodId: "pm_nope" },
      "PAYMENT_METHOD_NOT_FOUND",
    ],
    [
      "an unknown payment method",
      { amount: "100", paymentMethodId: "pm_01M7YXE3X6F34FSQJZ2QMG3EGV" },
      "PAYMENT_METHOD_NOT_FOUND",
    ],
    ["a too long description", { amount: "100", description: "x".repeat(1001) }, "DESCRIPTION_TOO_LONG"],
    [
      "too many metadata keys",
      { amount: "100", metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) },
      "METADATA_INVALID",
    ],
    ["an empty idempotency key", { amount: "100", idempotencyKey: "" }, "IDEMPOTENCY_KEY_INVALID"],
    [
      "a 256-character idempotency key",
      { amount: "100", idempotencyKey: "k".repeat(256) },
      "IDEMPOTENCY_KEY_INVALID",
    ],
  ])("createPayment with %s answers %s", async (_name, input, code) => {
    const before = await counts();
    const { payment, errors } = await create(input);
    expect(payment).toBeNull();
    expect(errors.map((e) => e.code)).toEqual([code]);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ["a negative amount", { amount: -5 }, "AMOUNT_INVALID"],
    ["a fractional amount", { amount: 10.5 }, "AMOUNT_INVALID"],
    ["a decimal string", { amount: "10.50" }, "AMOUNT_INVALID"],
    ["a leading zero", { amount: "0100" }, "AMOUNT_INVALID"],
    ["a plus sign", { amount: "+100" }, "AMOUNT_INVALID"],
    ["an unsafe JSON number", { amount: 2 ** 53 + 2 }, "AMOUNT_INVALID"],
    ["an amount above the maximum", { amount: "1000000000000000000" }, "AMOUNT_TOO_LARGE"],
    ["a 25-digit amount", { amount: "1".repeat(25) }, "AMOUNT_TOO_LARGE"],
    ["an unknown currency", { amount: "100", currency: "XYZ" }, "CURRENCY_INVALID"],
    ["a lower-case currency", { amount: "100", currency: "usd" }, "CURRENCY_INVALID"],
    ["metadata with a number value", { amount: "100", metadata: { a: 1 } }, "METADATA_INVALID"],
  ])("createPayment with %s is a GraphQL error %s", async (_name, input, code) => {
    const before = await counts();
    const result = await t.gql(merchant.secretKey, CREATE, {
      input: { idempotencyKey: newKey(), paymentMethodId: card, currency: "USD", ...input },
    });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
    expect(result.raw).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(await counts()).toEqual(before);
  });

  it.each([
    ["a number failing Luhn", { number: "4242424242424241" }, "CARD_NUMBER_INVALID"],
    ["too few digits", { number: "42424242" }, "CARD_NUMBER_INVALID"],
    ["letters", { number: "4242abcd42424242" }, "CARD_NUMBER_INVALID"],
    ["month 13", { expMonth: 13 }, "CARD_EXPIRY_INVALID"],
    ["a two-digit year", { expYear: 30 }, "CARD_EXPIRY_INVALID"],
    ["an expired card", { expMonth: 1, expYear: 2021 }, "CARD_EXPIRED"],
    ["a 2-digit CVC", { cvc: "12" }, "CARD_CVC_INVALID"],
    ["a 3-digit CVC on Amex", { number: "378282246310005", cvc: "123" }, "CARD_CVC_INVALID"],
  ])("tokenizeCard with %s answers %s without echoing the card", async (_name, card, code) => {
    const before = await t.countRows("payment_methods");
    const input = { number: "4242424242424242", expMonth: 12, expYear: 2035, cvc: "123", ...card };
    const result = await t.gql<{ tokenizeCard: { paymentMethod: unknown; errors: UserError[] } }>(
      merchant.publishableKey,
      TOKENIZE,
      { input: { idempotencyKey: newKey(), card: input } },
    );
    expect(result.data?.tokenizeCard.errors.map((e) => e.code)).toEqual([code]);
    expect(result.raw).not.toContain(input.number);
    expect(result.raw).not.toContain(`"${input.cvc}"`);
    expect(await t.countRows("payment_methods")).toBe(before);
  });

  it("masks a card number sent with the wrong type in the error", async () => {
    const result = await t.gql(merchant.publishableKey, TOKENIZE, {
      input: {
        idempotencyKey: newKey(),
        card: { number: 4242424242424242, expMonth: 12, expYear: 2035, cvc: "123" },
      },
    });
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(result.raw).not.toMatch(/4242\s*4242\s*4242\s*4242|4242424242424242/);
  });

  it("answers malformed GraphQL with a GraphQL error, not a 500", async () => {
    const result = await t.app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${merchant.secretKey}` },
      body: JSON.stringify({ query: "{ payments(first: 3" }),
    });
    expect(result.status).toBeLessThan(500);
    const body = await result.json();
    expect(body.errors[0].message).toMatch(/Syntax Error/);
  });
});

describe("card vault", () => {
  it("stores the PAN encrypted with brand, last4, expiry and a keyed fingerprint, and never the CVC", async () => {
    const result = await t.gql<{
      tokenizeCard: { paymentMethod: { id: string; brand: string; last4: string } };
    }>(merchant.publishableKey, TOKENIZE, {
      input: {
        idempotencyKey: newKey(),
        card: { number: "5555-5555-5555-4444", expMonth: 3, expYear: 2031, cvc: "987" },
      },
    });
    const method = result.data?.tokenizeCard.paymentMethod;
    expect(method).toMatchObject({ brand: "mastercard", last4: "4444" });
    const rows = await t.app.db.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT * FROM payment_methods WHERE id = $1`,
      method?.id,
    );
    const row = rows[0] as Record<string, unknown>;
    const stored = JSON.stringify(row, (_k, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : typeof v === "bigint" ? v.toString() : v,
    );
    expect(stored).not.toContain("5555555555554444");
    // The CVC has no column, and no column holds it (a substring search would trip over random hex).
    expect(Object.keys(row).some((column) => /cvc|cvv|security/i.test(column))).toBe(false);
    expect(Object.values(row).some((value) => String(value) === "987")).toBe(false);
    expect(row.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(row.key_version).toBe(1);
    const again = await t.tokenize(merchant.publishableKey, "5555555555554444");
    const twin = await t.app.db.$queryRawUnsafe<Array<{ fingerprint: string }>>(
      `SELECT fingerprint FROM payment_methods WHERE id = $1`,
      again,
    );
    expect(twin[0]?.fingerprint).toBe(row.fingerprint);
  });
});

describe("payments list", () => {
  const LIST = `query($first: Int, $after: String, $filter: PaymentFilter) {
    payments(first: $first, after: $after, filter: $filter) {
      nodes { id status createdAt }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }`;
  interface Page {
    payments: {
      nodes: Array<{ id: string; status: string; createdAt: string }>;
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
    };
  }

  it("pages newest first with cursors, and filters by status and creation time", async () => {
    const owner = await t.createMerchant();
    const method = await t.tokenize(owner.publishableKey);
    const declining = await t.tokenize(owner.publishableKey, "4000000000000002");
    const ids: string[] = [];
    for (const [amount, paymentMethodId] of [
      ["100", method],
      ["200", declining],
      ["300", method],
      ["400", method],
      ["500", declining],
    ]) {
      const result = await create({ amount, paymentMethodId }, owner.secretKey);
      ids.push(result.payment?.id as string);
    }
    const newestFirst = [...ids].reverse();

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const result: Awaited<ReturnType<typeof t.gql<Page>>> = await t.gql<Page>(owner.secretKey, LIST, {
        first: 2,
        after,
      });
      const connection = result.data?.payments;
      seen.push(...(connection?.nodes.map((n) => n.id) ?? []));
      expect(connection?.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!connection?.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(newestFirst);

    const declined = await t.gql<Page>(owner.secretKey, LIST, { filter: { status: ["DECLINED"] } });
    expect(declined.data?.payments.nodes.map((n) => n.id)).toEqual([ids[4], ids[1]]);

    const all = await t.gql<Page>(owner.secretKey, LIST, { first: 100 });
    const third = all.data?.payments.nodes.find((n) => n.id === ids[2]);
    const fromThird = await t.gql<Page>(owner.secretKey, LIST, { filter: { createdFrom: third?.createdAt } });
    expect(fromThird.data?.payments.nodes.map((n) => n.id)).toEqual(newestFirst.slice(0, 3));
    const beforeThird = await t.gql<Page>(owner.secretKey, LIST, {
      filter: { createdBefore: third?.createdAt },
    });
    expect(beforeThird.data?.payments.nodes.map((n) => n.id)).toEqual(newestFirst.slice(3));

    const tooMany = await t.gql<Page>(owner.secretKey, LIST, { first: 101 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("INVALID_INPUT");
    const badCursor = await t.gql<Page>(owner.secretKey, LIST, { after: "bm9wZQ" });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe("INVALID_INPUT");
  });

  it("keeps a cursor stable while new payments arrive: no payment twice, none skipped", async () => {
    // A client syncing page by page while the merchant keeps selling (Apollo's and urql's relay pagination).
    const owner = await t.createMerchant();
    const method = await t.tokenize(owner.publishableKey);
    const first: string[] = [];
    for (let i = 0; i < 5; i++)
      first.push(
        (await create({ amount: "100", paymentMethodId: method }, owner.secretKey)).payment?.id as string,
      );
    const page1 = await t.gql<Page>(owner.secretKey, LIST, { first: 2 });
    const seen = page1.data?.payments.nodes.map((n) => n.id) ?? [];
    let after = page1.data?.payments.pageInfo.endCursor ?? null;
    for (let i = 0; i < 3; i++) await create({ amount: "200", paymentMethodId: method }, owner.secretKey);
    for (let page = 0; page < 5 && after !== null; page++) {
      const next: Awaited<ReturnType<typeof t.gql<Page>>> = await t.gql<Page>(owner.secretKey, LIST, {
        first: 2,
        after,
      });
      seen.push(...(next.data?.payments.nodes.map((n) => n.id) ?? []));
      after = next.data?.payments.pageInfo.hasNextPage ? next.data.payments.pageInfo.endCursor : null;
    }
    // The pages after the first hold exactly the older payments, in order; the new ones are before the first page.
    expect(seen).toEqual([...first].reverse());
  });
});
