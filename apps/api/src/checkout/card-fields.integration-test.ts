// Goal: the card fields iframe is served only for an active publishable key and a parent origin registered for
// that key (managed over the API: validated, bounded, audited; a rolled key keeps them); its CSP lets only that origin frame it, allows only its own script and requests to its own
// origin; an unregistered origin or a secret key gets a refusal that forbids framing; the script it loads is
// served locally and answers only the registered origin (never "*").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, type TestMerchant } from "../testing/test-app";
import { CARD_FIELDS_SCRIPT } from "./card-fields-script";

const SHOP = "https://shop.example";

describe("hosted card fields", () => {
  let t: TestApp;
  let merchant: TestMerchant;

  beforeAll(async () => {
    t = await createTestApp({ redisUrl: null });
    merchant = await t.createMerchant({ accessPolicy: { allowedOrigins: [SHOP] } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const fields = (pk: string, origin: string) =>
    t.app.http.fetch(
      `http://127.0.0.1/elements/card-fields?pk=${encodeURIComponent(pk)}&origin=${encodeURIComponent(origin)}`,
    );

  it("serves the fields to a registered origin only, framed by it alone", async () => {
    const answer = await fields(merchant.publishableKey, SHOP);
    expect(answer.status).toBe(200);
    const csp = answer.headers.get("content-security-policy") ?? "";
    expect(csp).toContain(`frame-ancestors ${SHOP}`);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await answer.text();
    expect(html).toContain(`data-parent-origin="${SHOP}"`);
    expect(html).toContain('<script src="/elements/card-fields.js"></script>');
    expect(html).toContain('autocomplete="cc-number"');
  });

  it.each([
    [
      "an unregistered origin",
      () => [merchant.publishableKey, "https://evil.example"],
      403,
      "ORIGIN_NOT_ALLOWED",
    ],
    ["a wildcard", () => [merchant.publishableKey, "*"], 403, "ORIGIN_NOT_ALLOWED"],
    ["a secret key", () => [merchant.secretKey, SHOP], 401, "UNAUTHENTICATED"],
    ["an unknown key", () => ["pk_test_0000000000000000000000000000", SHOP], 401, "UNAUTHENTICATED"],
  ] as const)("refuses %s, and forbids framing the refusal", async (_name, args, status, code) => {
    const [pk, origin] = args();
    const answer = await fields(pk ?? "", origin ?? "");
    expect(answer.status).toBe(status);
    expect(answer.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await answer.text()).toContain(`data-error-code="${code}"`);
  });

  it("takes its origins from the publishable key: managed over the API, validated, bounded, audited", async () => {
    const KEYS = `{ publishableKeys { id displayHint allowedOrigins } }`;
    const UPDATE = `mutation($input: UpdatePublishableKeyOriginsInput!) {
      updatePublishableKeyOrigins(input: $input) { publishableKey { id allowedOrigins } errors { code field } }
    }`;
    const other = await t.createMerchant();
    expect((await fields(other.publishableKey, SHOP)).status).toBe(403);
    // The merchant's own list (CORS) no longer decides who may frame the card fields.
    await t.gql(
      other.secretKey,
      `mutation { updateAllowedOrigins(input: { origins: ["${SHOP}"] }) { errors { code } } }`,
    );
    expect((await fields(other.publishableKey, SHOP)).status).toBe(403);

    const listed = await t.gql<{ publishableKeys: Array<{ id: string; allowedOrigins: string[] }> }>(
      other.secretKey,
      KEYS,
    );
    expect(listed.data?.publishableKeys).toHaveLength(1);
    const keyId = listed.data?.publishableKeys[0]?.id as string;
    expect(listed.data?.publishableKeys[0]?.allowedOrigins).toEqual([]);
    const update = (origins: string[], id = keyId, key = other.secretKey) =>
      t.gql<{ updatePublishableKeyOrigins: { publishableKey: unknown; errors: unknown[] } }>(key, UPDATE, {
        input: { publishableKeyId: id, origins },
      });
    for (const bad of [
      ["https://*.shop.example"],
      ["http://shop.example"],
      ["https://shop.example/checkout"],
      Array.from({ length: 21 }, (_, index) => `https://shop${index}.example`),
    ]) {
      expect((await update(bad)).data?.updatePublishableKeyOrigins).toEqual({
        publishableKey: null,
        errors: [{ code: "INVALID_INPUT", field: ["origins"] }],
      });
    }
    const notFound = {
      publishableKey: null,
      errors: [{ code: "API_KEY_NOT_FOUND", field: ["publishableKeyId"] }],
    };
    expect(
      (await update([SHOP], "key_00000000000000000000000000")).data?.updatePublishableKeyOrigins,
    ).toEqual(notFound);
    // Another merchant's key, and a key of the other mode, are not found either.
    const mine = await t.gql<{ publishableKeys: Array<{ id: string }> }>(merchant.secretKey, KEYS);
    expect(
      (await update([SHOP], mine.data?.publishableKeys[0]?.id)).data?.updatePublishableKeyOrigins,
    ).toEqual(notFound);
    expect((await update([SHOP], keyId, other.liveSecretKey)).data?.updatePublishableKeyOrigins).toEqual(
      notFound,
    );
    const byPublishable = await update([SHOP], keyId, other.publishableKey);
    expect(byPublishable.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // Nothing was written by any refusal.
    expect((await fields(other.publishableKey, SHOP)).status).toBe(403);

    // Canonicalised; http only for localhost, in test mode.
    const LOCAL = "http://localhost:3000";
    expect(
      (await update(["https://Shop.example:443/", LOCAL, SHOP])).data?.updatePublishableKeyOrigins,
    ).toEqual({
      publishableKey: { id: keyId, allowedOrigins: [SHOP, LOCAL] },
      errors: [],
    });
    const framed = await fields(other.publishableKey, SHOP);
    expect(framed.status).toBe(200);
    expect(framed.headers.get("content-security-policy")).toContain(`frame-ancestors ${SHOP}`);
    expect((await fields(other.publishableKey, LOCAL)).status).toBe(200);
    const audit = await t.app.sql.query<{ actor: string; before: string; after: string }>(
      `SELECT after->>'actor' AS actor, before->>'allowedOrigins' AS before, after->>'allowedOrigins' AS after
         FROM operator_audit_log WHERE target_id = $1 AND action = 'api_key.update_allowed_origins'`,
      [other.id],
    );
    expect(audit).toEqual([
      { actor: expect.stringMatching(/^key:key_/), before: "", after: `${SHOP} ${LOCAL}` },
    ]);

    // A live key takes https only; a rolled key keeps its predecessor's origins.
    const live = await t.gql<{ publishableKeys: Array<{ id: string }> }>(other.liveSecretKey, KEYS);
    const liveKeyId = live.data?.publishableKeys[0]?.id as string;
    expect((await update([LOCAL], liveKeyId, other.liveSecretKey)).data?.updatePublishableKeyOrigins).toEqual(
      {
        publishableKey: null,
        errors: [{ code: "INVALID_INPUT", field: ["origins"] }],
      },
    );
    const rolled = await t.app.services.merchantCommands.rollKey(
      { operatorId: null, name: "test" },
      other.id,
      keyId,
    );
    expect(rolled?.created.allowedOrigins).toEqual([SHOP, LOCAL]);
    expect((await fields(rolled?.created.key as string, SHOP)).status).toBe(200);
    expect((await fields(other.publishableKey, SHOP)).status).toBe(401);
  });

  it("serves its script locally; the script posts only to the registered origin and checks senders", async () => {
    const answer = await t.app.http.fetch("http://127.0.0.1/elements/card-fields.js");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await answer.text()).toBe(CARD_FIELDS_SCRIPT);
    expect(CARD_FIELDS_SCRIPT).toContain("window.parent.postMessage(message, parentOrigin)");
    expect(CARD_FIELDS_SCRIPT).toContain("event.source !== window.parent || event.origin !== parentOrigin");
    expect(CARD_FIELDS_SCRIPT).not.toMatch(/postMessage\([^)]*"\*"/);
  });
});
