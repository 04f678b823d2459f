// Goal: the registry is the one list of PSPs: the names live accounts accept, the webhook routes and the report
// fetching all come from it; each module is consistent with its own name, declares the shape of its secrets, and
// its test cards are real test numbers; a name from outside (a webhook path) finds a module only when one is
// registered under it.
import { parsePspName, validatePspAccountInput } from "@paycore/core/psp-accounts/psp-account";
import { SETTLEMENT_PSPS } from "@paycore/core/reconciliation/settlement-line";
import { luhnValid } from "@paycore/psp-testkit/test-cards";
import { describe, expect, it } from "vitest";
import { PSP_MODULES, pspCatalog, pspModule, pspNames, sandboxSettlementReportPsps } from "./registry";

const ENTRIES = [...PSP_MODULES.entries()];

describe("PSP_MODULES", () => {
  it("lists stripe and adyen, each once, under a name spelled like one", () => {
    expect(pspNames()).toEqual(["stripe", "adyen"]);
    for (const name of pspNames()) expect(parsePspName(name)).toBe(name);
  });

  it.each(ENTRIES)("%s: its id, routing name and test cards agree", (name, module) => {
    expect(module.id).toBe(name);
    expect(module.profile.name).toBe(name);
    expect(module.profile.costBps).toBeGreaterThanOrEqual(0);
    if (module.profile.currencies !== "any") {
      for (const currency of module.profile.currencies) expect(currency).toMatch(/^[A-Z]{3}$/);
    }
    expect(module.testCards.length).toBeGreaterThan(0);
    for (const card of module.testCards) expect(luhnValid(card.number)).toBe(true);
  });

  it.each(ENTRIES)("%s: its adapter carries its name", (name, module) => {
    const adapter = module.createAdapter({
      endpoint: "http://127.0.0.1:9/",
      apiKey: "test_key_not_used",
      merchantAccount: "PaycoreTest",
      timeoutMs: 1_000,
    });
    expect(adapter.name).toBe(name);
  });
});

describe("pspModule", () => {
  it.each(["stripe", "adyen"])("finds %s", (name) => {
    expect(pspModule(name)?.id).toBe(name);
  });

  it.each(["__proto__", "constructor", "toString", "Stripe", "paypal", ""])(
    "finds nothing for %j (no prototype key, no case folding)",
    (name) => {
      expect(pspModule(name)).toBeNull();
    },
  );
});

describe("webhook verifiers", () => {
  const request = (body: string, headers: Record<string, string> = {}) => ({
    headers: new Headers(headers),
    body,
    secrets: [{ secret: "whsec_test_secret_0123456789abcdef", live: false }],
    nowMs: Date.now(),
  });

  it.each([
    ["stripe", request("{}"), 400, "invalid signature"],
    [
      "stripe",
      request("{}", { "stripe-signature": "t=1,v1=00" }),
      400,
      "signature timestamp outside the tolerance",
    ],
    ["adyen", request("not json"), 400, "malformed notification"],
    [
      "adyen",
      request(
        JSON.stringify({
          notificationItems: [
            {
              NotificationRequestItem: {
                eventCode: "AUTHORISATION",
                success: "true",
                pspReference: "psp_ref_1",
                additionalData: { hmacSignature: "bm90IGEgc2lnbmF0dXJl" },
              },
            },
          ],
        }),
      ),
      401,
      "invalid signature",
    ],
  ] as const)(
    "%s refuses a bad notification before anything is stored (%s)",
    (name, input, status, message) => {
      expect(pspModule(name)?.webhook.verify(input)).toEqual({ verified: false, status, message });
    },
  );

  it("adyen accepts an empty batch and acknowledges it as Adyen expects", () => {
    const module = pspModule("adyen");
    expect(module?.webhook.verify(request(JSON.stringify({ notificationItems: [] })))).toEqual({
      verified: true,
      events: [],
      live: false,
    });
    expect(module?.webhook.acknowledge(true)).toEqual({
      status: 200,
      contentType: "text/plain",
      body: "[accepted]",
    });
  });
});

describe("what the core validates live accounts against", () => {
  const catalog = pspCatalog();
  const account = (psp: string, webhookSecret: string, merchantAccount: string | null = null) => ({
    psp,
    mode: "LIVE" as const,
    endpoint: "https://psp.example",
    merchantAccount,
    apiKey: "live_key_0123456789",
    webhookSecret,
  });

  it("is the registry: its names are the modules'", () => {
    expect([...catalog.keys()]).toEqual(pspNames());
  });

  it.each([
    ["stripe", "whsec_0123456789abcdef", null, null],
    ["stripe", "0123456789abcdef", null, "a Stripe webhook secret starts with whsec_"],
    ["adyen", "ab".repeat(32), "PaycoreLive", null],
    ["adyen", "xyz", "PaycoreLive", "an Adyen HMAC key is 32 to 128 hex digits"],
    ["adyen", "whsec_0123456789abcdef", "PaycoreLive", "an Adyen HMAC key is 32 to 128 hex digits"],
    ["adyen", "ab".repeat(32), null, "adyen accounts need their merchant account"],
    ["paypal", "whsec_0123456789abcdef", null, "psp must be one of adyen, stripe"],
  ])("%s with webhook secret %s and merchant account %s: %s", (psp, secret, merchantAccount, refusal) => {
    const check = () => validatePspAccountInput(account(psp, secret, merchantAccount), catalog);
    if (refusal === null) expect(check().psp).toBe(psp);
    else expect(check).toThrow(expect.objectContaining({ code: "INVALID_INPUT", message: refusal }));
  });

  it.each([
    ["stripe", "sk_live_0123456789", true],
    ["stripe", "rk_test_0123456789", true],
    ["stripe", "report:password123", false],
    ["adyen", "report@Company.Paycore:password123", true],
    ["adyen", "sk_live_0123456789", false],
  ])("%s report credential %s: %s", (psp, credential, ok) => {
    const name = parsePspName(psp);
    const rules = name === null ? undefined : catalog.get(name);
    expect(rules?.reportCredential.pattern.test(credential)).toBe(ok);
  });
});

describe("settlement reports", () => {
  it.each(ENTRIES)(
    "%s: reads its reports with a layout the core knows, under its own name",
    (name, module) => {
      if (module.settlementReports === undefined) return;
      expect(SETTLEMENT_PSPS).toContain(module.settlementReports.layout);
      expect(module.settlementReports.layout).toBe(name);
      expect(new URL(module.settlementReports.liveOrigin).protocol).toBe("https:");
    },
  );

  it("pulls daily files from the sandbox for the PSPs whose module says so", () => {
    expect(sandboxSettlementReportPsps()).toEqual(["stripe", "adyen"]);
  });

  it("builds each PSP's download authorization from its report credential", () => {
    expect(pspModule("stripe")?.settlementReports?.authorization("sk_live_x")).toBe("Bearer sk_live_x");
    expect(pspModule("adyen")?.settlementReports?.authorization("user:pass")).toBe(
      `Basic ${Buffer.from("user:pass").toString("base64")}`,
    );
  });
});
