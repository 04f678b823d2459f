// The request body limit over real HTTP: a declared length above it is refused
// from the header, a chunked body is counted as it streams, and a refused
// request writes nothing.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_BODY_MAX_BYTES } from "../src/plugins/use-request-body-limit";
import { CREATE_PAYMENT } from "../src/testing/load-client";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

let t: TestApp;
let merchant: TestMerchant;
let paymentMethodId: string;

beforeAll(async () => {
  t = await createTestApp({ listen: true });
  merchant = await t.createMerchant();
  paymentMethodId = await t.tokenize(merchant.publishableKey);
});

afterAll(async () => {
  await t?.close();
});

/** A createPayment request whose JSON is padded with whitespace to `size` bytes (still valid JSON). */
function createPaymentBody(size: number): string {
  const body = JSON.stringify({
    query: CREATE_PAYMENT,
    variables: {
      input: {
        idempotencyKey: newKey("limit"),
        amount: 1000,
        currency: "USD",
        paymentMethodId,
        captureMethod: "AUTOMATIC",
      },
    },
  });
  return body.padEnd(size, " ");
}

interface HttpAnswer {
  status: number;
  body: { data?: unknown; errors?: { extensions?: { code?: string } }[] };
}

/** POSTs /graphql in `chunks` pieces; `chunked` leaves Content-Length out, so the body is sent chunked. */
function post(body: string, options: { chunked: boolean }): Promise<HttpAnswer> {
  const url = new URL("/graphql", t.url ?? "");
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${merchant.secretKey}`,
          ...(options.chunked ? {} : { "content-length": String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => parts.push(part));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString("utf8")) }),
        );
        res.on("error", reject);
      },
    );
    // The server may answer and close before the whole body is sent; the answer is what counts.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    const piece = 64 * 1024;
    for (let at = 0; at < body.length; at += piece) req.write(body.slice(at, at + piece));
    req.end();
  });
}

async function paymentCount(): Promise<number> {
  return t.countRows("payments");
}

describe("request body limit", () => {
  it("answers a body of exactly the limit, declared or chunked", async () => {
    for (const chunked of [false, true]) {
      const answer = await post(createPaymentBody(REQUEST_BODY_MAX_BYTES), { chunked });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toMatchObject({ createPayment: { payment: { status: "CAPTURED" } } });
    }
    await t.expectLedgerBalanced();
  });

  it.each([
    ["a declared length one byte over the limit, refused from the header", false],
    ["a chunked body one byte over the limit, counted as it streams", true],
  ])("refuses %s with 413, and writes nothing", async (_label, chunked) => {
    const before = await paymentCount();
    const answer = await post(createPaymentBody(REQUEST_BODY_MAX_BYTES + 1), { chunked });
    expect(answer.status).toBe(413);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("REQUEST_ENTITY_TOO_LARGE");
    expect(await paymentCount()).toBe(before);
    await t.expectLedgerBalanced();
  });

  it("refuses a Content-Length that is not a number of bytes with 400", async () => {
    // Node's HTTP parser refuses such a header itself; a fetch-style caller in the same process reaches the plugin.
    const response = await t.app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": "12, 12",
        authorization: `Bearer ${merchant.secretKey}`,
      },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as HttpAnswer["body"];
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });
});
