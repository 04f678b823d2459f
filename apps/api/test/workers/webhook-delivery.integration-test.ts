// Goal: a merchant's webhooks leave from the Postgres queue without Redis, to a real HTTP receiver on 127.0.0.1,
// signed so that the official stripe SDK verifies them; failed posts (500s, timeouts) are recorded and retried
// with the same event id and body; events carry a per-object version a receiver can order by; replays and
// disabled endpoints behave; an endpoint failing for 3 days is disabled; and the ledger stays balanced.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DEPRECATED_WEBHOOK_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from "@paycore/core/webhooks/event-types";
import { WEBHOOK_ENDPOINT_TRANSITIONS } from "@paycore/core/webhooks/webhook-endpoint";
import { createCustomerPiiServices } from "@paycore/platform/customers/customer-pii-services";
import { systemResolver } from "@paycore/platform/merchant-webhooks/url-guard";
import { sendWebhook } from "@paycore/platform/merchant-webhooks/webhook-sender";
import { webhookDeliveryJob, webhookEventPurgeJob } from "@paycore/platform/workers/webhook-delivery";
import type { WorkerJob } from "@paycore/platform/workers/worker";
import pino from "pino";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../../src/testing/test-app";

const silent = pino({ level: "silent" });
const stripe = new Stripe("sk_test_webhook_verification_only");

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

/** A real receiver on 127.0.0.1: answers with the next scripted status (200 once the script is used up). */
class Receiver {
  readonly received: Received[] = [];
  script: Array<number | "hang"> = [];
  /** When set, every request is answered with this status and its own body echoed back (issue 22). */
  echo: number | null = null;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      this.received.push({
        path: req.url ?? "",
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString("utf8"),
      });
      if (this.echo !== null) {
        res.writeHead(this.echo, { "content-type": "application/json" });
        res.end(this.received.at(-1)?.rawBody);
        return;
      }
      const next = this.script.shift() ?? 200;
      if (next === "hang") return; // never answers: the sender's total timeout ends it
      res.writeHead(next, { "content-type": "text/plain" });
      res.end(next >= 400 ? `failure ${"x".repeat(3000)}` : "ok");
    });
  });
  url = "";

  async start(): Promise<void> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
  }

  events(): Array<{
    id: string;
    type: string;
    data: { object: { id: string; version: number; status: string } };
  }> {
    return this.received.map((r) => JSON.parse(r.rawBody));
  }
}

const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id status enabledEvents secretHint } secret errors { code field } }
}`;
const ENDPOINT_ID = `mutation($input: WebhookEndpointIdInput!) {
  disable: disableWebhookEndpoint(input: $input) { endpoint { id status } errors { code } }
}`;
const ENABLE = `mutation($input: WebhookEndpointIdInput!) {
  enableWebhookEndpoint(input: $input) { endpoint { id status needsAttention } errors { code } }
}`;
const DELETE = `mutation($input: WebhookEndpointIdInput!) {
  deleteWebhookEndpoint(input: $input) { endpoint { id status } errors { code } }
}`;
const ROLL = `mutation($input: RollWebhookEndpointSecretInput!) {
  rollWebhookEndpointSecret(input: $input) { endpoint { id previousSecretsValidUntil } secret errors { code } }
}`;
const REPLAY = `mutation($input: ReplayWebhookEventInput!) {
  replayWebhookEvent(input: $input) { deliveryId errors { code } }
}`;
const ENDPOINT_QUERY = `query($id: ID!, $status: WebhookDeliveryStatus) {
  webhookEndpoint(id: $id) { id status disabledReason needsAttention
    deliveries(first: 100, status: $status) { id eventId eventType status attemptCount lastStatusCode
      attempts { statusCode latencyMs error responseExcerpt } } }
}`;
const EVENTS = `query($first: Int, $after: String, $filter: WebhookEventFilter) {
  events(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id type objectId payload } } pageInfo { hasNextPage endCursor }
  }
}`;
const CREATE_PAYMENT = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status } errors { code } }
}`;
const CAPTURE = `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { id status } errors { code } } }`;
const CANCEL = `mutation($input: CancelPaymentInput!) { cancelPayment(input: $input) { payment { id status } errors { code } } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id status } errors { code } } }`;

