// Goal: urql's subscriptionExchange over graphql-sse ("distinct connections") follows an Adyen-style
// (asynchronous) capture: the capture answers pending, and paymentUpdated delivers CAPTURED once the PSP's signed
// notification is applied through the webhook route. Real Postgres, the sandbox PSP server, bounded polling.
import { randomBytes } from "node:crypto";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { Client, fetchExchange, subscriptionExchange } from "@urql/core";
import { createClient as createSseClient } from "graphql-sse";
import { afterAll, beforeAll, expect, it } from "vitest";
import { postSignedAdyenNotification } from "../../src/testing/adyen-notification";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../../src/testing/test-app";

const ADYEN_KEY = randomBytes(32).toString("hex").toUpperCase();
let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 37 });
  t = await createTestApp({
    listen: true,
    redisUrl: null,
    pspSandboxUrl: sandbox.url,
    adyenHmacKeyHex: ADYEN_KEY,
  });
  merchant = await t.createMerchant();
  await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["EUR"] },
    pspNames: ["adyen"],
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

const FIELDS = "id status pendingOperation amountCaptured amountCapturePending";

it("paymentUpdated delivers an asynchronous capture as it settles, then unsubscribes", async () => {
  const sse = createSseClient({
    url: `${t.url}/graphql`,
    headers: { authorization: `Bearer ${merchant.secretKey}` },
  });
  const client = new Client({
    url: `${t.url}/graphql`,
    fetchOptions: { headers: { authorization: `Bearer ${merchant.secretKey}` } },
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (operation) => ({
          subscribe: (sink) => ({
            unsubscribe: sse.subscribe({ ...operation, query: operation.query ?? "" }, sink),
          }),
        }),
      }),
    ],
  });
  const paymentMethodId = await t.tokenize(merchant.publishableKey);
  const created = await client
    .mutation(
      `mutation AsyncCreate($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${FIELDS} } errors { code } } }`,
      {
        input: {
          idempotencyKey: newKey(),
          amount: "4200",
          currency: "EUR",
          paymentMethodId,
          captureMethod: "MANUAL",
        },
      },
    )
    .toPromise();
  const id: string = created.data?.createPayment.payment.id;
  expect(created.data?.createPayment.payment.status, JSON.stringify(created)).toBe("AUTHORIZED");

  const seen: Array<{ status: string; amountCaptured: string; amountCapturePending: string }> = [];
  const subscription = client
    .subscription(`subscription AsyncUpdated($id: ID!) { paymentUpdated(id: $id) { ${FIELDS} } }`, { id })
    .subscribe((result) => {
      if (result.data) seen.push(result.data.paymentUpdated);
    });
  const until = async (what: string, predicate: () => boolean) => {
    for (let poll = 0; poll < 100 && !predicate(); poll++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(predicate(), what).toBe(true);
  };
  await until("first event", () => seen.length >= 1);

  const captured = await client
    .mutation(
      `mutation AsyncCapture($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { ${FIELDS} } errors { code } } }`,
      { input: { idempotencyKey: newKey(), paymentId: id } },
    )
    .toPromise();
  expect(captured.data?.capturePayment.payment).toMatchObject({
    status: "AUTHORIZED",
    amountCapturePending: "4200",
  });
  await until("pending capture delivered", () => seen.some((p) => p.amountCapturePending === "4200"));

  const attempt = await t.app.db.pspAttempt.findFirstOrThrow({
    where: { paymentId: id, operation: "CAPTURE" },
    select: { id: true, pspReference: true },
  });
  const row = await t.app.db.payment.findUniqueOrThrow({ where: { id }, select: { pspReference: true } });
  const response = await postSignedAdyenNotification(t, ADYEN_KEY, {
    merchantAccountCode: "PaycoreTest",
    eventCode: "CAPTURE",
    pspReference: attempt.pspReference ?? `CAP${randomBytes(6).toString("hex").toUpperCase()}`,
    originalReference: row.pspReference as string,
    merchantReference: attempt.id,
    success: "true",
    amount: { currency: "EUR", value: 4200 },
    eventDate: new Date().toISOString(),
  });
  expect(response.status).toBe(200);
  await until("settled capture delivered", () => seen.some((p) => p.status === "CAPTURED"));
  expect(seen.at(-1)).toMatchObject({
    status: "CAPTURED",
    amountCaptured: "4200",
    amountCapturePending: "0",
  });

  subscription.unsubscribe();
  await until("subscription freed", () => t.app.services.paymentWatch.size === 0);
  sse.dispose();
});
