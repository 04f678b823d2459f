// Goal: the mistakes an outside user makes first each come back as a clear GraphQL error with a code that
// docs/api.md's errors table lists: a wrong or malformed key, the publishable key where a secret one is needed, a
// malformed amount, an unknown currency, a misspelt field in the document and a misspelt input field in the
// variables (which once came back with no code at all). Nothing ran for any of them.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const API_DOCS = readFileSync(new URL("../../../docs/api.md", import.meta.url), "utf8");
const CREATE_PAYMENT =
  "mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } errors { code message } } }";

let t: TestApp;
let merchant: TestMerchant;
let paymentMethodId: string;

beforeAll(async () => {
  t = await createTestApp({ redisUrl: null });
  merchant = await t.createMerchant();
  paymentMethodId = await t.tokenize(merchant.publishableKey);
});
afterAll(async () => {
  await t?.close();
});

const payment = (input: Record<string, unknown>) => ({
  input: { idempotencyKey: newKey(), amount: "2500", currency: "USD", paymentMethodId, ...input },
});

it.each([
  {
    mistake: "an unknown secret key of the right form",
    key: () => `sk_test_${"x".repeat(32)}`,
    query: "{ balance { currency } }",
    variables: undefined,
    status: 401,
    code: "UNAUTHENTICATED",
    says: /API key is not valid/,
  },
  {
    mistake: "a malformed key",
    key: () => "sk_test_wrong",
    query: "{ balance { currency } }",
    variables: undefined,
    status: 401,
    code: "UNAUTHENTICATED",
    says: /API key is malformed/,
  },
  {
    mistake: "the publishable key for a secret-key query",
    key: () => merchant.publishableKey,
    query: "{ balance { currency } }",
    variables: undefined,
    status: 403,
    code: "FORBIDDEN",
    says: /needs a secret key/,
  },
  {
    mistake: "an amount in major units",
    key: () => merchant.secretKey,
    query: CREATE_PAYMENT,
    variables: () => payment({ amount: "25.00" }),
    status: 400,
    code: "AMOUNT_INVALID",
    says: /input\.amount.*MinorUnits must be/,
  },
  {
    mistake: "an unknown currency",
    key: () => merchant.secretKey,
    query: CREATE_PAYMENT,
    variables: () => payment({ currency: "XYZ" }),
    status: 400,
    code: "CURRENCY_INVALID",
    says: /input\.currency.*ISO 4217/,
  },
  {
    mistake: "a misspelt field in the document",
    key: () => merchant.secretKey,
    query: "{ balance { curency } }",
    variables: undefined,
    status: 200,
    code: "GRAPHQL_VALIDATION_FAILED",
    says: /Cannot query field "curency" on type "Balance"/,
  },
  {
    mistake: "a misspelt input field in the variables",
    key: () => merchant.secretKey,
    query: CREATE_PAYMENT,
    variables: () => {
      const { input } = payment({});
      const { amount, ...rest } = input;
      return { input: { ...rest, ammount: amount } };
    },
    status: 400,
    code: "INVALID_INPUT",
    says: /Field "ammount" is not defined by type "CreatePaymentInput"/,
  },
])(
  "$mistake: $code, documented, saying what is wrong",
  async ({ key, query, variables, status, code, says }) => {
    const answer = await t.gql(key(), query, variables?.());
    expect(answer.status).toBe(status);
    expect(answer.data?.createPayment ?? null).toBeNull();
    expect(answer.errors?.length).toBeGreaterThan(0);
    // Every error carries a code (the misspelt input field makes two: the unknown field and the missing one).
    for (const error of answer.errors ?? []) {
      expect(error.extensions?.code, error.message).toBe(code);
      expect(API_DOCS).toContain(`\`${code}\``);
    }
    expect(answer.errors?.map((error) => error.message).join(" | ")).toMatch(says);
  },
);

it("wrote no payment for any of those mistakes", async () => {
  const answer = await t.gql<{ payments: { nodes: unknown[] } }>(
    merchant.secretKey,
    "{ payments(first: 5) { nodes { id } } }",
  );
  expect(answer.data?.payments.nodes).toEqual([]);
});
