// Goal (issue 18): a bank-transfer payment is refunded through the same refundPayment mutation, paid out by the
// sandbox bank: back along the credit transfer that paid (the bank's returns API), or to the payer's account the
// refund names (a credit transfer, decided by the bank's signed notices: paid, failed, returned after paid). The
// bank refund's states are guarded in the database; a refund whose bank call timed out stays PENDING and is asked
// again with the same key, never paid twice; bad input is a typed error with nothing written. A returned refund is
// a refund.returned merchant webhook event, written with the return and delivered signed to a real receiver on
// loopback. The ledger invariant holds after each scenario.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import pino from "pino";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const SECRET = "bank_whsec_refunds_0123456789abcdef";
const IBAN = {
  paid: "DE89 3704 0044 0532 0130 00",
  closed: "DE62370400440532013001",
  invalid: "DE35370400440532013002",
  returned: "DE08370400440532013003",
};

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;
let merchant: TestMerchant;

interface Refund {
  id: string;
  amount: string;
  status: string;
}
interface RefundAnswer {
  refund: Refund | null;
  payment: { id: string; status: string; amountRefunded: string } | null;
  errors: Array<{ code: string; field: string[] | null }>;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 41, hangMs: 3_000, bankRails: { autoDeliverMs: 0 } });
  t = await createTestApp({
    listen: true,
    pspSandboxUrl: sandbox.url,
    bankWebhookSecret: SECRET,
    bankRails: {
      baseUrl: `${sandbox.url}/bank/v1`,
      apiKey: "bank_test_sandbox",
      webhookSecret: SECRET,
      timeoutMs: 500,
      retryFirstMs: 0,
    },
  });
  sandbox.bank.configure({ url: `${t.url}/webhooks/bank`, secret: SECRET });
  await control("POST", "/__sandbox/bank/webhook", { url: `${t.url}/webhooks/bank`, secret: SECRET });
  merchant = await t.createMerchant();
}, 60_000);

