// Goal: the registry is the one list of PSPs: every PSP name live accounts accept has exactly one module,
// each module is consistent with its own name, its test cards are real test numbers, and a name from
// outside (a webhook path) finds a module only when one is registered under it.
import { PSP_NAMES } from "@paycore/core/psp-accounts/psp-account";
import { luhnValid } from "@paycore/psp-testkit/test-cards";
import { describe, expect, it } from "vitest";
import { PSP_MODULES, pspModule } from "./registry";

describe("PSP_MODULES", () => {
  it("has one module per PSP name, and no other", () => {
    expect(Object.keys(PSP_MODULES).sort()).toEqual([...PSP_NAMES].sort());
  });

  it.each(Object.entries(PSP_MODULES))("%s: its id, routing name and test cards agree", (name, module) => {
    expect(module.id).toBe(name);
    expect(module.profile.name).toBe(name);
    expect(module.profile.costBps).toBeGreaterThanOrEqual(0);
    if (module.profile.currencies !== "any") {
      for (const currency of module.profile.currencies) expect(currency).toMatch(/^[A-Z]{3}$/);
    }
    expect(module.testCards.length).toBeGreaterThan(0);
    for (const card of module.testCards) expect(luhnValid(card.number)).toBe(true);
  });

  it.each(Object.entries(PSP_MODULES))("%s: its adapter carries its name", (name, module) => {
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
      expect(PSP_MODULES[name].webhook.verify(input)).toEqual({ verified: false, status, message });
    },
  );

  it("adyen accepts an empty batch and acknowledges it as Adyen expects", () => {
    const module = PSP_MODULES.adyen;
    expect(module.webhook.verify(request(JSON.stringify({ notificationItems: [] })))).toEqual({
      verified: true,
      events: [],
      live: false,
    });
    expect(module.webhook.acknowledge(true)).toEqual({
      status: 200,
      contentType: "text/plain",
      body: "[accepted]",
    });
  });
});
