// Goal: a malformed GraphQL request, as an outside tester sends it over real HTTP, is a 400 BAD_REQUEST that quotes
// nothing of what was sent and writes nothing: JSON with a syntax error next to a card number and CVC, a body that is
// not valid UTF-8, a GET or form request whose variables are not JSON. An unpaired surrogate in free text is
// INVALID_INPUT; well-formed text in any script is stored as sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

/** A Luhn-valid number no test tokenizes, and a CVC: neither may come back in any answer. */
const CARD_DIGITS = "4000056655665556";
const CVC = "987";
const CREATE_PAYMENT =
  "mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { description } errors { code } } }";
const TOKENIZE = "mutation($input: TokenizeCardInput!) { tokenizeCard(input: $input) { errors { code } } }";

let t: TestApp;
let merchant: TestMerchant;
let paymentMethodId: string;

beforeAll(async () => {
  t = await createTestApp({ listen: true, graphql: { production: true } });
  merchant = await t.createMerchant();
  paymentMethodId = await t.tokenize(merchant.publishableKey);
});
afterAll(async () => {
  await t?.close();
});

interface Answer {
  status: number;
  raw: string;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function send(
  path: string,
  init: { method: string; body?: BodyInit; contentType?: string; key?: string },
) {
  const response = await fetch(`${t.url}${path}`, {
    method: init.method,
    headers: {
      authorization: `Bearer ${init.key ?? merchant.secretKey}`,
      ...(init.contentType ? { "content-type": init.contentType } : {}),
    },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const raw = await response.text();
  return { status: response.status, raw, body: JSON.parse(raw) } as Answer;
}

function expectBadRequest(answer: Answer, message: string) {
  expect(answer.status, answer.raw).toBe(400);
  expect(answer.body.errors).toEqual([{ message, extensions: { code: "BAD_REQUEST" } }]);
}

function createPaymentJson(description: string): string {
  return JSON.stringify({
    query: CREATE_PAYMENT,
    variables: {
      input: { idempotencyKey: newKey("parse"), amount: 1000, currency: "USD", paymentMethodId, description },
    },
  });
}

describe("a JSON body with a syntax error", () => {
  // V8's message quotes the text around the error (the whole body, as Yoga passed it on); it used to be sent back
  // in extensions.originalError.
  it.each([
    ["a missing value after the card", `"card":{"number":"${CARD_DIGITS}","cvc":"${CVC}","expMonth":}`],
    ["a stray token after the card", `"card":{"number":"${CARD_DIGITS}","cvc":"${CVC}"} x`],
    ["a truncated body", `"card":{"number":"${CARD_DIGITS}","cvc":"${CVC}`],
  ])("is refused without quoting it: %s", async (_name, card) => {
    const body = `{"query":${JSON.stringify(TOKENIZE)},"variables":{"input":{"idempotencyKey":"k1",${card}}}}`;
    const answer = await send("/graphql", {
      method: "POST",
      body,
      contentType: "application/json",
      key: merchant.publishableKey,
    });
    expectBadRequest(answer, "POST body sent invalid JSON.");
    expect(answer.raw).not.toContain(CARD_DIGITS.slice(-6));
    expect(answer.raw).not.toContain(CVC);
  });

  it.each([
    ["null", "null"],
    ["12", "number"],
    ['"text"', "string"],
  ])("refuses a body that is JSON but not an object: %s", async (body, kind) => {
    const answer = await send("/graphql", { method: "POST", body, contentType: "application/json" });
    expectBadRequest(answer, `POST body is expected to be object but received ${kind}`);
  });
});

describe("a body that is not valid UTF-8", () => {
  it.each([
    ["a byte that starts no character", [0xff]],
    ["a truncated two-byte character", [0xc3]],
    ["an overlong encoding of '/'", [0xc0, 0xaf]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
  ])("is refused and writes nothing: %s", async (_name, bytes) => {
    const [before, after] = createPaymentJson("@@").split("@@");
    const body = Buffer.concat([Buffer.from(before ?? ""), Buffer.from(bytes), Buffer.from(after ?? "")]);
    const payments = await t.countRows("payments");
    const answer = await send("/graphql", { method: "POST", body, contentType: "application/json" });
    expectBadRequest(answer, "The request body is not valid UTF-8.");
    expect(await t.countRows("payments")).toBe(payments);
  });

  it("refuses a GraphQL document (application/graphql) that is not valid UTF-8", async () => {
    const body = Buffer.concat([Buffer.from("{ balance { currency } } # "), Buffer.from([0xff])]);
    const answer = await send("/graphql", { method: "POST", body, contentType: "application/graphql" });
    expectBadRequest(answer, "The request body is not valid UTF-8.");
  });

  it.each([
    ["a byte that starts no character", "%FF"],
    ["a truncated two-byte character", "%C3"],
    ["an encoded surrogate", "%ED%A0%80"],
  ])("refuses a GET whose query string is not percent-encoded UTF-8: %s", async (_name, bytes) => {
    const answer = await send(`/graphql?query=${encodeURIComponent("{ balance { currency } } # ")}${bytes}`, {
      method: "GET",
    });
    expectBadRequest(answer, "The query string is not valid percent-encoded UTF-8.");
  });

  it("accepts a GET and a GraphQL document with well-formed UTF-8 in them", async () => {
    const document = "{ balance { currency } } # café, 東京";
    const viaGet = await send(`/graphql?query=${encodeURIComponent(document)}`, { method: "GET" });
    expect(viaGet.status, viaGet.raw).toBe(200);
    const viaBody = await send("/graphql", {
      method: "POST",
      body: document,
      contentType: "application/graphql",
    });
    expect(viaBody.status, viaBody.raw).toBe(200);
    expect(viaBody.body.errors).toBeUndefined();
  });

  it("refuses an unpaired surrogate escaped in the JSON (valid UTF-8, not a character) as INVALID_INPUT", async () => {
    // JSON's \ud800 escape decodes to half a pair; Postgres would have stored U+FFFD in its place.
    const body = createPaymentJson("@@").replace("@@", "invoice \\ud800 42");
    const payments = await t.countRows("payments");
    const answer = await send("/graphql", { method: "POST", body, contentType: "application/json" });
    expect(answer.status, answer.raw).toBe(200);
    expect(answer.body.data).toEqual({
      createPayment: { payment: null, errors: [{ code: "INVALID_INPUT" }] },
    });
    expect(await t.countRows("payments")).toBe(payments);
  });

  it("accepts well-formed text in any script and stores it as sent", async () => {
    const description = "Café crème, 東京, Ελλάδα, 🧾 receipt";
    const answer = await send("/graphql", {
      method: "POST",
      body: createPaymentJson(description),
      contentType: "application/json",
    });
    expect(answer.status, answer.raw).toBe(200);
    const payment = (answer.body.data as { createPayment: { payment: { description: string } } })
      .createPayment.payment;
    expect(payment.description).toBe(description);
  });
});

describe("a content type the API does not read", () => {
  it.each(["text/plain", "application/xml", "application/octet-stream"])(
    "is answered 415 UNSUPPORTED_MEDIA_TYPE with a reason: %s",
    async (contentType) => {
      const answer = await send("/graphql", {
        method: "POST",
        body: '{"query":"{ balance { currency } }"}',
        contentType,
      });
      expect(answer.status, answer.raw).toBe(415);
      expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "UNSUPPORTED_MEDIA_TYPE" });
    },
  );
});

describe("parameters in the URL or a form", () => {
  const query = encodeURIComponent("{ balance { currency } }");

  it.each([
    ["variables", "%7B"],
    ["variables", "%7B%22a%22%3A%7D"],
    ["extensions", "not-json"],
  ])("answers a GET whose %s is not JSON (%s) with 400, not 500", async (parameter, value) => {
    const answer = await send(`/graphql?query=${query}&${parameter}=${value}`, { method: "GET" });
    expectBadRequest(answer, "The variables or extensions parameter is not valid JSON.");
  });

  it("answers a form whose variables are not JSON with 400", async () => {
    const answer = await send("/graphql", {
      method: "POST",
      body: `query=${query}&variables=%7B`,
      contentType: "application/x-www-form-urlencoded",
    });
    expectBadRequest(answer, "The variables or extensions parameter is not valid JSON.");
  });

  it("still answers a well-formed GET query", async () => {
    const answer = await send(`/graphql?query=${query}&variables=%7B%7D`, { method: "GET" });
    expect(answer.status, answer.raw).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toHaveProperty("balance");
  });
});