afterEach(async () => {
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A bank-transfer payment paid by the given credits (each a transfer of its own). */
async function paidBankTransfer(...credits: string[]): Promise<{ id: string; transferIds: string[] }> {
  const due = credits.reduce((sum, amount) => sum + BigInt(amount), 0n).toString();
  const result = await t.gql<{
    createPayment: { payment: { id: string; bankTransferInstructions: { reference: string } } };
  }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) {
       payment { id bankTransferInstructions { reference } } errors { code } } }`,
    { input: { idempotencyKey: newKey(), amount: due, currency: "EUR", paymentMethodType: "BANK_TRANSFER" } },
  );
  const payment = result.data?.createPayment.payment;
  if (!payment) throw new Error(result.raw);
  const transferIds: string[] = [];
  for (const amount of credits) {
    const sent = await control("POST", "/__sandbox/bank/incoming", {
      reference: payment.bankTransferInstructions.reference,
      amount,
      currency: "EUR",
    });
    expect(sent.status).toBe(200);
    transferIds.push(sent.body.transferId as string);
  }
  expect(await status(payment.id)).toBe("CAPTURED");
  return { id: payment.id, transferIds };
}

async function status(paymentId: string): Promise<string> {
  const row = await t.app.db.payment.findUniqueOrThrow({
    where: { id: paymentId },
    select: { status: true },
  });
  return row.status;
}

async function refund(input: Record<string, unknown>): Promise<RefundAnswer> {
  const result = await t.gql<{ refundPayment: RefundAnswer }>(
    merchant.secretKey,
    `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) {
       refund { id amount status } payment { id status amountRefunded } errors { code field } } }`,
    { input: { idempotencyKey: newKey(), ...input } },
  );
  if (!result.data) throw new Error(result.raw);
  return result.data.refundPayment;
}

async function bankRefund(refundId: string) {
  return t.app.db.bankTransferRefund.findUniqueOrThrow({ where: { refundId } });
}

async function kindsOf(paymentId: string): Promise<string[]> {
  const rows = await t.app.db.journalEntry.findMany({
    where: { paymentId },
    orderBy: { createdAt: "asc" },
    select: { kind: true },
  });
  return rows.map((row) => row.kind);
}

describe("back along the credit transfer that paid", () => {
  it("refunds in full through the bank's returns API; the same key answers the same refund, paid once", async () => {
    const paid = await paidBankTransfer("10000");
    const key = newKey();
    const first = await refund({ idempotencyKey: key, paymentId: paid.id });
    expect(first.errors).toEqual([]);
    expect(first.refund).toMatchObject({ amount: "10000", status: "SUCCEEDED" });
    expect(first.payment).toMatchObject({ status: "REFUNDED", amountRefunded: "10000" });
    const again = await refund({ idempotencyKey: key, paymentId: paid.id });
    expect(again.refund?.id).toBe(first.refund?.id);
    const returns = (await control("GET", "/__sandbox/bank/returns")).body.returns as Array<{
      transferId: string;
      amount: string;
      idempotencyKey: string;
    }>;
    expect(returns.filter((r) => r.idempotencyKey === first.refund?.id)).toEqual([
      expect.objectContaining({ transferId: paid.transferIds[0], amount: "10000" }),
    ]);
    expect(await bankRefund(first.refund?.id as string)).toMatchObject({
      destination: "ORIGINATING",
      status: "SUCCEEDED",
      version: 3,
    });
    expect(await kindsOf(paid.id)).toContain("refund.succeeded");
    // Nothing is left to refund.
    const more = await refund({ paymentId: paid.id, amount: "1" });
    expect(more.errors).toEqual([expect.objectContaining({ code: "PAYMENT_NOT_REFUNDABLE" })]);
  });
});

describe("to the payer's account the refund names", () => {
  it("a partial refund is in transit until the bank's notice pays it; the number is stored encrypted", async () => {
    const paid = await paidBankTransfer("10000");
    const answer = await refund({
      paymentId: paid.id,
      amount: "3000",
      bankAccount: { iban: IBAN.paid, holderName: "Ada Payer" },
    });
    expect(answer.errors).toEqual([]);
    expect(answer.refund).toMatchObject({ status: "PENDING", amount: "3000" });
    const row = await bankRefund(answer.refund?.id as string);
    expect(row).toMatchObject({
      destination: "ACCOUNT",
      rail: "SEPA",
      accountLast4: "3000",
      status: "PENDING",
    });
    expect(row.bankReference).not.toBeNull();
    expect(Buffer.from(row.accountCiphertext ?? []).toString("latin1")).not.toContain("DE893704");
    await sandbox.bank.deliverNotifications();
    expect(await bankRefund(row.refundId)).toMatchObject({ status: "SUCCEEDED" });
    expect(await status(paid.id)).toBe("PARTIALLY_REFUNDED");
    // The notice again changes and posts nothing.
    const notice = sandbox.bank.notifications().find((n) => n.payoutId === row.refundId);
    await sandbox.bank.redeliver(notice?.eventId as string);
    expect((await kindsOf(paid.id)).filter((kind) => kind === "refund.succeeded")).toHaveLength(1);
  });

  it("a closed account fails after acceptance and an invalid one at once: the amount is refundable again", async () => {
    const paid = await paidBankTransfer("5000");
    const closed = await refund({
      paymentId: paid.id,
      bankAccount: { iban: IBAN.closed, holderName: "Ada Payer" },
    });
    expect(closed.refund?.status).toBe("PENDING");
    await sandbox.bank.deliverNotifications();
    expect(await bankRefund(closed.refund?.id as string)).toMatchObject({ status: "FAILED" });
    const invalid = await refund({
      paymentId: paid.id,
      bankAccount: { iban: IBAN.invalid, holderName: "Ada Payer" },
    });
    expect(invalid.refund?.status).toBe("FAILED");
    expect(invalid.errors).toEqual([expect.objectContaining({ code: "PAYMENT_FAILED" })]);
    const payment = await t.app.db.payment.findUniqueOrThrow({ where: { id: paid.id } });
    expect(payment).toMatchObject({
      status: "CAPTURED",
      amountRefundedMinor: 0n,
      amountRefundPendingMinor: 0n,
    });
    expect(await kindsOf(paid.id)).not.toContain("refund.succeeded");
  });

  it("a refund the payer's bank returns after it was paid is RETURNED, and the payment refundable again", async () => {
    const paid = await paidBankTransfer("4000");
    const answer = await refund({
      paymentId: paid.id,
      bankAccount: { iban: IBAN.returned, holderName: "Ada Payer" },
    });
    await sandbox.bank.deliverNotifications();
    expect(await status(paid.id)).toBe("REFUNDED");
    await sandbox.bank.deliverNotifications();
    expect(await bankRefund(answer.refund?.id as string)).toMatchObject({ status: "RETURNED" });
    const payment = await t.app.db.payment.findUniqueOrThrow({ where: { id: paid.id } });
    expect(payment).toMatchObject({ status: "CAPTURED", amountRefundedMinor: 0n });
    expect(await kindsOf(paid.id)).toEqual(expect.arrayContaining(["refund.succeeded", "refund.returned"]));
    const read = await t.gql<{ refund: { status: string } }>(
      merchant.secretKey,
      `{ refund(id: "${answer.refund?.id}") { status } }`,
    );
    expect(read.data?.refund.status).toBe("RETURNED");
  });

  it("a bank call that timed out stays PENDING and is asked again with the same key: one transfer", async () => {
    const paid = await paidBankTransfer("7000");
    sandbox.bank.hangNextPayouts(1);
    const answer = await refund({
      paymentId: paid.id,
      bankAccount: { iban: IBAN.paid, holderName: "Ada Payer" },
    });
    expect(answer.refund?.status).toBe("PENDING");
    expect(answer.errors).toEqual([expect.objectContaining({ code: "PAYMENT_OUTCOME_PENDING" })]);
    const refundId = answer.refund?.id as string;
    expect((await bankRefund(refundId)).bankReference).toBeNull();
    expect(await t.app.services.bankRefunds.resolveUnknown()).toEqual({ resolved: 1 });
    expect((await bankRefund(refundId)).bankReference).not.toBeNull();
    expect(sandbox.bank.transfers().filter((transfer) => transfer.payoutId === refundId)).toHaveLength(1);
    await sandbox.bank.deliverNotifications();
    expect(await bankRefund(refundId)).toMatchObject({ status: "SUCCEEDED" });
    expect(await status(paid.id)).toBe("REFUNDED");
  });
});

describe("refused with a typed error, nothing written", () => {
  it("no account for a payment paid by several transfers, an invalid IBAN, an account for a card payment", async () => {
    const paid = await paidBankTransfer("2000", "3000");
    const refunds = await t.countRows("refunds");
    expect((await refund({ paymentId: paid.id })).errors).toEqual([
      { code: "BANK_ACCOUNT_REQUIRED", field: ["bankAccount"] },
    ]);
    expect(
      (await refund({ paymentId: paid.id, bankAccount: { iban: "DE00 1234", holderName: "Ada Payer" } }))
        .errors,
    ).toEqual([expect.objectContaining({ code: "BANK_ACCOUNT_INVALID" })]);
    const card = await t.tokenize(merchant.publishableKey);
    const cardPayment = await t.gql<{ createPayment: { payment: { id: string } } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } errors { code } } }`,
      { input: { idempotencyKey: newKey(), amount: "1500", currency: "EUR", paymentMethodId: card } },
    );
    const onCard = await refund({
      paymentId: cardPayment.data?.createPayment.payment.id,
      bankAccount: { iban: IBAN.paid, holderName: "Ada Payer" },
    });
    expect(onCard.errors).toEqual([{ code: "INVALID_INPUT", field: ["bankAccount"] }]);
    expect(await t.countRows("refunds")).toBe(refunds);
    expect(await t.countRows("bank_transfer_refunds")).toBeGreaterThan(0);
  });

  it("the database refuses a bank refund status edge the core does not have, and a version skipped", async () => {
    const paid = await paidBankTransfer("1200");
    const answer = await refund({ paymentId: paid.id });
    const refundId = answer.refund?.id as string;
    await expect(
      t.app.sql.execute(
        `UPDATE bank_transfer_refunds SET status = 'PENDING', version = version + 1 WHERE refund_id = $1`,
        [refundId],
      ),
    ).rejects.toThrow(/illegal bank refund transition/);
    await expect(
      t.app.sql.execute(`UPDATE bank_transfer_refunds SET version = version + 2 WHERE refund_id = $1`, [
        refundId,
      ]),
    ).rejects.toThrow(/without advancing its version/);
  });
});

