// A card number used through the whole payment life (tokenize, pay, capture, refund, replays, and requests
// that fail in parsing, coercion and validation) must not be found anywhere the product keeps or emits data:
// the logs at their most verbose level, a pg_dump of the database, every key of Redis, and the event stream
// the outbox relay publishes. The number is searched with any separators between its digits.
import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { OutboxRepository } from "@paycore/db/repositories/outbox.repository";
import { createLogger } from "@paycore/platform/logger";
import { type OwnRedis, redisServerAvailable, startOwnRedis } from "@paycore/platform/testing/redis";
import { OutboxRelay } from "@paycore/platform/workers/outbox-relay";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

/** A Luhn-valid Visa number no other test uses, so any hit is this test's own card. */
const CANARY_PAN = "4000056655665556";
/** The digits with up to three non-digits between each: "4000 0566…", "4000-0566…", "4000.0566…", JSON-escaped. */
const CANARY_PATTERN = new RegExp(CANARY_PAN.split("").join("[^0-9]{0,3}"));

const TOKENIZE = `mutation($input: TokenizeCardInput!) {
  tokenizeCard(input: $input) { paymentMethod { id last4 } errors { code message field } } }`;

const logLines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(chunk.toString("utf8"));
    done();
  },
});

const skipReason = redisServerAvailable() ? null : "no redis-server binary to start a private Redis";
let redis: OwnRedis;
let t: TestApp;
let merchant: TestMerchant;

function hits(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split("\n")) if (CANARY_PATTERN.test(line)) found.push(line.slice(0, 300));
  return found;
}

describe.skipIf(skipReason !== null)("the card-data canary", () => {
  beforeAll(async () => {
    redis = await startOwnRedis();
    t = await createTestApp({ redisUrl: redis.url, logger: createLogger("trace", capture) });
    merchant = await t.createMerchant();

    const tokenize = (number: unknown, extra: Record<string, unknown> = {}) =>
      t.gql<{ tokenizeCard: { paymentMethod: { id: string } | null } }>(merchant.publishableKey, TOKENIZE, {
        input: {
          idempotencyKey: newKey("canary-tok"),
          card: { number, expMonth: 12, expYear: 2035, cvc: "123", ...extra },
        },
      });
    const spaced = CANARY_PAN.replace(/(\d{4})(?=\d)/g, "$1 ");
    const tokenized = await tokenize(spaced);
    const paymentMethodId = tokenized.data?.tokenizeCard.paymentMethod?.id;
    if (!paymentMethodId) throw new Error(`tokenize failed: ${tokenized.raw}`);
    // The same card again (a second payment method), and a replay of the first request's key shape.
    await tokenize(CANARY_PAN.replace(/(\d{4})(?=\d)/g, "$1-"));
    // Requests that fail: a card number where an Int is expected (a coercion error that would echo it), an
    // expired card, a bad CVC, and a syntax error whose message would quote the document.
    await t.gql(merchant.publishableKey, TOKENIZE, {
      input: { idempotencyKey: newKey("canary"), card: { number: CANARY_PAN, expMonth: CANARY_PAN } },
    });
    await tokenize(CANARY_PAN, { expYear: 2001 });
    await tokenize(CANARY_PAN, { cvc: "12" });
    await t.gql(merchant.publishableKey, `mutation { tokenizeCard(input: { card: ${CANARY_PAN} }) }`);

    const create = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } errors { code } } }`;
    const createInput = {
      idempotencyKey: newKey("canary-pay"),
      amount: "2500",
      currency: "USD",
      paymentMethodId,
      captureMethod: "MANUAL",
    };
    const created = await t.gql<{ createPayment: { payment: { id: string } | null } }>(
      merchant.secretKey,
      create,
      { input: createInput },
    );
    const paymentId = created.data?.createPayment.payment?.id;
    if (!paymentId) throw new Error(`payment failed: ${created.raw}`);
    await t.gql(merchant.secretKey, create, { input: createInput }); // a replay
    await t.gql(
      merchant.secretKey,
      `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { status } errors { code } } }`,
      { input: { idempotencyKey: newKey("canary-cap"), paymentId } },
    );
    await t.gql(
      merchant.secretKey,
      `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { status } errors { code } } }`,
      { input: { idempotencyKey: newKey("canary-ref"), paymentId, amount: "500" } },
    );
    // Publish every outbox row to the event stream, as the relay does in a running API.
    const relay = new OutboxRelay({
      outbox: new OutboxRepository(t.app.sql),
      redis: new Redis(redis.url),
      log: createLogger("trace", capture),
    });
    while ((await relay.runOnce()) > 0) {}
  });

  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it("the scenario ran and logged (so that finding nothing means something)", async () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(await t.countRows("payment_methods")).toBe(2);
    expect(await t.countRows("outbox_messages")).toBeGreaterThan(0);
  });

  it("is in no log line, even at trace level", () => {
    expect(hits(logLines.join(""))).toEqual([]);
  });

  it("is in no row of a pg_dump of the database", () => {
    const dump = spawnSync("pg_dump", ["--data-only", "--no-owner", t.databaseUrl], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(dump.status, dump.stderr).toBe(0);
    expect(dump.stdout).toContain("COPY public.payment_methods");
    expect(hits(dump.stdout)).toEqual([]);
  });

  it("is in no Redis key or value, the event stream included", async () => {
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys("*");
      expect(keys.length).toBeGreaterThan(0);
      const texts: string[] = [];
      let sawStream = false;
      for (const key of keys) {
        texts.push(key);
        const type = await client.type(key);
        if (type === "string") texts.push((await client.get(key)) ?? "");
        else if (type === "hash") texts.push(JSON.stringify(await client.hgetall(key)));
        else if (type === "zset")
          texts.push(JSON.stringify(await client.zrange(key, "0", "-1", "WITHSCORES")));
        else if (type === "list") texts.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === "set") texts.push(JSON.stringify(await client.smembers(key)));
        else if (type === "stream") {
          sawStream = true;
          texts.push(JSON.stringify(await client.xrange(key, "-", "+")));
        } else throw new Error(`unexpected Redis type ${type} at ${key}`);
      }
      expect(sawStream, "the outbox relay published to a stream").toBe(true);
      expect(hits(texts.join("\n"))).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});

if (skipReason) console.log(`card-data canary skipped: ${skipReason}`);
