// Goal: the card fields iframe is served only for an active publishable key and a parent origin registered for
// its merchant; its CSP lets only that origin frame it, allows only its own script and requests to its own
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

  it("lets the merchant register an origin over the API (validated, secret key only)", async () => {
    const UPDATE = `mutation($input: UpdateAllowedOriginsInput!) { updateAllowedOrigins(input: $input) { allowedOrigins errors { code field } } }`;
    const other = await t.createMerchant();
    expect((await fields(other.publishableKey, SHOP)).status).toBe(403);
    const refused = await t.gql<{ updateAllowedOrigins: unknown }>(other.secretKey, UPDATE, {
      input: { origins: ["https://*.shop.example"] },
    });
    expect(refused.data?.updateAllowedOrigins).toEqual({
      allowedOrigins: null,
      errors: [{ code: "INVALID_INPUT", field: ["allowedOrigins"] }],
    });
    const byPublishable = await t.gql(other.publishableKey, UPDATE, { input: { origins: [SHOP] } });
    expect(byPublishable.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const updated = await t.gql<{ updateAllowedOrigins: unknown }>(other.secretKey, UPDATE, {
      input: { origins: ["https://Shop.example:443/"] },
    });
    expect(updated.data?.updateAllowedOrigins).toEqual({ allowedOrigins: [SHOP], errors: [] });
    const read = await t.gql<{ allowedOrigins: string[] }>(other.secretKey, "{ allowedOrigins }");
    expect(read.data?.allowedOrigins).toEqual([SHOP]);
    expect((await fields(other.publishableKey, SHOP)).status).toBe(200);
    const audit = await t.app.sql.query<{ actor: string; origins: string }>(
      `SELECT after->>'actor' AS actor, after->>'allowedOrigins' AS origins FROM operator_audit_log
        WHERE target_id = $1 AND action = 'merchant.update_settings'`,
      [other.id],
    );
    expect(audit).toEqual([{ actor: expect.stringMatching(/^key:key_/), origins: SHOP }]);
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