describe("merchant webhook delivery", () => {
  let t: TestApp;
  let merchant: TestMerchant;
  let card: string;
  let receiver: Receiver;
  let job: WorkerJob;

  const gql = async <T>(query: string, variables: Record<string, unknown>, key = merchant.secretKey) => {
    const result = await t.gql<T>(key, query, variables);
    if (!result.data) throw new Error(`GraphQL failed: ${result.raw}`);
    return result.data;
  };
  const createEndpoint = async (path: string, enabledEvents: string[] = ["*"]) => {
    const data = await gql<{
      createWebhookEndpoint: {
        endpoint: { id: string } | null;
        secret: string | null;
        errors: { code: string }[];
      };
    }>(CREATE_ENDPOINT, { input: { url: `${receiver.url}${path}`, enabledEvents } });
    expect(data.createWebhookEndpoint.errors).toEqual([]);
    return {
      id: data.createWebhookEndpoint.endpoint?.id as string,
      secret: data.createWebhookEndpoint.secret as string,
    };
  };
  const createPayment = async (captureMethod: "AUTOMATIC" | "MANUAL" = "AUTOMATIC") => {
    const data = await gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
      CREATE_PAYMENT,
      {
        input: {
          idempotencyKey: newKey(),
          amount: "1250",
          currency: "USD",
          paymentMethodId: card,
          captureMethod,
        },
      },
    );
    return data.createPayment.payment?.id as string;
  };
  /** Runs passes until nothing is due (bounded). */
  const drain = async (worker = job) => {
    for (let pass = 0; pass < 20; pass += 1) {
      const result = await worker.pass();
      if (result.done === 0) return;
    }
    throw new Error("the delivery queue did not drain in 20 passes");
  };
  /** Makes every pending retry due now: the test's stand-in for waiting out the backoff. */
  const makeRetriesDue = () =>
    t.app.sql.execute("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'PENDING'");
  const deliveriesOf = async (endpointId: string) => {
    const data = await gql<{
      webhookEndpoint: {
        status: string;
        disabledReason: string | null;
        needsAttention: boolean;
        deliveries: Array<{
          eventId: string;
          eventType: string;
          status: string;
          attemptCount: number;
          attempts: Array<{
            statusCode: number | null;
            error: string | null;
            responseExcerpt: string | null;
          }>;
        }>;
      } | null;
    }>(ENDPOINT_QUERY, { id: endpointId });
    return data.webhookEndpoint;
  };
  const forPath = (path: string) => receiver.received.filter((r) => r.path === path);

  beforeAll(async () => {
    t = await createTestApp({ redisUrl: null });
    merchant = await t.createMerchant();
    card = await t.tokenize(merchant.publishableKey);
    receiver = new Receiver();
    await receiver.start();
    job = t.app.services.merchantWebhooks.deliveryJob(silent);
  });
  beforeEach(async () => {
    // Each test starts from an empty queue and its own endpoints.
    await t.app.sql.execute("UPDATE webhook_deliveries SET status = 'FAILED' WHERE status = 'PENDING'");
    await t.app.sql.execute(
      "UPDATE webhook_endpoints SET status = 'DELETED', version = version + 1 WHERE status <> 'DELETED'",
    );
    receiver.received.length = 0;
    receiver.script = [];
    receiver.echo = null;
  });
  afterAll(async () => {
    await receiver?.stop();
    await t?.close();
  });

  it("delivers a payment's events without Redis, verified by the stripe SDK, in version order", async () => {
    const endpoint = await createEndpoint("/all");
    const paymentId = await createPayment("MANUAL");
    await gql(CAPTURE, { input: { idempotencyKey: newKey(), paymentId } });
    await drain();

    const received = forPath("/all");
    expect(received.length).toBe(3);
    const events = received.map((r) => {
      const header = r.headers["paycore-signature"] as string;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      // The official SDK verifies our header (Stripe's scheme) with the endpoint's secret.
      return stripe.webhooks.constructEvent(r.rawBody, header, endpoint.secret) as unknown as {
        id: string;
        type: string;
        livemode: boolean;
        data: {
          object: { id: string; version: number; status: string; amount: string };
          previousAttributes: unknown;
        };
      };
    });
    const byVersion = [...events].sort((a, b) => a.data.object.version - b.data.object.version);
    expect(byVersion.map((e) => e.type)).toEqual([
      "payment.created",
      "payment.authorized",
      "payment.captured",
    ]);
    expect(byVersion.map((e) => e.data.object.status)).toEqual(["PENDING", "AUTHORIZED", "CAPTURED"]);
    const versions = byVersion.map((e) => e.data.object.version);
    expect(versions[0]).toBeLessThan(versions[1] as number);
    expect(versions[1]).toBeLessThan(versions[2] as number);
    expect(byVersion.every((e) => e.data.object.id === paymentId && e.livemode === false)).toBe(true);
    expect(byVersion[0]?.data.object.amount).toBe("1250");
    expect(byVersion[2]?.data.previousAttributes).toMatchObject({ status: "AUTHORIZED" });
    // A wrong secret fails verification.
    expect(() =>
      stripe.webhooks.constructEvent(
        received[0]?.rawBody as string,
        received[0]?.headers["paycore-signature"] as string,
        "whsec_wrong",
      ),
    ).toThrow();
    // The delivery log says the same.
    const log = await deliveriesOf(endpoint.id);
    expect(log?.deliveries.map((d) => d.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    await t.expectLedgerBalanced();
  });

  it("only the subscribed types go to an endpoint, and refunds make events", async () => {
    const endpoint = await createEndpoint("/refunds", ["refund.created", "refund.succeeded"]);
    const paymentId = await createPayment();
    await gql(REFUND, { input: { idempotencyKey: newKey(), paymentId, amount: "250" } });
    await drain();
    const events = forPath("/refunds").map((r) => JSON.parse(r.rawBody));
    expect(events.map((e) => e.type).sort()).toEqual(["refund.created", "refund.succeeded"]);
    expect(
      events.every((e) => e.data.object.object === "refund" && e.data.object.paymentId === paymentId),
    ).toBe(true);
    expect((await deliveriesOf(endpoint.id))?.deliveries).toHaveLength(2);
    await t.expectLedgerBalanced();
  });

  it("retries after a 500 with the same event id and body, recording every attempt", async () => {
    const endpoint = await createEndpoint("/flaky", ["payment.created"]);
    receiver.script = [500];
    await createPayment();
    await drain();
    let log = await deliveriesOf(endpoint.id);
    expect(log?.deliveries[0]).toMatchObject({ status: "PENDING", attemptCount: 1 });
    const failed = log?.deliveries[0]?.attempts[0];
    expect(failed?.statusCode).toBe(500);
    // The excerpt is bounded to 1 KiB although the receiver answered 3 KB.
    expect(failed?.responseExcerpt?.startsWith("failure xxx")).toBe(true);
    expect(Buffer.byteLength(failed?.responseExcerpt ?? "")).toBeLessThanOrEqual(1024);

    await makeRetriesDue();
    await drain();
    log = await deliveriesOf(endpoint.id);
    expect(log?.deliveries[0]).toMatchObject({ status: "SUCCEEDED", attemptCount: 2 });
    expect(log?.deliveries[0]?.attempts.map((a) => a.statusCode)).toEqual([200, 500]);
    const [first, second] = forPath("/flaky");
    expect(second?.rawBody).toBe(first?.rawBody);
    expect(JSON.parse(second?.rawBody as string).id).toBe(log?.deliveries[0]?.eventId);
  });

  it("a post that gets no answer in time is a failed attempt, retried later", async () => {
    const endpoint = await createEndpoint("/slow", ["payment.created"]);
    receiver.script = ["hang"];
    const impatient = webhookDeliveryJob({
      deliveries: t.app.services.merchantWebhooks.deliveries,
      endpoints: t.app.services.merchantWebhooks.endpoints,
      send: (target, body, headers) =>
        sendWebhook(target, body, headers, {
          resolve: systemResolver,
          policy: { testModeLoopback: true },
          connectTimeoutMs: 1_000,
          totalTimeoutMs: 300,
        }),
      log: silent,
    });
    await createPayment();
    await drain(impatient);
    const log = await deliveriesOf(endpoint.id);
    expect(log?.deliveries[0]).toMatchObject({ status: "PENDING", attemptCount: 1 });
    expect(log?.deliveries[0]?.attempts[0]).toMatchObject({
      statusCode: null,
      error: "no complete answer within 300 ms",
    });
    await makeRetriesDue();
    await drain(impatient);
    expect((await deliveriesOf(endpoint.id))?.deliveries[0]?.status).toBe("SUCCEEDED");
  });

  it("replays an event to an endpoint: a new delivery with the same event id and body", async () => {
    const endpoint = await createEndpoint("/replay", ["payment.created"]);
    await createPayment();
    await drain();
    const [original] = forPath("/replay");
    const eventId = JSON.parse(original?.rawBody as string).id as string;
    const data = await gql<{ replayWebhookEvent: { deliveryId: string | null; errors: { code: string }[] } }>(
      REPLAY,
      {
        input: { endpointId: endpoint.id, eventId },
      },
    );
    expect(data.replayWebhookEvent.errors).toEqual([]);
    await drain();
    const [, replayed] = forPath("/replay");
    expect(replayed?.rawBody).toBe(original?.rawBody);
    // Another merchant's event id is unknown here.
    const other = await t.createMerchant();
    const foreign = await t.gql<{ replayWebhookEvent: { errors: { code: string }[] } }>(
      other.secretKey,
      REPLAY,
      {
        input: { endpointId: endpoint.id, eventId },
      },
    );
    expect(foreign.data?.replayWebhookEvent.errors.map((e) => e.code)).toEqual([
      "WEBHOOK_ENDPOINT_NOT_FOUND",
    ]);
  });

  it("a disabled endpoint gets nothing until enabled; a deleted one gets nothing", async () => {
    const endpoint = await createEndpoint("/paused", ["payment.created"]);
    await gql(ENDPOINT_ID, { input: { id: endpoint.id } });
    await createPayment();
    await drain();
    expect(forPath("/paused")).toHaveLength(0);
    await gql(ENABLE, { input: { id: endpoint.id } });
    await createPayment();
    await drain();
    // Events made while disabled were never queued for it; the one after enabling goes out.
    expect(forPath("/paused")).toHaveLength(1);
    const deleted = await gql<{ deleteWebhookEndpoint: { endpoint: { status: string } } }>(DELETE, {
      input: { id: endpoint.id },
    });
    expect(deleted.deleteWebhookEndpoint.endpoint.status).toBe("DELETED");
    await createPayment();
    await drain();
    expect(forPath("/paused")).toHaveLength(1);
    const again = await t.gql<{ enableWebhookEndpoint: { errors: { code: string }[] } }>(
      merchant.secretKey,
      ENABLE,
      {
        input: { id: endpoint.id },
      },
    );
    expect(again.data?.enableWebhookEndpoint.errors.map((e) => e.code)).toEqual(["WEBHOOK_ENDPOINT_STATE"]);
  });

  it("an endpoint failing for 3 days is disabled and flagged; enabling clears the flag", async () => {
    const endpoint = await createEndpoint("/dead", ["payment.created"]);
    await t.app.sql.execute(
      "UPDATE webhook_endpoints SET failing_since = now() - interval '3 days 1 minute', version = version + 1 WHERE id = $1",
      [endpoint.id],
    );
    receiver.script = [503];
    await createPayment();
    await drain();
    const log = await deliveriesOf(endpoint.id);
    expect(log).toMatchObject({ status: "DISABLED", disabledReason: "FAILING", needsAttention: true });
    // Disabled through the core command: its audit row, with the worker as the actor.
    const audit = await t.app.sql.query<{ action: string; after: { actor: string; disabledReason: string } }>(
      "SELECT action, after FROM operator_audit_log WHERE target_id = $1 ORDER BY id DESC LIMIT 1",
      [endpoint.id],
    );
    expect(audit[0]).toMatchObject({
      action: "webhook_endpoint.disable",
      after: { actor: "system:webhook-delivery", disabledReason: "FAILING" },
    });
    const enabled = await gql<{
      enableWebhookEndpoint: { endpoint: { status: string; needsAttention: boolean } };
    }>(ENABLE, { input: { id: endpoint.id } });
    expect(enabled.enableWebhookEndpoint.endpoint).toMatchObject({
      status: "ENABLED",
      needsAttention: false,
    });
  });

  it("during a secret roll both secrets sign, and each verifies with the SDK", async () => {
    const endpoint = await createEndpoint("/roll", ["payment.created"]);
    const rolled = await gql<{
      rollWebhookEndpointSecret: { endpoint: { previousSecretsValidUntil: string[] }; secret: string };
    }>(ROLL, { input: { id: endpoint.id, overlapSeconds: 3600 } });
    expect(rolled.rollWebhookEndpointSecret.endpoint.previousSecretsValidUntil).toHaveLength(1);
    await createPayment();
    await drain();
    const [delivered] = forPath("/roll");
    const header = delivered?.headers["paycore-signature"] as string;
    expect(header.split(",").filter((part) => part.startsWith("v1="))).toHaveLength(2);
    for (const secret of [endpoint.secret, rolled.rollWebhookEndpointSecret.secret]) {
      expect(stripe.webhooks.constructEvent(delivered?.rawBody as string, header, secret)).toBeTruthy();
    }
  });

  it("the events feed pages newest first and filters by type, object and time", async () => {
    const paymentId = await createPayment("MANUAL");
    const all = await gql<{
      events: {
        edges: Array<{ cursor: string; node: { type: string; objectId: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(EVENTS, { first: 2, filter: { objectId: paymentId } });
    expect(all.events.edges.map((e) => e.node.type)).toEqual(["payment.authorized", "payment.created"]);
    const typed = await gql<{ events: { edges: Array<{ node: { type: string } }> } }>(EVENTS, {
      first: 100,
      filter: { types: ["payment.created"], objectId: paymentId },
    });
    expect(typed.events.edges.map((e) => e.node.type)).toEqual(["payment.created"]);
    const page1 = await gql<{
      events: {
        edges: Array<{ node: { objectId: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(EVENTS, { first: 1 });
    expect(page1.events.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql<{ events: { edges: Array<{ cursor: string }> } }>(EVENTS, {
      first: 1,
      after: page1.events.pageInfo.endCursor,
    });
    expect(page2.events.edges[0]?.cursor).not.toBe(page1.events.pageInfo.endCursor);
    const future = await gql<{ events: { edges: unknown[] } }>(EVENTS, {
      filter: { createdAfter: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(future.events.edges).toEqual([]);
    const tooMany = await t.gql(merchant.secretKey, EVENTS, { first: 101 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("INVALID_INPUT");
    // Another merchant sees none of these events.
    const other = await t.createMerchant();
    const foreign = await t.gql<{ events: { edges: unknown[] } }>(other.secretKey, EVENTS, {
      filter: { objectId: paymentId },
    });
    expect(foreign.data?.events.edges).toEqual([]);
  });

  it("refuses bad endpoints with typed errors, before any connection", async () => {
    const create = async (url: string, enabledEvents: string[], key = merchant.secretKey) => {
      const result = await t.gql<{ createWebhookEndpoint: { errors: { code: string }[] } }>(
        key,
        CREATE_ENDPOINT,
        {
          input: { url, enabledEvents },
        },
      );
      return result.data?.createWebhookEndpoint.errors.map((e) => e.code);
    };
    expect(await create("http://10.1.2.3/hook", ["*"])).toEqual(["WEBHOOK_URL_FORBIDDEN"]);
    expect(await create("http://[fe80::1]/hook", ["*"])).toEqual(["WEBHOOK_URL_FORBIDDEN"]);
    expect(await create("http://example.com/hook", ["*"], merchant.liveSecretKey)).toEqual([
      "WEBHOOK_URL_INVALID",
    ]);
    expect(await create("https://127.0.0.1/hook", ["*"], merchant.liveSecretKey)).toEqual([
      "WEBHOOK_URL_FORBIDDEN",
    ]);
    expect(await create(`${receiver.url}/x`, ["payment.exploded"])).toEqual(["WEBHOOK_EVENT_TYPE_INVALID"]);
    expect(await create(`${receiver.url}/${"a".repeat(2100)}`, ["*"])).toEqual(["WEBHOOK_URL_INVALID"]);
    const audited = await t.app.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM operator_audit_log WHERE action = 'webhook_endpoint.create'",
    );
    expect(audited[0]?.n).toBeGreaterThan(0);
  });

  it("purges events past their retention with their deliveries and attempts", async () => {
    await createEndpoint("/old", ["payment.created"]);
    const paymentId = await createPayment();
    await drain();
    // Events written 31 days ago. An event's time is fixed once written (its id claim in webhook_event_ids
    // mirrors it, and a change would move the row to another month's partition), so the test moves it as a
    // restore of old rows would: the table owner, with triggers off for the transaction.
    await t.app.sql.transaction(async (tx) => {
      await tx.execute("SET LOCAL session_replication_role = replica");
      await tx.execute(
        "UPDATE webhook_events SET created_at = now() - interval '31 days' WHERE object_id = $1",
        [paymentId],
      );
      await tx.execute(
        `UPDATE webhook_event_ids c SET created_at = e.created_at FROM webhook_events e
          WHERE e.id = c.event_id AND e.object_id = $1`,
        [paymentId],
      );
    });
    const purged = await webhookEventPurgeJob({
      deliveries: t.app.services.merchantWebhooks.deliveries,
    }).pass();
    expect(purged.done).toBeGreaterThanOrEqual(2);
    const left = await t.app.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM webhook_events WHERE object_id = $1",
      [paymentId],
    );
    expect(left[0]?.n).toBe(0);
  });

  it("payment.canceled is the one spelling; an endpoint that enabled payment.cancelled still receives it", async () => {
    const current = await createEndpoint("/canceled", ["payment.canceled"]);
    const deprecated = await createEndpoint("/cancelled", ["payment.cancelled"]);
    const paymentId = await createPayment("MANUAL");
    const canceled = await gql<{ cancelPayment: { payment: { status: string } | null } }>(CANCEL, {
      input: { idempotencyKey: newKey(), paymentId },
    });
    expect(canceled.cancelPayment.payment?.status).toBe("CANCELLED");
    await drain();
    for (const [path, endpoint] of [
      ["/canceled", current],
      ["/cancelled", deprecated],
    ] as const) {
      const received = forPath(path);
      expect(received).toHaveLength(1);
      const event = stripe.webhooks.constructEvent(
        received[0]?.rawBody as string,
        received[0]?.headers["paycore-signature"] as string,
        endpoint.secret,
      ) as unknown as { type: string; data: { object: { id: string; status: string } } };
      expect(event.type).toBe("payment.canceled");
      expect(event.data.object).toMatchObject({ id: paymentId, status: "CANCELLED" });
    }
    // The endpoint keeps the name it was given; the types offered are the current names only.
    const read = await gql<{ webhookEndpoint: { enabledEvents: string[] } }>(
      `query($id: ID!) { webhookEndpoint(id: $id) { enabledEvents } }`,
      { id: deprecated.id },
    );
    expect(read.webhookEndpoint.enabledEvents).toEqual(["payment.cancelled"]);
    const offered = await gql<{ webhookEventTypes: string[] }>("{ webhookEventTypes }", {});
    expect(offered.webhookEventTypes).toContain("payment.canceled");
    expect(offered.webhookEventTypes).not.toContain("payment.cancelled");
    // The feed's filter finds the event by either name.
    for (const type of ["payment.canceled", "payment.cancelled"]) {
      const feed = await gql<{ events: { edges: Array<{ node: { type: string; objectId: string } }> } }>(
        EVENTS,
        {
          first: 5,
          filter: { types: [type], objectId: paymentId },
        },
      );
      expect(feed.events.edges.map((edge) => edge.node.type)).toEqual(["payment.canceled"]);
    }
    // An outbox message still written under the old topic (a branch not yet renamed) makes the new type.
    await t.app.sql.execute(
      `INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload)
       VALUES ($1, 'TEST', 'payment.cancelled', $2, jsonb_build_object('paymentId', $2::text))`,
      [merchant.id, paymentId],
    );
    await drain();
    expect(forPath("/cancelled").map((r) => JSON.parse(r.rawBody).type)).toEqual([
      "payment.canceled",
      "payment.canceled",
    ]);
    await t.expectLedgerBalanced();
  });

  it("account.updated: an endpoint that enables it receives the account's onboarding changes, signed", async () => {
    const endpoint = await createEndpoint("/account", ["account.updated"]);
    await createEndpoint("/payments-only", ["payment.created"]);
    const operator = { operatorId: null, name: "cli:reviewer" };
    await t.app.services.onboarding.decide(operator, merchant.id, "RESTRICT", "chargebacks under review");
    await t.app.services.onboarding.decide(operator, merchant.id, "APPROVE", "review closed");
    await drain();
    expect(forPath("/payments-only")).toEqual([]);
    const received = forPath("/account");
    expect(received).toHaveLength(2);
    const events = received.map(
      (r) =>
        stripe.webhooks.constructEvent(
          r.rawBody,
          r.headers["paycore-signature"] as string,
          endpoint.secret,
        ) as unknown as {
          type: string;
          livemode: boolean;
          data: { object: Record<string, unknown> & { version: number }; previousAttributes: unknown };
        },
    );
    const byVersion = [...events].sort((a, b) => a.data.object.version - b.data.object.version);
    expect(byVersion.map((e) => e.type)).toEqual(["account.updated", "account.updated"]);
    expect(byVersion.map((e) => e.data.object.onboardingStatus)).toEqual(["RESTRICTED", "VERIFIED"]);
    expect(byVersion[0]?.data.object).toMatchObject({ id: merchant.id, object: "account", frozen: false });
    expect(byVersion[0]?.data.object.decidedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(byVersion[1]?.data.previousAttributes).toMatchObject({ onboardingStatus: "RESTRICTED" });
    // The test-mode endpoint got the test-mode copy; the business details (personal data) are not in it.
    expect(byVersion.every((e) => e.livemode === false)).toBe(true);
    expect(Object.keys(byVersion[0]?.data.object ?? {}).sort()).toEqual([
      "createdAt",
      "decidedAt",
      "detailsSubmittedAt",
      "frozen",
      "id",
      "object",
      "onboardingStatus",
      "version",
    ]);
  });

  it("an endpoint that echoes the body leaves no customer data in the attempts; an erasure clears older excerpts", async () => {
    const endpoint = await createEndpoint("/echo", ["invoice.finalized"]);
    const invoiceFor = async (customerEmail: string, description: string) => {
      const created = await gql<{ createInvoice: { invoice: { id: string } | null } }>(
        `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } errors { code } } }`,
        {
          input: {
            idempotencyKey: newKey(),
            currency: "EUR",
            customerEmail,
            lines: [{ description, quantity: 1, unitAmount: "4200" }],
          },
        },
      );
      const invoiceId = created.createInvoice.invoice?.id as string;
      await gql(
        `mutation($input: FinalizeInvoiceInput!) { finalizeInvoice(input: $input) { invoice { id } errors { code } } }`,
        { input: { idempotencyKey: newKey(), invoiceId } },
      );
      return invoiceId;
    };
    const excerpts = () =>
      t.app.sql.query<{ event_id: string; status_code: number | null; response_excerpt: string | null }>(
        `SELECT d.event_id, a.status_code, a.response_excerpt FROM webhook_delivery_attempts a
           JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1 ORDER BY a.id`,
        [endpoint.id],
      );
    const attemptRowsHolding = async (text: string) => {
      const [row] = await t.app.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_delivery_attempts a WHERE a::text ILIKE $1`,
        [`%${text}%`],
      );
      return row?.n;
    };

    // A 2xx that echoes: delivered, and nothing of the answer is kept.
    receiver.echo = 200;
    await invoiceFor("echo.ada@example.test", "Lovelace consulting");
    await drain();
    expect(forPath("/echo").at(-1)?.rawBody).toContain("echo.ada@example.test");
    expect((await excerpts()).map((row) => [row.status_code, row.response_excerpt])).toEqual([[200, null]]);

    // A 4xx that echoes: the excerpt is kept for the operator, less every value of the event we sent.
    receiver.echo = 422;
    await invoiceFor("echo.grace@example.test", "Hopper compiler review");
    await drain();
    const failed = (await excerpts()).filter((row) => row.status_code === 422);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.response_excerpt).toContain('"customerEmail":"[redacted]"');
    // The shape stays (keys, numbers); the event's own values, ids and type included, are known from the delivery.
    expect(failed[0]?.response_excerpt).toMatch(/^\{"id":"\[redacted\]","data":\{"object":\{/);
    for (const text of ["echo.ada", "echo.grace", "Hopper", "Lovelace"])
      expect(await attemptRowsHolding(text)).toBe(0);
    const log = await deliveriesOf(endpoint.id);
    expect(log?.deliveries.find((d) => d.status === "PENDING")?.attempts[0]?.responseExcerpt).toContain(
      "[redacted]",
    );

    // Attempts stored before excerpts were scrubbed still hold what an endpoint echoed: the customer's erasure
    // clears the excerpts of the deliveries of that customer's events, and only those.
    const [graceEvent, adaEvent] = await Promise.all(
      ["echo.grace@example.test", "echo.ada@example.test"].map(async (email) => {
        const rows = await excerpts();
        const events = await t.app.sql.query<{ id: string }>(
          `SELECT id FROM webhook_events WHERE merchant_id = $1 AND type = 'invoice.finalized'
             AND id = ANY($2::text[])`,
          [merchant.id, rows.map((row) => row.event_id)],
        );
        for (const event of events) {
          const [payload] = await t.app.sql.query<{ email: string }>(
            `SELECT payload->'data'->'object'->>'customerEmail' AS email FROM webhook_events WHERE id = $1`,
            [event.id],
          );
          if (t.app.services.pii.open("email", merchant.id, payload?.email ?? null) === email)
            return event.id;
        }
        throw new Error(`no event for ${email}`);
      }),
    );
    await t.app.sql.execute(
      `UPDATE webhook_delivery_attempts a SET response_excerpt = 'echo: ' || d.event_id || ' ' || $2
         FROM webhook_deliveries d WHERE a.delivery_id = d.id AND d.endpoint_id = $1`,
      [endpoint.id, "customer echo.old@example.test"],
    );
    const pii = createCustomerPiiServices(t.app.sql, t.app.services.pii);
    await pii.customerErasure.erase(TEST_FIXTURE_ACTOR, {
      merchantId: merchant.id,
      email: "echo.grace@example.test",
      reason: "erasure ticket 9",
    });
    for (let batch = 0; batch < 50; batch += 1) {
      const progress = await pii.sweepEventCopies(500);
      if (progress === null || progress.finished) break;
    }
    const after = await excerpts();
    expect(after.filter((row) => row.event_id === graceEvent)).toHaveLength(1);
    expect(
      after.filter((row) => row.event_id === graceEvent).every((row) => row.response_excerpt === null),
    ).toBe(true);
    expect(after.filter((row) => row.event_id === adaEvent).map((row) => row.response_excerpt)).toEqual([
      `echo: ${adaEvent} customer echo.old@example.test`,
    ]);
  });

  it("the database's event types and endpoint transitions equal the core's", async () => {
    const types = await t.app.sql.query<{ type: string; replaced_by: string | null }>(
      "SELECT type, replaced_by FROM webhook_event_types ORDER BY type",
    );
    expect(types.filter((row) => row.replaced_by === null).map((row) => row.type)).toEqual(
      [...WEBHOOK_EVENT_TYPES].sort(),
    );
    expect(
      Object.fromEntries(
        types.filter((row) => row.replaced_by !== null).map((row) => [row.type, row.replaced_by]),
      ),
    ).toEqual(DEPRECATED_WEBHOOK_EVENT_TYPES);
    const edges = await t.app.sql.query<{ from: string; to: string }>(
      `SELECT from_status::text AS "from", to_status::text AS "to" FROM webhook_endpoint_status_transitions ORDER BY 1, 2`,
    );
    const core = Object.entries(WEBHOOK_ENDPOINT_TRANSITIONS)
      .flatMap(([from, next]) => Object.values(next).map((to) => ({ from, to: to as string })))
      .sort((a, b) => `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`));
    expect(edges).toEqual(core);
    // The trigger refuses an edge the table lacks.
    await expect(
      t.app.sql.execute(
        "UPDATE webhook_endpoints SET status = 'ENABLED', version = version + 1 WHERE status = 'DELETED'",
      ),
    ).rejects.toThrow(/illegal webhook endpoint transition|is deleted/);
  });
});
