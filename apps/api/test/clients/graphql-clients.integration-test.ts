// Goal: the merchant API driven by the GraphQL clients merchants use, against a real API on loopback and real
// Postgres: GraphQL Code Generator (client preset) validates the tour's documents against the printed schema,
// Apollo Client runs the tour through its normalised cache, and urql runs it with paymentUpdated over graphql-sse
// in "distinct connections" mode, unsubscribing cleanly.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApolloClient, CombinedGraphQLErrors, gql, HttpLink, InMemoryCache } from "@apollo/client/core";
import { generate } from "@graphql-codegen/cli";
import { Client, fetchExchange, subscriptionExchange } from "@urql/core";
import { buildSchema, parse, validate } from "graphql";
import { createClient as createSseClient } from "graphql-sse";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const SHOP = "https://shop.example";
let t: TestApp;

/** The header names each client sent, so the CORS test can preflight exactly what a browser would. */
const sentHeaders = new Map<string, Set<string>>();
function recordingFetch(client: string): typeof fetch {
  return (input, init) => {
    const names = sentHeaders.get(client) ?? new Set<string>();
    new Headers(init?.headers).forEach((_, name) => {
      names.add(name);
    });
    sentHeaders.set(client, names);
    return fetch(input, init);
  };
}
let merchant: TestMerchant;

beforeAll(async () => {
  t = await createTestApp({ listen: true, redisUrl: null });
  merchant = await t.createMerchant({ accessPolicy: { allowedOrigins: [SHOP] } });
});
afterAll(async () => {
  await t?.close();
});

const PAYMENT_FIELDS = `fragment PaymentFields on Payment { id status amount currency amountCaptured amountRefunded createdAt availableActions }`;
const DOCUMENTS = {
  TokenizeCard: `mutation TourTokenizeCard($input: TokenizeCardInput!) { tokenizeCard(input: $input) { paymentMethod { id } errors { code field message } } }`,
  CreatePayment: `mutation TourCreatePayment($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ...PaymentFields } errors { code field message } } }`,
  CapturePayment: `mutation TourCapturePayment($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { ...PaymentFields } errors { code message } } }`,
  RefundPayment: `mutation TourRefundPayment($input: RefundPaymentInput!) { refundPayment(input: $input) { payment { ...PaymentFields } errors { code message } } }`,
  CancelPayment: `mutation TourCancelPayment($input: CancelPaymentInput!) { cancelPayment(input: $input) { payment { ...PaymentFields } errors { code message } } }`,
  Payment: `query TourPayment($id: ID!) { payment(id: $id) { ...PaymentFields } }`,
  Payments: `query TourPayments($first: Int, $after: String) { payments(first: $first, after: $after) { nodes { ...PaymentFields } pageInfo { hasNextPage endCursor } } }`,
  Balance: `query TourBalance { balance { currency available pending } }`,
  PaymentUpdated: `subscription TourPaymentUpdated($id: ID!) { paymentUpdated(id: $id) { ...PaymentFields } }`,
};

const card = () => ({ number: "4242424242424242", expMonth: 12, expYear: 2035, cvc: "123" });

