// Goal: a page of 50 payments with every nested field (events, attempts, refunds and their payment, ledger entries
// and lines, risk, card, pending work) costs the same number of database queries as a page of 5: nested fields
// load in batches, so the count cannot grow with the page (an N+1 would add dozens of statements here).
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
  risk { score decision signals { name score } }`;
const PAGE = `query($first: Int!) { payments(first: $first) { nodes { ${EVERY_FIELD} } } }`;

let t: TestApp;
let merchant: TestMerchant;
let counter: QueryCounter;

beforeAll(async () => {
  t = await createTestApp();
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

afterAll(async () => {
  counter?.stop();
  await t?.close();
});

async function statementsFor(first: number): Promise<string[]> {
  counter.reset();
  const response = await t.gql<{ payments: { nodes: Array<{ events: unknown[]; refunds: unknown[] }> } }>(
    merchant.secretKey,
    PAGE,
    { first },
  );
  expect(response.errors).toBeUndefined();
  expect(response.data?.payments.nodes).toHaveLength(first);
  expect(response.data?.payments.nodes.every((p) => p.events.length > 0)).toBe(true);
  // The process heartbeat (every 5 s) may write during a request on a loaded machine: not the request's query.
  return counter.statements.filter((statement) => !statement.includes("INSERT INTO process_instances"));
}

it(`reads a page of ${PAGE_SIZE} payments with every nested field in as many queries as a page of 5`, async () => {
  const small = await statementsFor(5);
  const large = await statementsFor(PAGE_SIZE);
  expect(large.length).toBe(small.length);
  // The key, the page, then one batch (or two: ids within their bound, then rows) per nested kind.
  expect(large.length).toBeLessThanOrEqual(18);
});
