// Card funding types end to end: tokenizing a sandbox debit, prepaid or credit card stores its funding type
// from the BIN table, GraphQL shows it, and a routing rule on funding types sends the payment to its PSPs.
import { TEST_FIXTURE_ACTOR } from "@paycore/platform/testing/test-runtime";
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 5 });
  t = await createTestApp({ pspSandboxUrl: sandbox.url, pspTimeoutMs: 2_000 });
  merchant = await t.createMerchant();
  const rules = t.app.services.routingRuleCommands;
  await rules.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { fundingTypes: ["debit"] },
    pspNames: ["stripe"],
  });
  await rules.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 2,
    match: { fundingTypes: ["prepaid"] },
    pspNames: ["adyen"],
  });
}, 60_000);

afterEach(async () => {
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

describe("funding types", () => {
  it.each([
    ["4000056655665556", "DEBIT", "stripe"],
    ["5200828282828210", "DEBIT", "stripe"],
    ["5105105105105100", "PREPAID", "adyen"],
  ])("card %s is %s and routed to %s by its rule", async (number, fundingType, psp) => {
    const method = await t.tokenize(merchant.publishableKey, number);
    const result = await t.gql<{
      createPayment: {
        payment: { status: string; pspName: string; paymentMethod: { fundingType: string } } | null;
        errors: unknown[];
      };
    }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) {
         payment { status pspName paymentMethod { fundingType } } errors { code } } }`,
      { input: { idempotencyKey: newKey(), amount: "2500", currency: "EUR", paymentMethodId: method } },
    );
    expect(result.data?.createPayment.errors).toEqual([]);
    expect(result.data?.createPayment.payment).toMatchObject({
      status: "CAPTURED",
      pspName: psp,
      paymentMethod: { fundingType },
    });
  });

  it("a credit card matches neither rule", async () => {
    const method = await t.tokenize(merchant.publishableKey, "4242424242424242");
    const result = await t.gql<{ node: { fundingType: string } }>(
      merchant.secretKey,
      `{ node(id: "${method}") { ... on PaymentMethod { fundingType } } }`,
    );
    expect(result.data?.node.fundingType).toBe("CREDIT");
    const rows = await t.app.db.$queryRawUnsafe<Array<{ funding_type: string }>>(
      `SELECT funding_type FROM payment_methods WHERE id = $1`,
      method,
    );
    expect(rows[0]?.funding_type).toBe("credit");
  });
});
