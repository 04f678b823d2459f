// Goal: operators see a merchant's webhook endpoints, its latest failures and an endpoint's delivery log with
// filters; operators and admins replay an event (audited, through the core command), viewers cannot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedMerchant, seedPayment } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let viewer: Browser;
let operator: Browser;

beforeAll(async () => {
  c = await createTestConsole();
  viewer = await c.signedIn("VIEWER");
  operator = await c.signedIn("OPERATOR");
});
afterAll(async () => {
  await c?.close();
});

describe("merchant webhooks in the console", () => {
  it("lists endpoints and deliveries, filters the log, and replays for operators only", async () => {
    const app = c.t.app;
    const merchant = await seedMerchant(app, `Webhooks ${Math.random().toString(36).slice(2, 8)}`);
    const owner = {
      merchantId: merchant.id,
      mode: "TEST" as const,
      actor: { operatorId: null, name: "test:seed" },
    };
    // Nobody listens on this loopback port: deliveries fail and show as failures.
    const { endpoint } = await app.services.merchantWebhooks.endpoints.create(owner, {
      url: "http://127.0.0.1:9/hook",
      enabledEvents: ["payment.created"],
    });
    await seedPayment(app, merchant);
    const job = app.services.merchantWebhooks.deliveryJob(
      (await import("pino")).default({ level: "silent" }),
    );
    await job.pass();

    const overview = await (await viewer.api()).webhooks.overview({
      merchantId: merchant.id,
      endpointId: endpoint.id,
    });
    expect(overview.endpoints.map((e) => e.id)).toEqual([endpoint.id]);
    expect(overview.failures).toHaveLength(1);
    expect(overview.log?.[0]).toMatchObject({
      eventType: "payment.created",
      status: "PENDING",
      attemptCount: 1,
    });
    expect(overview.log?.[0]?.attempts[0]?.error).toBe("connection refused");
    const filtered = await (await viewer.api()).webhooks.overview({
      merchantId: merchant.id,
      endpointId: endpoint.id,
      status: "SUCCEEDED",
    });
    expect(filtered.log).toEqual([]);

    const eventId = overview.log?.[0]?.eventId as string;
    await expect(
      (await viewer.api()).webhooks.replay({ merchantId: merchant.id, endpointId: endpoint.id, eventId }),
    ).rejects.toThrow();
    const replayed = await (await operator.api()).webhooks.replay({
      merchantId: merchant.id,
      endpointId: endpoint.id,
      eventId,
    });
    expect(replayed.deliveryId).toMatch(/^whd_/);
    const { entries } = await c.services.operators.listAudit({
      search: endpoint.id,
      operatorId: null,
      beforeId: null,
      first: 10,
    });
    expect(entries.map((entry) => entry.action)).toContain("webhook_endpoint.replay");
  });
});

describe("webhook endpoint management in the console", () => {
  it("creates (secret once), edits, disables, rolls and deletes through the core commands, audited", async () => {
    const merchant = await seedMerchant(c.t.app, `Endpoints ${Math.random().toString(36).slice(2, 8)}`);
    const api = await operator.api();
    const created = await api.webhooks.createEndpoint({
      merchantId: merchant.id,
      mode: "TEST",
      url: "http://127.0.0.1:9/hooks",
      enabledEvents: ["invoice.paid", "dispute.created"],
    });
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.enabledEvents).toEqual(["dispute.created", "invoice.paid"]);
    await expect(
      (await viewer.api()).webhooks.createEndpoint({
        merchantId: merchant.id,
        mode: "TEST",
        url: "http://127.0.0.1:9/other",
        enabledEvents: ["*"],
      }),
    ).rejects.toThrow();
    await expect(
      api.webhooks.createEndpoint({
        merchantId: merchant.id,
        mode: "TEST",
        url: "http://127.0.0.1:9/x",
        enabledEvents: ["no.such_type"],
      }),
    ).rejects.toThrow(/Unknown event type/);

    const edited = await api.webhooks.updateEndpoint({
      merchantId: merchant.id,
      endpointId: created.id,
      enabledEvents: ["*"],
    });
    expect(edited).toMatchObject({ enabledEvents: ["*"], secret: null });
    const disabled = await api.webhooks.setEndpointState({
      merchantId: merchant.id,
      endpointId: created.id,
      change: "DISABLE",
    });
    expect(disabled.status).toBe("DISABLED");
    const rolled = await api.webhooks.rollSecret({ merchantId: merchant.id, endpointId: created.id });
    expect(rolled.secret).toMatch(/^whsec_/);
    expect(rolled.secret).not.toBe(created.secret);
    const secrets = await c.t.app.services.merchantWebhooks.endpoints.signingSecrets(created.id);
    expect(secrets).toEqual([rolled.secret, created.secret]);
    const deleted = await api.webhooks.setEndpointState({
      merchantId: merchant.id,
      endpointId: created.id,
      change: "DELETE",
    });
    expect(deleted.status).toBe("DELETED");
    const { entries } = await c.services.operators.listAudit({
      search: created.id,
      operatorId: null,
      beforeId: null,
      first: 20,
    });
    expect(entries.map((entry) => entry.action).sort()).toEqual(
      [
        "webhook_endpoint.create",
        "webhook_endpoint.delete",
        "webhook_endpoint.disable",
        "webhook_endpoint.roll_secret",
        "webhook_endpoint.update",
      ].sort(),
    );
  });
});
