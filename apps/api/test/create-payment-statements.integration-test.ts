// Goal: a createPayment costs a known, small number of database statements (issue 23: every round trip costs the
// API a socket write and a read, and Postgres a statement), and its card's fraud context (deny/allow list hits,
// first use at the merchant) is read in the card's own statement rather than in one of its own.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type QueryCounter, startQueryCounter } from "../src/testing/query-counter";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }`;

let t: TestApp;
let merchant: TestMerchant;
let counter: QueryCounter;

beforeAll(async () => {
  t = await createTestApp();
  merchant = await t.createMerchant();
  counter = startQueryCounter();
}, 120_000);

afterAll(async () => {
  counter?.stop();
  await t?.close();
});

/** The statements of one automatic-capture payment on a card of its own (no velocity rule trips). */
async function statementsOfOnePayment(amount: number): Promise<string[]> {
  const card = await t.tokenize(merchant.publishableKey);
  counter.reset();
  const response = await t.gql<{ createPayment: { payment: { status: string } } }>(
    merchant.secretKey,
    CREATE,
    {
      input: {
        idempotencyKey: newKey(),
        amount,
        currency: "USD",
        paymentMethodId: card,
        captureMethod: "AUTOMATIC",
        customer: { email: "shopper@example.com", ipAddress: "203.0.113.9" },
      },
    },
  );
  expect(response.errors).toBeUndefined();
  expect(response.data?.createPayment.payment.status).toBe("CAPTURED");
  // The process heartbeat (every 5 s) may write during a request on a loaded machine: not the request's query.
  return counter.statements.filter((statement) => !statement.includes("INSERT INTO process_instances"));
}

it("creates a payment in five statements (six when its API key is not in memory), the card read with its list hits and first use", async () => {
  // The first payments of a merchant fill its caches (settings, routing, ledger accounts): not counted.
  await statementsOfOnePayment(2_000);
  await statementsOfOnePayment(2_100);
  const all = await statementsOfOnePayment(2_200);
  // The API key is read only when this process does not hold it (the key cache keeps it 2 s, and a slow machine
  // may take longer between two payments), and its signing policy only when that cache refreshes (every 15–27 s):
  // at most one statement each, not counted.
  const keyReads = all.filter((statement) => statement.includes("FROM api_keys"));
  expect(keyReads.length).toBeLessThanOrEqual(2);
  const statements = all.filter((statement) => !statement.includes("FROM api_keys"));
  // The idempotency record (this app runs without Redis, so the key is claimed before the work); the card with
  // its fraud context; the velocity counts (Postgres's fallback without Redis); the intent; the outcome. 5 on
  // 7 December 2026 (7 before the card's context joined its statement, 6 before the key cache).
  expect(statements).toHaveLength(5);
  const listReads = statements.filter((statement) => statement.includes("risk_list_entries"));
  expect(listReads).toHaveLength(1);
  expect(listReads[0]).toContain("payment_methods");
});
