// Goal: a page of 50 payments with every nested field (events, attempts, refunds with their payment and conversion,
// disputes with their evidence delivery, ledger entries and lines, risk, card, pending work, the capture's
// conversion, bank-transfer instructions) costs the same small number of database queries as a page of 5: nested
// fields load in batches, so the count cannot grow with the page (an N+1 would add dozens of statements here).
import { afterAll, beforeAll, expect, it } from "vitest";
import { type QueryCounter, startQueryCounter } from "../src/testing/query-counter";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const PAGE_SIZE = 50;
const EVERY_FIELD = `id status amount amountCapturable amountCaptured amountCapturePending amountRefunded
  amountRefundPending amountRefundable availableActions pendingOperation
  paymentMethod { id brand last4 }
  events { id type oldStatus newStatus source }
  attempts { id operation status amount routing }
  refunds { id amount status payment { id status } }
  ledgerEntries { id kind lines { account direction amount } }
  risk { score decision signals { name score } }
  disputes { id status amount evidenceDelivery }
  conversion { kind exchangeRate } exchangeRate settlementAmount
  refunds { id conversion { kind exchangeRate } }
  bankTransferInstructions { reference }
  threeDSecure { status } nextAction { redirectUrl }`;
const PAGE = `query($first: Int!) { payments(first: $first) { nodes { ${EVERY_FIELD} } } }`;

let t: TestApp;
let merchant: TestMerchant;
let counter: QueryCounter;

beforeAll(async () => {
  // A key served from memory for the whole suite (the product's is 2 s): the read by id counts it.
  t = await createTestApp({ apiKeyCacheTtlMs: 60_000 });
  merchant = await t.createMerchant();
  const card = await t.tokenize(merchant.publishableKey);
  for (let i = 0; i < PAGE_SIZE; i++) {
    // A mix: captured, captured and partly refunded, authorized only.
    const captureMethod = i % 3 === 2 ? "MANUAL" : "AUTOMATIC";
    const created = await t.gql<{ createPayment: { payment: { id: string } } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }`,
      {
        input: {
          idempotencyKey: newKey(),
          amount: 2000 + i,
          currency: "USD",
          paymentMethodId: card,
          captureMethod,
        },
      },
    );
    const id = created.data?.createPayment.payment.id;
    if (i % 5 === 0) await dispute(id as string, i);
    if (i % 3 === 1) {
      await t.gql(
        merchant.secretKey,
        `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { errors { code } } }`,
        { input: { idempotencyKey: newKey(), paymentId: id, amount: "300" } },
      );
    }
  }
  counter = startQueryCounter();
}, 120_000);

/** A chargeback on the payment through the dispute command, as a PSP notification would open it. */
async function dispute(paymentId: string, n: number): Promise<void> {
  const read = await t.gql<{ payment: { pspName: string; pspReference: string } }>(
    merchant.secretKey,
    `query($id: ID!) { payment(id: $id) { pspName pspReference } }`,
    { id: paymentId },
  );
  const payment = read.data?.payment;
  if (!payment) throw new Error(read.raw);
  const result = await t.app.services.disputes.applyNotification({
    pspName: payment.pspName,
    disputeReference: `dp_query_count_${n}`,
    paymentPspReference: payment.pspReference,
    paymentReference: paymentId,
    status: "NEEDS_RESPONSE",
    stage: "chargeback",
    pspStage: "CHARGEBACK",
    amountMinor: 500n,
    currency: "USD",
    reason: "fraudulent",
    reasonCode: null,
    evidenceDueBy: null,
  });
  expect(result).toBeTruthy();
}

afterAll(async () => {
  counter?.stop();
  await t?.close();
});

async function statementsFor(first: number): Promise<string[]> {
  counter.reset();
  const response = await t.gql<{
    payments: { nodes: Array<{ events: unknown[]; refunds: unknown[]; disputes: unknown[] }> };
  }>(merchant.secretKey, PAGE, { first });
  expect(response.errors).toBeUndefined();
  expect(response.data?.payments.nodes).toHaveLength(first);
  expect(response.data?.payments.nodes.every((p) => p.events.length > 0)).toBe(true);
  // Both pages hold payments with refunds and with disputes, so those loaders run in both.
  expect(response.data?.payments.nodes.some((p) => p.refunds.length > 0)).toBe(true);
  expect(response.data?.payments.nodes.some((p) => p.disputes.length > 0)).toBe(true);
  return requestStatements();
}

/**
 * The statements of the request: not the process heartbeat (every 5 s, it may write during a request on a loaded
 * machine), nor the API key's lookup, which the key cache makes once every few seconds (its own test:
 * api-key-cache.integration-test.ts), nor the cache's listener.
 */
function requestStatements(): string[] {
  return counter.statements.filter(
    (statement) =>
      !statement.includes("INSERT INTO process_instances") &&
      !statement.includes("FROM api_keys WHERE secret_hash") &&
      !statement.startsWith("LISTEN ") &&
      statement !== "SELECT 1",
  );
}

it(`reads a page of ${PAGE_SIZE} payments with every nested field in as many queries as a page of 5`, async () => {
  const small = await statementsFor(5);
  const large = await statementsFor(PAGE_SIZE);
  expect(large.length).toBe(small.length);
  // The page, then one batch (or two: ids within their bound, then rows) per nested kind: cards, refunds,
  // refunds' payments, conversions of captures and of refunds, events, attempts, ledger entries with their lines
  // and accounts, risk, disputes, disputes' evidence delivery. 17 (and the key's lookup) on 7 December 2026.
  expect(large.length).toBeLessThanOrEqual(17);
});

it("reads a payment by id with its card in one statement after the key's", async () => {
  const page = await t.gql<{ payments: { nodes: Array<{ id: string }> } }>(
    merchant.secretKey,
    `query { payments(first: 1) { nodes { id } } }`,
  );
  const id = page.data?.payments.nodes[0]?.id;
  counter.reset();
  const response = await t.gql<{ payment: { paymentMethod: { last4: string } } }>(
    merchant.secretKey,
    `query($id: ID!) { payment(id: $id) { id status amount paymentMethod { brand last4 } } }`,
    { id },
  );
  expect(response.data?.payment.paymentMethod.last4).toHaveLength(4);
  // The payment joined with its card (the bench's read mix asks exactly this); the key came from memory.
  expect(requestStatements()).toHaveLength(1);
  expect(counter.statements.filter((statement) => statement.includes("FROM api_keys"))).toHaveLength(0);
});