describe("refund.returned, a merchant webhook event", () => {
  /** A real receiver on 127.0.0.1 that answers 200 and keeps every raw body with its signature header. */
  async function startReceiver() {
    const received: Array<{ rawBody: string; signature: string }> = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({
          rawBody: Buffer.concat(chunks).toString("utf8"),
          signature: String(req.headers["paycore-signature"] ?? ""),
        });
        res.writeHead(200).end("ok");
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    return { received, url, stop: () => server.close() };
  }

  it("is written with the return, delivered signed to an endpoint that enabled it, and listed in the feed", async () => {
    const receiver = await startReceiver();
    try {
      const created = await t.gql<{
        createWebhookEndpoint: { endpoint: { id: string } | null; secret: string | null; errors: unknown[] };
      }>(
        merchant.secretKey,
        `mutation($input: CreateWebhookEndpointInput!) {
           createWebhookEndpoint(input: $input) { endpoint { id } secret errors { code } } }`,
        { input: { url: receiver.url, enabledEvents: ["refund.returned"] } },
      );
      expect(created.data?.createWebhookEndpoint.errors).toEqual([]);
      const secret = created.data?.createWebhookEndpoint.secret as string;

      const paid = await paidBankTransfer("2600");
      const answer = await refund({
        paymentId: paid.id,
        bankAccount: { iban: IBAN.returned, holderName: "Ada Payer" },
      });
      const refundId = answer.refund?.id as string;
      await sandbox.bank.deliverNotifications();
      expect(await bankRefund(refundId)).toMatchObject({ status: "SUCCEEDED" });
      // Not returned yet: no refund.returned event exists.
      const returnedEvents = () =>
        t.app.sql.query<{ id: string; outbox_id: string; payload: { data: { object: { status: string } } } }>(
          "SELECT id, outbox_id::text, payload FROM webhook_events WHERE object_id = $1 AND type = 'refund.returned'",
          [refundId],
        );
      expect(await returnedEvents()).toEqual([]);
      await sandbox.bank.deliverNotifications();
      expect(await bankRefund(refundId)).toMatchObject({ status: "RETURNED" });

      // One event, made from the return's own outbox message (the same transaction as the state change).
      const [event] = await returnedEvents();
      expect(event?.payload.data.object.status).toBe("RETURNED");
      const [message] = await t.app.sql.query<{ id: string; topic: string }>(
        "SELECT id::text, topic FROM outbox_messages WHERE id = $1::bigint",
        [event?.outbox_id],
      );
      expect(message?.topic).toBe("refund.returned");

      const job = t.app.services.merchantWebhooks.deliveryJob(pino({ level: "silent" }));
      for (let pass = 0; pass < 10 && (await job.pass()).done > 0; pass += 1);
      // The endpoint enabled refund.returned only: the refund's created and succeeded events did not go to it.
      expect(receiver.received).toHaveLength(1);
      const delivery = receiver.received[0] as { rawBody: string; signature: string };
      const verified = new Stripe("sk_test_webhook_verification_only").webhooks.constructEvent(
        delivery.rawBody,
        delivery.signature,
        secret,
      ) as unknown as {
        id: string;
        type: string;
        data: { object: Record<string, unknown>; previousAttributes: Record<string, unknown> | null };
      };
      expect(verified.id).toBe(event?.id);
      expect(verified.type).toBe("refund.returned");
      expect(verified.data.object).toMatchObject({
        id: refundId,
        object: "refund",
        paymentId: paid.id,
        status: "RETURNED",
        amount: "2600",
        currency: "EUR",
      });
      expect(verified.data.previousAttributes).toMatchObject({ status: "SUCCEEDED" });
      expect(() =>
        new Stripe("sk_test_webhook_verification_only").webhooks.constructEvent(
          delivery.rawBody,
          delivery.signature,
          "whsec_wrong",
        ),
      ).toThrow();

      const feed = await t.gql<{ events: { edges: Array<{ node: { id: string; type: string } }> } }>(
        merchant.secretKey,
        `query($id: ID) { events(first: 10, filter: { objectId: $id, types: ["refund.returned"] }) {
           edges { node { id type } } } }`,
        { id: refundId },
      );
      expect(feed.data?.events.edges.map((edge) => edge.node)).toEqual([
        { id: event?.id, type: "refund.returned" },
      ]);
      const types = await t.gql<{ webhookEventTypes: string[] }>(merchant.secretKey, "{ webhookEventTypes }");
      expect(types.data?.webhookEventTypes).toContain("refund.returned");
      // The return is a balance transaction of its own: REFUND_FAILURE, the refund's amount back to the merchant.
      const moves = await t.gql<{
        balanceTransactions: {
          nodes: Array<{ type: string; net: string; currency: string; source: string }>;
        };
      }>(
        merchant.secretKey,
        "{ balanceTransactions(first: 100, filter: { type: REFUND_FAILURE }) { nodes { type net currency source } } }",
      );
      expect(moves.data?.balanceTransactions.nodes.filter((node) => node.source === refundId)).toEqual([
        { type: "REFUND_FAILURE", net: "2600", currency: "EUR", source: refundId },
      ]);
    } finally {
      receiver.stop();
    }
  });
});