it("GraphQL Code Generator's client preset generates the tour's types from the printed schema", async () => {
  const dir = await mkdtemp(join(tmpdir(), "paycore-codegen-"));
  try {
    const warnings: string[] = [];
    // The exact config examples/codegen ships, with the tour's documents added to its own.
    const example = join(__dirname, "../../../../examples/codegen");
    const config = JSON.parse(await readFile(join(example, "codegen.json"), "utf8"));
    const [target, output] = Object.entries(config.generates)[0] as [string, Record<string, unknown>];
    expect(target).toBe("src/gql/");
    const files = await generate(
      {
        schema: join(example, config.schema),
        documents: [
          ...config.documents.map((file: string) => join(example, file)),
          PAYMENT_FIELDS,
          ...Object.values(DOCUMENTS),
        ],
        silent: true,
        errorsOnly: true,
        generates: { [`${dir}/gql/`]: output },
      },
      true,
    ).catch((error: unknown) => {
      warnings.push(String(error));
      return [];
    });
    expect(warnings).toEqual([]);
    expect(files.length).toBeGreaterThan(0);
    const types = await readFile(join(dir, "gql/graphql.ts"), "utf8");
    // With the scalars mapped, money and timestamps are strings in the operation types (unmapped they are `any`).
    expect(types).toMatch(/PaymentFieldsFragment = \{[^}]*amount: string[^}]*createdAt: string/);
    expect(types).toMatch(
      /TourBalanceQuery = \{ balance: Array<\{ currency: string, available: string, pending: string \}> \}/,
    );
    expect(types).toContain("TourPaymentUpdatedSubscription");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it("every GraphQL example in the docs, the curl sessions' included, validates against the printed schema", async () => {
  const schema = buildSchema(await readFile(join(__dirname, "../../schema.graphql"), "utf8"));
  const docs = join(__dirname, "../../../../docs");
  let examples = 0;
  for (const file of (await readdir(docs)).filter((name) => name.endsWith(".md"))) {
    const text = await readFile(join(docs, file), "utf8");
    const graphqlBlocks = [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map(([, body]) => body as string);
    // The documents the curl examples send, JSON-encoded in their `"query": "…"` bodies.
    const curlQueries = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(([, block]) =>
      [...(block as string).matchAll(/"query":\s*("(?:[^"\\]|\\.)*")/g)].map(([, quoted]) =>
        JSON.parse(quoted as string),
      ),
    ) as string[];
    for (const body of [...graphqlBlocks, ...curlQueries]) {
      examples++;
      const errors = validate(schema, parse(body)).map((error) => error.message);
      expect(errors, `${file}: ${body.slice(0, 80)}`).toEqual([]);
    }
  }
  // Two graphql blocks and the six documents of api.md's curl session, at least.
  expect(examples).toBeGreaterThanOrEqual(8);
});

it("Apollo Client: tokenize, create (replayed), capture, partial refund, read back, typed error, second page", async () => {
  const apollo = (key: string) =>
    new ApolloClient({
      link: new HttpLink({
        uri: `${t.url}/graphql`,
        headers: { authorization: `Bearer ${key}` },
        fetch: recordingFetch("apollo"),
      }),
      // payment(id) reads Payment:<id> from the cache (ids are global), so a payment a mutation returned is
      // served without a request.
      cache: new InMemoryCache({
        typePolicies: {
          Query: {
            fields: {
              payment: {
                read: (_, { args, toReference }) => toReference({ __typename: "Payment", id: args?.id }),
              },
            },
          },
        },
      }),
    });
  const browser = apollo(merchant.publishableKey);
  const server = apollo(merchant.secretKey);
  const doc = (name: keyof typeof DOCUMENTS) =>
    gql(`${DOCUMENTS[name]}\n${name === "TokenizeCard" || name === "Balance" ? "" : PAYMENT_FIELDS}`);

  const tokenized = await browser.mutate<{ tokenizeCard: { paymentMethod: { id: string } } }>({
    mutation: doc("TokenizeCard"),
    variables: { input: { idempotencyKey: newKey(), card: card() } },
  });
  const paymentMethodId = tokenized.data?.tokenizeCard.paymentMethod.id as string;
  expect(paymentMethodId).toBeTruthy();

  type PaymentData = {
    id: string;
    status: string;
    amountCaptured: string;
    amountRefunded: string;
    createdAt: string;
  };
  const input = {
    idempotencyKey: newKey(),
    amount: "4200",
    currency: "USD",
    paymentMethodId,
    captureMethod: "MANUAL",
  };
  const created = await server.mutate<{ createPayment: { payment: PaymentData } }>({
    mutation: doc("CreatePayment"),
    variables: { input },
  });
  const payment = created.data?.createPayment.payment as PaymentData;
  expect(payment).toMatchObject({ status: "AUTHORIZED", amountCaptured: "0" });
  expect(new Date(payment.createdAt).toISOString()).toBe(payment.createdAt);
  const replay = await server.mutate<{ createPayment: { payment: PaymentData } }>({
    mutation: doc("CreatePayment"),
    variables: { input },
  });
  expect(replay.data?.createPayment.payment).toEqual(payment);

  const captured = await server.mutate<{ capturePayment: { payment: PaymentData; errors: unknown[] } }>({
    mutation: doc("CapturePayment"),
    variables: { input: { idempotencyKey: newKey(), paymentId: payment.id } },
  });
  expect(captured.data?.capturePayment.errors).toEqual([]);
  const refunded = await server.mutate<{ refundPayment: { payment: PaymentData; errors: unknown[] } }>({
    mutation: doc("RefundPayment"),
    variables: { input: { idempotencyKey: newKey(), paymentId: payment.id, amount: "1000" } },
  });
  expect(refunded.data?.refundPayment.errors).toEqual([]);

  // The mutation's answer was normalised under Payment:<id>; a cache read sees the refund without a request.
  const cached = await server.query<{ payment: PaymentData }>({
    query: doc("Payment"),
    variables: { id: payment.id },
    fetchPolicy: "cache-only",
  });
  expect(cached.data?.payment).toMatchObject({
    id: payment.id,
    amountCaptured: "4200",
    amountRefunded: "1000",
  });
  const fresh = await server.query<{ payment: PaymentData }>({
    query: doc("Payment"),
    variables: { id: payment.id },
    fetchPolicy: "network-only",
  });
  expect(fresh.data?.payment).toEqual(cached.data?.payment);

  // A second payment so the merchant has two pages of one.
  await server.mutate({
    mutation: doc("CreatePayment"),
    variables: { input: { ...input, idempotencyKey: newKey() } },
  });
  type Page = { payments: { nodes: PaymentData[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
  const first = await server.query<Page>({
    query: doc("Payments"),
    variables: { first: 1 },
    fetchPolicy: "network-only",
  });
  expect(first.data?.payments.pageInfo.hasNextPage).toBe(true);
  const second = await server.query<Page>({
    query: doc("Payments"),
    variables: { first: 1, after: first.data?.payments.pageInfo.endCursor },
    fetchPolicy: "network-only",
  });
  expect(second.data?.payments.nodes[0]?.id).toBe(payment.id);
  expect(second.data?.payments.nodes[0]?.id).not.toBe(first.data?.payments.nodes[0]?.id);

  // Balance has no id: Apollo keeps it under the root field, not merged into another object.
  const balance = await server.query<{ balance: Array<{ currency: string; available: string }> }>({
    query: doc("Balance"),
    fetchPolicy: "network-only",
  });
  expect(Array.isArray(balance.data?.balance)).toBe(true);

  // An invalid currency is a GraphQL error whose extensions carry a code.
  const invalid = await server
    .mutate({
      mutation: doc("CreatePayment"),
      variables: { input: { ...input, idempotencyKey: newKey(), currency: "XX" } },
    })
    .then(
      () => null,
      (error: unknown) => error,
    );
  expect(CombinedGraphQLErrors.is(invalid)).toBe(true);
  const codes = (invalid as CombinedGraphQLErrors).errors.map((e) => e.extensions?.code);
  expect(codes).toEqual(["CURRENCY_INVALID"]);
});

it("urql: the tour over fetch, and paymentUpdated over graphql-sse (distinct connections) until unsubscribed", async () => {
  const sse = createSseClient({
    url: `${t.url}/graphql`,
    headers: { authorization: `Bearer ${merchant.secretKey}` },
    fetchFn: recordingFetch("graphql-sse"),
  });
  const urql = (key: string) =>
    new Client({
      url: `${t.url}/graphql`,
      fetchOptions: { headers: { authorization: `Bearer ${key}` } },
      fetch: recordingFetch("urql"),
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
  const browser = urql(merchant.publishableKey);
  const server = urql(merchant.secretKey);
  const withFields = (name: keyof typeof DOCUMENTS) => `${DOCUMENTS[name]}\n${PAYMENT_FIELDS}`;

  const tokenized = await browser
    .mutation(DOCUMENTS.TokenizeCard, { input: { idempotencyKey: newKey(), card: card() } })
    .toPromise();
  expect(tokenized.error).toBeUndefined();
  const paymentMethodId = tokenized.data.tokenizeCard.paymentMethod.id;
  const created = await server
    .mutation(withFields("CreatePayment"), {
      input: {
        idempotencyKey: newKey(),
        amount: "2500",
        currency: "EUR",
        paymentMethodId,
        captureMethod: "MANUAL",
      },
    })
    .toPromise();
  expect(created.error).toBeUndefined();
  const id: string = created.data.createPayment.payment.id;

  const seen: Array<{ status: string; amountCaptured: string }> = [];
  const subscription = server.subscription(withFields("PaymentUpdated"), { id }).subscribe((result) => {
    if (result.data) seen.push(result.data.paymentUpdated);
  });
  const until = async (predicate: () => boolean) => {
    for (let poll = 0; poll < 100 && !predicate(); poll++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(predicate()).toBe(true);
  };
  await until(() => seen.length >= 1);
  expect(seen[0]).toMatchObject({ status: "AUTHORIZED", amountCaptured: "0" });
  expect(t.app.services.paymentWatch.size).toBe(1);

  const captured = await server
    .mutation(withFields("CapturePayment"), { input: { idempotencyKey: newKey(), paymentId: id } })
    .toPromise();
  expect(captured.data?.capturePayment.errors).toEqual([]);
  await until(() => seen.some((p) => p.status === "CAPTURED"));
  expect(seen.at(-1)).toMatchObject({ status: "CAPTURED", amountCaptured: "2500" });

  const refunded = await server
    .mutation(withFields("RefundPayment"), {
      input: { idempotencyKey: newKey(), paymentId: id, amount: "500" },
    })
    .toPromise();
  expect(refunded.data?.refundPayment.payment.amountRefunded).toBe("500");
  const read = await server
    .query(withFields("Payment"), { id }, { requestPolicy: "network-only" })
    .toPromise();
  expect(read.data.payment).toMatchObject({ id, amountCaptured: "2500", amountRefunded: "500" });

  subscription.unsubscribe();
  await until(() => t.app.services.paymentWatch.size === 0);
  sse.dispose();
});

it("a browser's preflight for each client's headers is allowed for a merchant's origin", async () => {
  // CORS-safelisted request headers need no permission; every other one the clients sent must be allowed.
  const safelisted = new Set(["accept", "accept-language", "content-language"]);
  expect([...sentHeaders.keys()].sort()).toEqual(["apollo", "graphql-sse", "urql"]);
  for (const [client, names] of sentHeaders) {
    const requested = [...names].filter((name) => !safelisted.has(name)).sort();
    expect(requested, client).toContain("authorization");
    const preflight = await fetch(`${t.url}/graphql`, {
      method: "OPTIONS",
      headers: {
        origin: SHOP,
        "access-control-request-method": "POST",
        "access-control-request-headers": requested.join(","),
      },
    });
    expect(preflight.status, client).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin"), client).toBe(SHOP);
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "")
      .toLowerCase()
      .split(/\s*,\s*/);
    expect(allowed, client).toEqual(expect.arrayContaining(requested));
  }
});
