// Checks what a PSP account may be configured with: an endpoint reached over https (or http on loopback)
// with nothing secret in the URL, secrets in the form each PSP issues them, and problems described to
// operators without any key in them.
import { describe, expect, it } from "vitest";
import {
  describeCredentialProblem,
  secretHint,
  validatePspAccountInput,
  validEndpoint,
  validWebhookSecret,
} from "./psp-account";

const VALID = {
  psp: "stripe",
  mode: "LIVE" as const,
  endpoint: "https://api.stripe.com",
  apiKey: "sk_live_abcdefgh12345678",
  webhookSecret: "whsec_abcdefgh12345678",
};

describe("validEndpoint", () => {
  it.each([
    ["https://api.stripe.com", "https://api.stripe.com"],
    ["https://checkout-live.adyenpayments.com/checkout/", "https://checkout-live.adyenpayments.com/checkout"],
    ["http://127.0.0.1:4010", "http://127.0.0.1:4010"],
    ["http://localhost:4010/adyen", "http://localhost:4010/adyen"],
    ["http://[::1]:4010", "http://[::1]:4010"],
  ])("accepts %s", (input, expected) => {
    expect(validEndpoint(input)).toBe(expected);
  });

  it.each([
    "",
    "not a url",
    "http://api.stripe.com",
    "http://10.0.0.5",
    "ftp://api.stripe.com",
    "https://user:secret@api.stripe.com",
    "https://api.stripe.com/?key=sk_live_x",
    "https://api.stripe.com/#frag",
    `https://${"a".repeat(500)}.com`,
  ])("refuses %s", (input) => {
    expect(() => validEndpoint(input)).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
  });
});

describe("validWebhookSecret", () => {
  it.each([
    ["stripe", "whsec_0123456789abcdef", true],
    ["stripe", "0123456789abcdef", false],
    ["adyen", "ab".repeat(32), true],
    ["adyen", "xyz", false],
    ["adyen", "whsec_0123456789abcdef", false],
  ] as const)("%s %s: %s", (psp, secret, ok) => {
    if (ok) expect(validWebhookSecret(psp, secret)).toBe(secret);
    else
      expect(() => validWebhookSecret(psp, secret)).toThrow(
        expect.objectContaining({ field: ["webhookSecret"] }),
      );
  });
});

describe("validatePspAccountInput", () => {
  it("trims and keeps a valid Stripe account", () => {
    expect(validatePspAccountInput({ ...VALID, apiKey: ` ${VALID.apiKey} ` })).toEqual({
      ...VALID,
      merchantAccount: null,
    });
  });

  it.each([
    [{ psp: "paypal" }, "psp"],
    [{ mode: "SANDBOX" as never }, "mode"],
    [{ apiKey: "" }, "apiKey"],
    [{ apiKey: "sk_live_\u0000" }, "apiKey"],
    [{ apiKey: "x".repeat(501) }, "apiKey"],
    [{ psp: "adyen", webhookSecret: "ab".repeat(32) }, "merchantAccount"],
    [{ psp: "adyen", webhookSecret: "ab".repeat(32), merchantAccount: "has space" }, "merchantAccount"],
  ])("refuses %o on %s", (override, field) => {
    expect(() => validatePspAccountInput({ ...VALID, ...override })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", field: [field] }),
    );
  });
});

describe("what operators see", () => {
  it("shows a secret by its last four characters", () => {
    expect(secretHint("sk_live_abcdefgh12345678")).toBe("5678");
  });

  it("masks anything key-like and control characters in a problem", () => {
    expect(describeCredentialProblem("Invalid API Key provided: sk_live_abc123XYZ\nagain whsec_zzz")).toBe(
      "Invalid API Key provided: sk_… again whsec_…",
    );
    expect(describeCredentialProblem("x".repeat(1000))).toHaveLength(300);
  });
});
