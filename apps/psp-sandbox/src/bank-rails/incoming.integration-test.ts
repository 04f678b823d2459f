// The sandbox bank's own contract: a simulated credit is signed as the API expects (the API's own verifier is
// exercised end to end by apps/api/test/bank-transfers.integration-test.ts), a held notification is delivered on request, and a return is idempotent by its key and
// never sends back more than the transfer brought.
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxHandle, startSandbox } from "../sandbox-server";

const SECRET = "bank-sandbox-test-secret-0123456789abcdef";
const received: Array<{ signature: string | null; body: string }> = [];
let sandbox: SandboxHandle;
let receiver: ReturnType<typeof createServer>;

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      const signature = request.headers["bank-signature"];
      received.push({ signature: typeof signature === "string" ? signature : null, body });
      response.writeHead(200).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  sandbox = await startSandbox({ port: 0 });
  await post("/__sandbox/bank/webhook", { url: `http://127.0.0.1:${port}/webhooks/bank`, secret: SECRET });
});

afterAll(async () => {
  await sandbox?.stop();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the sandbox bank", () => {
  it("signs each notification with the shared secret, and holds one until asked", async () => {
    received.length = 0;
    const sent = await post("/__sandbox/bank/incoming", {
      reference: "PCABCDEFGH1234",
      amount: "500",
      currency: "EUR",
    });
    expect(sent.body.deliveries).toEqual([200]);
    const held = await post("/__sandbox/bank/incoming", {
      reference: "PCABCDEFGH1234",
      amount: "700",
      currency: "EUR",
      deliver: "hold",
    });
    expect(received).toHaveLength(1);
    await post("/__sandbox/bank/incoming/deliver", { eventIds: [held.body.eventId] });
    expect(received).toHaveLength(2);
    for (const { signature, body } of received) {
      const timestamp = /^t=(\d+),v1=[0-9a-f]{64}$/.exec(signature ?? "")?.[1];
      expect(Math.abs(Number(timestamp) * 1000 - Date.now())).toBeLessThan(60_000);
      const mac = createHmac("sha256", SECRET).update(`${timestamp}.${body}`).digest("hex");
      expect(signature).toBe(`t=${timestamp},v1=${mac}`);
      expect(JSON.parse(body)).toMatchObject({ type: "credit_transfer.received", currency: "EUR" });
    }
  });

  it("returns at most what a transfer brought, replaying the answer for a key", async () => {
    const sent = await post("/__sandbox/bank/incoming", {
      iban: "NL00PYCR0000000000",
      amount: "1000",
      currency: "EUR",
    });
    const transferId = sent.body.transferId;
    const first = await post(
      "/bank/v1/returns",
      { transferId, amount: "600", currency: "EUR" },
      { "idempotency-key": "k1" },
    );
    expect(first.status).toBe(200);
    const again = await post(
      "/bank/v1/returns",
      { transferId, amount: "600", currency: "EUR" },
      { "idempotency-key": "k1" },
    );
    expect(again).toEqual(first);
    const over = await post(
      "/bank/v1/returns",
      { transferId, amount: "600", currency: "EUR" },
      { "idempotency-key": "k2" },
    );
    expect(over.status).toBe(422);
    const unknown = await post(
      "/bank/v1/returns",
      { transferId: "btr_x", amount: "1", currency: "EUR" },
      { "idempotency-key": "k3" },
    );
    expect(unknown.status).toBe(404);
    const noKey = await post("/bank/v1/returns", { transferId, amount: "1", currency: "EUR" });
    expect(noKey.status).toBe(400);
  });
});
