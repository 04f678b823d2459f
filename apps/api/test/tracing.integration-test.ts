// Goal: one trace per request, exported by OTLP (issue 22). Tracing is started
// as the entry points start it (before pg and ioredis are loaded), pointed at
// an OTLP/HTTP receiver this test runs on loopback; a payment is sent to a
// real API on a loopback port, with real Redis, paying through the sandbox PSP
// server. The receiver gets one trace holding the HTTP request, the GraphQL
// operation, the core command (with the payment id), its SQL (node-postgres),
// its Redis commands (ioredis), and the PSP call (our span with the payment id,
// and the SDK's outgoing HTTP request inside it). A log line written inside a
// span carries its trace id.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

const received: ExportedSpan[] = [];
let receiver: Server;
let receiverUrl: string;
let tracing: { flush(): Promise<void>; shutdown(): Promise<void> };
// Loaded after tracing starts (see tracing.ts): typed through the dynamic import.
let harness: typeof import("../src/testing/test-app");
let sandboxModule: typeof import("@paycore/psp-sandbox/sandbox-server");
let t: Awaited<ReturnType<typeof harness.createTestApp>>;
let sandbox: Awaited<ReturnType<typeof sandboxModule.startSandbox>>;

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};

function flatten(attributes: Array<{ key: string; value: OtlpValue }> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of attributes ?? [])
    out[key] = value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
  return out;
}

beforeAll(async () => {
  // The OTLP/HTTP receiver: JSON export requests on POST /v1/traces.
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method === "POST" && request.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }>;
        };
        for (const resource of body.resourceSpans)
          for (const scope of resource.scopeSpans)
            for (const span of scope.spans)
              received.push({
                traceId: span.traceId as string,
                spanId: span.spanId as string,
                ...(span.parentSpanId ? { parentSpanId: span.parentSpanId as string } : {}),
                name: span.name as string,
                kind: span.kind as number,
                attributes: flatten(span.attributes as Array<{ key: string; value: OtlpValue }>),
              });
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const { startTracing } = await import("@paycore/platform/tracing/tracing");
  const started = await startTracing({ endpoint: receiverUrl, serviceName: "paycore-api-test" });
  if (started === null) throw new Error("tracing did not start");
  tracing = started;
  harness = await import("../src/testing/test-app");
  sandboxModule = await import("@paycore/psp-sandbox/sandbox-server");
  sandbox = await sandboxModule.startSandbox({ port: 0, seed: 3 });
  t = await harness.createTestApp({
    pspSandboxUrl: sandbox.url,
    listen: true,
    redisUrl: "redis://127.0.0.1:6379",
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
  await tracing?.shutdown();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

describe("traces", () => {
  it("exports one trace per payment request: HTTP, GraphQL, the command, SQL, Redis and the PSP call", async () => {
    const merchant = await t.createMerchant();
    const method = await t.tokenize(merchant.publishableKey);
    const response = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${merchant.secretKey}` },
      body: JSON.stringify({
        query: `mutation TracedPayment($input: CreatePaymentInput!) {
          createPayment(input: $input) { payment { id status pspName } errors { code } } }`,
        variables: {
          input: {
            idempotencyKey: harness.newKey(),
            amount: "1999",
            currency: "EUR",
            paymentMethodId: method,
          },
        },
      }),
    });
    const body = (await response.json()) as {
      data: { createPayment: { payment: { id: string; status: string; pspName: string } } };
    };
    const payment = body.data.createPayment.payment;
    expect(payment.status).toBe("CAPTURED");
    await tracing.flush();

    const server = received.find((s) => s.name.startsWith("graphql mutation TracedPayment"));
    expect(server, "the GraphQL span").toBeDefined();
    const trace = received.filter((s) => s.traceId === server?.traceId);
    const names = trace.map((s) => s.name);
    // The request's root on the server side: the HTTP instrumentation's server span (kind 2 = SERVER).
    expect(trace.some((s) => s.kind === 2 && s.attributes["http.route"] !== "/metrics")).toBe(true);
    const command = trace.find((s) => s.name === "command createPayment");
    expect(command?.attributes["paycore.payment_id"]).toBe(payment.id);
    const psp = trace.find((s) => s.name === `psp ${payment.pspName} authorize`);
    expect(psp?.attributes["paycore.payment_id"]).toBe(payment.id);
    // The SDK's request to the sandbox, inside the PSP span (kind 3 = CLIENT).
    expect(trace.some((s) => s.kind === 3 && s.parentSpanId === psp?.spanId)).toBe(true);
    // node-postgres' spans name the system in the newer semantic conventions' attribute, ioredis' in the older one.
    const system = (s: ExportedSpan) => s.attributes["db.system.name"] ?? s.attributes["db.system"];
    expect(trace.filter((s) => system(s) === "postgresql").length).toBeGreaterThan(0);
    expect(trace.filter((s) => system(s) === "redis").length).toBeGreaterThan(0);
    expect(names).toContain("command createPayment");
    // No card number or secret in any exported attribute.
    const exported = JSON.stringify(trace);
    expect(exported).not.toContain(merchant.secretKey);
    expect(exported).not.toMatch(/4242424242424242/);
  });

  it("puts the trace id on log lines written inside a span", async () => {
    const { createLogger } = await import("@paycore/platform/logger");
    const { inSpan } = await import("@paycore/platform/tracing/spans");
    const { trace } = await import("@opentelemetry/api");
    const lines: string[] = [];
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk, _encoding, callback) {
          lines.push(String(chunk));
          callback();
        },
      }),
    );
    let traceId = "";
    await inSpan("log test", { marker: randomBytes(4).toString("hex") }, async () => {
      traceId = trace.getActiveSpan()?.spanContext().traceId ?? "";
      logger.info("inside a span");
    });
    logger.info("outside any span");
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ msg: "inside a span", trace_id: traceId });
    expect(JSON.parse(lines[1] as string).trace_id).toBeUndefined();
  });
});
