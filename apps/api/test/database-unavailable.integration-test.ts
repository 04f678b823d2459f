// Goal: while the API's database cannot be reached (what a failover looks like from the API: its connections
// cut, new ones dropped until the new leader is routed), a mutation is answered SERVICE_UNAVAILABLE (HTTP 503
// with Retry-After), never a masked "Unexpected error." nor a driver message; once the database is back the
// pool serves on new connections and the same idempotency key gets exactly one payment, with nothing left in
// progress and the ledger balanced. The database sits behind a TCP relay this test owns, on loopback.
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { createTestDatabase } from "@paycore/db/testing/test-database";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status } errors { code retryable } }
}`;

/** A TCP relay to Postgres that can cut every connection and drop new ones (the leader gone), then heal. */
async function startRelay(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("the relay has no port");
  return {
    port: address.port,
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    heal() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("the database unreachable under the API", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let t: TestApp;
  let merchant: TestMerchant;

  beforeAll(async () => {
    database = await createTestDatabase(inject("adminDatabaseUrl"), inject("templateDatabase"));
    const direct = new URL(database.url);
    relay = await startRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
    const relayed = new URL(database.url);
    relayed.hostname = "127.0.0.1";
    relayed.port = String(relay.port);
    t = await createTestApp({ databaseUrl: relayed.toString() });
    merchant = await t.createMerchant();
  });

  afterAll(async () => {
    relay?.heal();
    await t?.close();
    await relay?.close();
    await database?.drop();
  });

  it("answers SERVICE_UNAVAILABLE while it is gone, then one payment for the key once it is back", async () => {
    const paymentMethodId = await t.tokenize(merchant.publishableKey);
    const input = { amount: "1500", currency: "EUR", paymentMethodId };
    const warm = await t.gql<{ createPayment: { payment: { id: string } | null } }>(
      merchant.secretKey,
      CREATE,
      {
        input: { ...input, idempotencyKey: newKey("warm") },
      },
    );
    expect(warm.data?.createPayment.payment?.id).toMatch(/^pay_/);

    relay.cut();
    const key = newKey("cut");
    const during = await t.gql(merchant.secretKey, CREATE, { input: { ...input, idempotencyKey: key } });
    expect(during.status).toBe(503);
    expect(during.headers.get("retry-after")).toBe("2");
    expect(during.errors?.map((e) => e.extensions?.code)).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(during.raw).not.toMatch(/Connection terminated|ECONN|node-postgres|prisma/i);

    relay.heal();
    const after = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
      merchant.secretKey,
      CREATE,
      { input: { ...input, idempotencyKey: key } },
    );
    expect(after.status).toBe(200);
    const paymentId = after.data?.createPayment.payment?.id;
    expect(paymentId).toMatch(/^pay_/);
    const again = await t.gql<{ createPayment: { payment: { id: string } | null } }>(
      merchant.secretKey,
      CREATE,
      {
        input: { ...input, idempotencyKey: key },
      },
    );
    expect(again.data?.createPayment.payment?.id).toBe(paymentId);

    expect(await t.countRows("payments")).toBe(2);
    const inProgress = await t.app.db.idempotencyRecord.count({ where: { status: "IN_PROGRESS" } });
    expect(inProgress).toBe(0);
    await t.expectLedgerBalanced();
  });
});
