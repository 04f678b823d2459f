// Goal: the paymentUpdated subscription over server-sent events with a real HTTP client: the current state first,
// then each committed change (a capture made through the API), nothing for another merchant's payment, a bound on
// open subscriptions per key, and the watch released when the client disconnects. No Redis.
import { afterAll, beforeAll, expect, it } from "vitest";
import { SUBSCRIPTIONS_PER_KEY_MAX } from "../src/schema/payment-subscription";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

let t: TestApp;
let owner: TestMerchant;
let stranger: TestMerchant;

beforeAll(async () => {
  t = await createTestApp({ listen: true, redisUrl: null });
  owner = await t.createMerchant();
  stranger = await t.createMerchant();
});
afterAll(async () => {
  await t?.close();
});

const SUBSCRIBE = `subscription($id: ID!) { paymentUpdated(id: $id) { id status amountCaptured availableActions } }`;

interface SseEvent {
  event: string;
  data: {
    data?: { paymentUpdated: { id: string; status: string; amountCaptured: string } };
    errors?: unknown[];
  };
}

/** Opens the subscription over HTTP and yields its SSE events as they arrive. */
async function subscribe(key: string, id: string, signal: AbortSignal) {
  const response = await fetch(`${t.url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      authorization: `Bearer ${key}`,
    },
    body: JSON.stringify({ query: SUBSCRIBE, variables: { id } }),
    signal,
  });
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return async function next(): Promise<SseEvent | null> {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split("\n");
        const event = lines
          .find((l) => l.startsWith("event:"))
          ?.slice(6)
          .trim();
        const data = lines
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trim())
          .join("\n");
        // Keep-alive pings are comments (":"), not events.
        if (event) return { event, data: data ? JSON.parse(data) : {} };
        continue;
      }
      const chunk = await reader.read();
      if (chunk.done) return null;
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  };
}

async function authorize(): Promise<string> {
  const card = await t.tokenize(owner.publishableKey);
  const created = await t.gql<{ createPayment: { payment: { id: string } } }>(
    owner.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }`,
    {
      input: {
        idempotencyKey: newKey(),
        amount: "4200",
        currency: "USD",
        paymentMethodId: card,
        captureMethod: "MANUAL",
      },
    },
  );
  return created.data?.createPayment.payment.id as string;
}

it("sends the payment now, then after its capture commits; the watch ends with the connection", async () => {
  const id = await authorize();
  const controller = new AbortController();
  const next = await subscribe(owner.secretKey, id, controller.signal);
  const first = await next();
  expect(first?.event).toBe("next");
  expect(first?.data.data?.paymentUpdated).toMatchObject({ id, status: "AUTHORIZED", amountCaptured: "0" });
  expect(t.app.services.paymentWatch.size).toBe(1);

  const capture = await t.gql(
    owner.secretKey,
    `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { errors { code } } }`,
    { input: { idempotencyKey: newKey(), paymentId: id } },
  );
  expect(capture.errors).toBeUndefined();
  const second = await next();
  expect(second?.data.data?.paymentUpdated).toMatchObject({
    id,
    status: "CAPTURED",
    amountCaptured: "4200",
    availableActions: ["REFUND"],
  });

  controller.abort();
  for (let poll = 0; poll < 50 && t.app.services.paymentWatch.size > 0; poll++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(t.app.services.paymentWatch.size).toBe(0);
});

it("answers NOT_FOUND for another merchant's payment, and refuses a publishable key", async () => {
  const id = await authorize();
  for (const key of [stranger.secretKey, owner.publishableKey]) {
    const controller = new AbortController();
    const next = await subscribe(key, id, controller.signal);
    const event = await next();
    controller.abort();
    expect(JSON.stringify(event?.data.errors), key.slice(0, 3)).toMatch(/NOT_FOUND|FORBIDDEN/);
    expect(event?.data.data?.paymentUpdated).toBeUndefined();
  }
  expect(t.app.services.paymentWatch.size).toBe(0);
});

it(`holds at most ${SUBSCRIPTIONS_PER_KEY_MAX} subscriptions open per key`, async () => {
  const id = await authorize();
  const controller = new AbortController();
  for (let i = 0; i < SUBSCRIPTIONS_PER_KEY_MAX; i++) {
    const next = await subscribe(owner.secretKey, id, controller.signal);
    expect((await next())?.event).toBe("next");
  }
  const refused = await subscribe(owner.secretKey, id, new AbortController().signal);
  expect(JSON.stringify((await refused())?.data.errors)).toContain("SUBSCRIPTION_LIMITED");
  controller.abort();
});
