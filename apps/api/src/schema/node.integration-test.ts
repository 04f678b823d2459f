// Goal: the client comforts of the merchant API on real Postgres: every object with an id is fetched again with
// node/nodes (and never another merchant's), Refund.payment, payments paged backward by Relay's rules, and the
// updatedAfter filter a client syncing its copy uses.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../testing/test-app";

let t: TestApp;
let owner: TestMerchant;
let stranger: TestMerchant;
/** Newest first, as the list returns them. */
const paymentIds: string[] = [];
let refunded: { paymentId: string; refundId: string };

const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id updatedAt } } }`;

async function pay(merchant: TestMerchant, card: string, captureMethod = "AUTOMATIC") {
  const created = await t.gql<{ createPayment: { payment: { id: string; updatedAt: string } } }>(
    merchant.secretKey,
    CREATE,
    {
      input: {
        idempotencyKey: newKey(),
        amount: "1500",
        currency: "USD",
        paymentMethodId: card,
        captureMethod,
      },
    },
  );
  return created.data?.createPayment.payment as { id: string; updatedAt: string };
}

beforeAll(async () => {
  t = await createTestApp();
  owner = await t.createMerchant();
  stranger = await t.createMerchant();
  const card = await t.tokenize(owner.publishableKey);
  for (let i = 0; i < 5; i++) paymentIds.unshift((await pay(owner, card)).id);
  const refund = await t.gql<{ refundPayment: { refund: { id: string } } }>(
    owner.secretKey,
    `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id } } }`,
    { input: { idempotencyKey: newKey(), paymentId: paymentIds[0], amount: "500" } },
  );
  refunded = { paymentId: paymentIds[0] as string, refundId: refund.data?.refundPayment.refund.id as string };
});
afterEach(async () => {
  await t.expectLedgerBalanced();
});
afterAll(async () => {
  await t?.close();
});

const NODE = `query($id: ID!) { node(id: $id) { __typename id
  ... on Payment { status } ... on Refund { amount payment { id } } ... on PaymentMethod { last4 }
  ... on PspAttempt { operation } ... on LedgerEntry { kind } ... on PaymentEvent { type } } }`;

describe("node and nodes", () => {
  it("fetches every kind of object again by the id it was read with, and none of another merchant's", async () => {
    const read = await t.gql<{
      payment: {
        id: string;
        paymentMethod: { id: string };
        attempts: Array<{ id: string }>;
        ledgerEntries: Array<{ id: string }>;
        events: Array<{ id: string }>;
        refunds: Array<{ id: string }>;
      };
    }>(
      owner.secretKey,
      `query($id: ID!) { payment(id: $id) { id paymentMethod { id } attempts { id } ledgerEntries { id } events { id } refunds { id } } }`,
      { id: refunded.paymentId },
    );
    const p = read.data?.payment;
    if (!p) throw new Error(read.raw);
    const cases: Array<[string, string]> = [
      [p.id, "Payment"],
      [p.paymentMethod.id, "PaymentMethod"],
      [(p.attempts[0] as { id: string }).id, "PspAttempt"],
      [(p.ledgerEntries[0] as { id: string }).id, "LedgerEntry"],
      [(p.events[0] as { id: string }).id, "PaymentEvent"],
      [refunded.refundId, "Refund"],
    ];
    for (const [id, typename] of cases) {
      const mine = await t.gql<{ node: { __typename: string; id: string } | null }>(owner.secretKey, NODE, {
        id,
      });
      expect(mine.errors, id).toBeUndefined();
      expect(mine.data?.node, id).toMatchObject({ __typename: typename, id });
      const theirs = await t.gql<{ node: unknown }>(stranger.secretKey, NODE, { id });
      expect(theirs.errors, id).toBeUndefined();
      expect(theirs.data?.node, `${typename} of another merchant`).toBeNull();
    }
    const refund = await t.gql<{ node: { payment: { id: string } } }>(owner.secretKey, NODE, {
      id: refunded.refundId,
    });
    expect(refund.data?.node.payment.id).toBe(refunded.paymentId);
  });

  it.each(["pay_nonsense", "nothing", `${paymentIds[0] ?? "pay_x"}:0`, "re_01ARZ3NDEKTSV4RRFFQ69G5FAV", ":"])(
    "answers null for %s",
    async (id) => {
      const response = await t.gql<{ node: unknown }>(owner.secretKey, NODE, { id });
      expect(response.errors).toBeUndefined();
      expect(response.data?.node).toBeNull();
    },
  );

  it("answers nodes in the order asked, null where not the caller's, and refuses more than 100 ids", async () => {
    const ids = [paymentIds[1], "pay_01ARZ3NDEKTSV4RRFFQ69G5FAV", paymentIds[2]];
    const response = await t.gql<{ nodes: Array<{ id: string } | null> }>(
      owner.secretKey,
      `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids },
    );
    expect(response.data?.nodes).toEqual([{ id: paymentIds[1] }, null, { id: paymentIds[2] }]);
    const tooMany = await t.gql(owner.secretKey, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids: Array.from({ length: 101 }, () => paymentIds[0]),
    });
    expect(tooMany.data).toBeNull();
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("LIST_TOO_LONG");
  });
});

