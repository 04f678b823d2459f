// Drill (`npm run drill:tls`): the local cluster's TLS. HAProxy terminates TLS for the API (8448 -> 4000) and
// the console (8449 -> 4020) with the certificate of the cluster's test CA and sends HSTS; a client that trusts
// the CA pays through it, one that trusts only the system's CAs is refused at the handshake. PostgreSQL, through
// HAProxy, speaks TLS to a client that checks it against the CA (sslmode=verify-full: the CA and the name
// 127.0.0.1) and is refused by one that does not trust the CA.

import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { closeServer, listen } from "@paycore/api/server";
import { figuresTable } from "@paycore/api/testing/load-client";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "@paycore/api/testing/test-app";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drillDatabase } from "./drill-harness";
import { BEHIND_TLS, HAPROXY, HOST } from "./layout";
import { tlsFiles } from "./tls";
import { clusterUp, defaultClusterDir } from "./up";

const files = tlsFiles(defaultClusterDir());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request; `ca` undefined means the system's CAs only. */
function https(
  port: number,
  path: string,
  options: { ca?: string; body?: string; key?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: HOST,
        port,
        path,
        method: options.body ? "POST" : "GET",
        servername: "localhost",
        ...(options.ca ? { ca: options.ca } : {}),
        headers: {
          ...(options.body ? { "content-type": "application/json" } : {}),
          ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
        },
        timeout: 10_000,
      },
      (response) => {
        let body = "";
        response.on("data", (chunk) => {
          body += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    request.on("error", reject);
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.end(options.body);
  });
}

async function refusal(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  }
  throw new Error("expected the connection to be refused");
}

describe("drill: TLS in front of the API and the console, and to Postgres", () => {
  let ca: string;
  let t: TestApp;
  let merchant: TestMerchant;
  let server: Server;
  /** What each check saw, printed after the three (pass or fail). */
  const figures: Array<readonly [string, string | number]> = [];

  beforeAll(async () => {
    await clusterUp({ nodes: 3, migrate: false });
    ca = readFileSync(files.caCert, "utf8");
    t = await createTestApp({ databaseUrl: await drillDatabase(), redisUrl: null });
    merchant = await t.createMerchant();
    // The API where the TLS front sends it (its default port, as `npm start` runs it).
    server = await listen(t.app, BEHIND_TLS.api, HOST).catch((error: Error) => {
      throw new Error(
        `port ${BEHIND_TLS.api} must be free: HAProxy's TLS front for the API forwards there (${error.message})`,
      );
    });
  }, 300_000);

  afterAll(async () => {
    console.log(figuresTable("TLS: HAProxy's fronts and Postgres through HAProxy", figures));
    if (server) await closeServer(server);
    await t?.close();
  });

  it("a client trusting the CA pays through HAProxy's TLS front and gets HSTS; one that does not is refused", async () => {
    const paymentMethodId = await t.tokenize(merchant.publishableKey);
    const answer = await https(HAPROXY.apiTls, "/graphql", {
      ca,
      key: merchant.secretKey,
      body: JSON.stringify({
        query:
          "mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } errors { code } } }",
        variables: {
          input: { idempotencyKey: newKey("tls"), amount: "1200", currency: "EUR", paymentMethodId },
        },
      }),
    });
    figures.push(
      [`API https://${HOST}:${HAPROXY.apiTls}, CA trusted: HTTP status`, answer.status],
      ["  payment created", /"id":"(pay_[^"]+)"/.exec(answer.body)?.[1] ?? answer.body.slice(0, 80)],
      ["  Strict-Transport-Security", String(answer.headers["strict-transport-security"] ?? "none")],
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).data.createPayment.payment.id).toMatch(/^pay_/);
    expect(answer.headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");

    const untrusting = await refusal(() => https(HAPROXY.apiTls, "/health", {}));
    figures.push(["API, system CAs only: refused with", untrusting]);
    expect(untrusting).toMatch(
      /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
    );
  });

  it("the console's TLS front sends HSTS even when nothing answers behind it, and refuses an untrusting client", async () => {
    const answer = await https(HAPROXY.consoleTls, "/", { ca });
    figures.push([
      `console https://${HOST}:${HAPROXY.consoleTls}, CA trusted: status / Strict-Transport-Security`,
      `${answer.status} / ${String(answer.headers["strict-transport-security"] ?? "none")}`,
    ]);
    expect(answer.headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    const untrusting = await refusal(() => https(HAPROXY.consoleTls, "/", {}));
    figures.push(["console, system CAs only: refused with", untrusting]);
    expect(untrusting).toMatch(
      /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
    );
  });

  it("Postgres through HAProxy: TLS checked against the CA and the name; refused by a client without the CA", async () => {
    const [{ ssl, version }] = (await t.app.sql.query<{ ssl: boolean; version: string }>(
      "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )) as [{ ssl: boolean; version: string }];
    figures.push(["the API's Postgres connection (pg_stat_ssl): ssl / version", `${ssl} / ${version}`]);
    expect(ssl).toBe(true);
    expect(version).toMatch(/^TLSv1\.[23]$/);

    const untrusting = new pg.Client({
      host: HOST,
      port: HAPROXY.readWrite,
      user: "postgres",
      database: "postgres",
      ssl: { rejectUnauthorized: true },
    });
    untrusting.on("error", () => undefined);
    const refused = await refusal(() => untrusting.connect());
    await untrusting.end().catch(() => undefined);
    figures.push(["Postgres through HAProxy, CA not trusted: refused with", refused]);
    expect(refused).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|self-signed/);
  });
});
