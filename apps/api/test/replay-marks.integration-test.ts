// Goal: a replayed mutation is marked per field, not per document: in a document mixing a replayed mutation and a
// fresh one, `extensions.idempotency.fields` names only the replayed one (by its alias); and a browser can read the
// Idempotent-Replayed header, which CORS exposes for an allowed origin.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const SHOP = "https://shop.example";
let t: TestApp;
let merchant: TestMerchant;
let card: string;

beforeAll(async () => {
  t = await createTestApp();
  merchant = await t.createMerchant({ accessPolicy: { allowedOrigins: [SHOP] } });
  card = await t.tokenize(merchant.publishableKey);
});
afterAll(async () => {
  await t?.close();
});

const TWO = `mutation($a: CreatePaymentInput!, $b: CreatePaymentInput!) {
  first: createPayment(input: $a) { payment { id } errors { code } }
  second: createPayment(input: $b) { payment { id } errors { code } } }`;

it("names only the replayed mutation fields of a document", async () => {
  const input = (idempotencyKey: string) => ({
    idempotencyKey,
    amount: "1200",
    currency: "USD",
    paymentMethodId: card,
  });
  const usedKey = newKey();
  const fresh = await t.gql<{ first: { payment: { id: string } } }>(merchant.secretKey, TWO, {
    a: input(usedKey),
    b: input(newKey()),
  });
  expect(fresh.extensions?.idempotency).toBeUndefined();
  expect(fresh.headers.get("idempotent-replayed")).toBeNull();

  const mixed = await t.gql<{ first: { payment: { id: string } }; second: { payment: { id: string } } }>(
    merchant.secretKey,
    TWO,
    { a: input(newKey()), b: input(usedKey) },
  );
  expect(mixed.data?.second.payment.id).toBe(fresh.data?.first.payment.id);
  expect(mixed.data?.first.payment.id).not.toBe(fresh.data?.first.payment.id);
  expect(mixed.extensions?.idempotency).toEqual({ replayed: true, fields: ["second"] });
  expect(mixed.headers.get("idempotent-replayed")).toBe("true");
});

it("exposes the replay header to a browser on an allowed origin", async () => {
  const tokenize = () =>
    t.app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${merchant.publishableKey}`,
        origin: SHOP,
      },
      body: JSON.stringify({
        query: `mutation($input: TokenizeCardInput!) { tokenizeCard(input: $input) { paymentMethod { id } } }`,
        variables: {
          input: {
            idempotencyKey: "browser-retry-1",
            card: { number: "4242424242424242", expMonth: 12, expYear: 2035, cvc: "123" },
          },
        },
      }),
    });
  await (await tokenize()).text();
  const retried = await tokenize();
  expect(JSON.parse(await retried.text()).extensions?.idempotency).toEqual({
    replayed: true,
    fields: ["tokenizeCard"],
  });
  expect(retried.headers.get("idempotent-replayed")).toBe("true");
  expect(retried.headers.get("access-control-allow-origin")).toBe(SHOP);
  expect(retried.headers.get("access-control-expose-headers")?.toLowerCase().split(/,\s*/)).toContain(
    "idempotent-replayed",
  );
});