interface Page {
  payments: {
    nodes: Array<{ id: string }>;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
  };
}
const LIST = `query($first: Int, $after: String, $last: Int, $before: String, $filter: PaymentFilter) {
  payments(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;

describe("payments, paged both ways", () => {
  it("pages backward from the end to the start, the same items as forward", async () => {
    const last = await t.gql<Page>(owner.secretKey, LIST, { last: 2 });
    expect(last.data?.payments.nodes.map((n) => n.id)).toEqual(paymentIds.slice(3, 5));
    expect(last.data?.payments.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const before = await t.gql<Page>(owner.secretKey, LIST, {
      last: 2,
      before: last.data?.payments.pageInfo.startCursor,
    });
    expect(before.data?.payments.nodes.map((n) => n.id)).toEqual(paymentIds.slice(1, 3));
    expect(before.data?.payments.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const start = await t.gql<Page>(owner.secretKey, LIST, {
      last: 2,
      before: before.data?.payments.pageInfo.startCursor,
    });
    expect(start.data?.payments.nodes.map((n) => n.id)).toEqual(paymentIds.slice(0, 1));
    expect(start.data?.payments.pageInfo.hasPreviousPage).toBe(false);

    const forward = await t.gql<Page>(owner.secretKey, LIST, {
      first: 2,
      after: start.data?.payments.pageInfo.endCursor,
    });
    expect(forward.data?.payments.nodes.map((n) => n.id)).toEqual(paymentIds.slice(1, 3));
  });

  it("pages a status filter both ways: each status's page merged in the list's order", async () => {
    const both = { status: ["CAPTURED", "PARTIALLY_REFUNDED"] };
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 4; page++) {
      const response = await t.gql<Page>(owner.secretKey, LIST, { first: 2, after, filter: both });
      seen.push(...(response.data?.payments.nodes.map((n) => n.id) ?? []));
      if (!response.data?.payments.pageInfo.hasNextPage) break;
      after = response.data.payments.pageInfo.endCursor;
    }
    expect(seen).toEqual(paymentIds);
    const backward = await t.gql<Page>(owner.secretKey, LIST, { last: 3, filter: both });
    expect(backward.data?.payments.nodes.map((n) => n.id)).toEqual(paymentIds.slice(2, 5));
    expect(backward.data?.payments.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const refunded = await t.gql<Page>(owner.secretKey, LIST, {
      first: 5,
      filter: { status: ["PARTIALLY_REFUNDED"] },
    });
    expect(refunded.data?.payments.nodes.map((n) => n.id)).toEqual([paymentIds[0]]);
    const afterRefunded = await t.gql<Page>(owner.secretKey, LIST, {
      first: 5,
      after: refunded.data?.payments.pageInfo.endCursor,
      filter: { status: ["CAPTURED"] },
    });
    expect(afterRefunded.data?.payments.nodes.map((n) => n.id)).toEqual(paymentIds.slice(1));
  });

  it.each([
    [{ first: 2, last: 2 }, "last"],
    [{ after: "x", before: "y" }, "last"],
    [{ last: 0 }, "last"],
    [{ last: 101 }, "last"],
    [{ first: 101 }, "first"],
  ])("refuses %j", async (variables, field) => {
    const response = await t.gql(owner.secretKey, LIST, variables);
    expect(response.data).toBeNull();
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_INPUT", field: [field] });
  });

  it("filters on updatedAfter: only what changed since", async () => {
    const all = await t.gql<{ payments: { nodes: Array<{ id: string; updatedAt: string }> } }>(
      owner.secretKey,
      "{ payments(first: 100) { nodes { id updatedAt } } }",
    );
    const latest = all.data?.payments.nodes
      .map((n) => n.updatedAt)
      .sort()
      .at(-1) as string;
    const none = await t.gql<Page>(owner.secretKey, LIST, { filter: { updatedAfter: latest } });
    expect(none.data?.payments.nodes).toEqual([]);
    // A later change (a refund) moves its payment past the mark.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await t.gql(
      owner.secretKey,
      `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { errors { code } } }`,
      { input: { idempotencyKey: newKey(), paymentId: paymentIds[3], amount: "100" } },
    );
    const changed = await t.gql<Page>(owner.secretKey, LIST, { filter: { updatedAfter: latest } });
    expect(changed.data?.payments.nodes.map((n) => n.id)).toEqual([paymentIds[3]]);
  });
});
