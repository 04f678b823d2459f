// Checks what a PSP account may be configured with: a PSP of the catalog the platform registers, an endpoint
// reached over https (or http on loopback) with nothing secret in the URL, secrets in the shape the PSP's own
// rules declare, and problems described to operators without any key in them. The PSPs here are made up: the
// real ones' rules live in their folders and are tested there (packages/platform/src/psps/registry.test.ts).
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import {
  describeCredentialProblem,
  type PspAccountRules,
  type PspCatalog,
  parsePspName,
  pspName,
  registeredPsp,
  secretHint,
  validatePspAccountInput,
  validEndpoint,
  validReportCredential,
  validWebhookSecret,
} from "./psp-account";

const KEYED: PspAccountRules = {
  merchantAccountRequired: false,
  webhookSecret: { pattern: /^whsec_[A-Za-z0-9]{8,}$/, message: "a keyed webhook secret starts with whsec_" },
  reportCredential: { pattern: /^rk_\S{8,}$/, message: "a keyed report credential starts with rk_" },
};
const SCOPED: PspAccountRules = {
  merchantAccountRequired: true,
  webhookSecret: { pattern: /^(?:[0-9a-f]{2}){16,64}$/, message: "a scoped HMAC key is hex" },
  reportCredential: { pattern: /^[^\s:]+:\S{8,}$/, message: "user:password" },
};
const CATALOG: PspCatalog = new Map([
  [pspName("keyed-psp"), KEYED],
  [pspName("scoped-psp"), SCOPED],
]);

const VALID = {
  psp: "keyed-psp",
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

describe("PSP names", () => {
  it.each(["stripe", "adyen", "acme", "acme-eu", "acme_eu", "p2", "x"])(
    "spells %s like a PSP name",
    (text) => {
      expect(parsePspName(text)).toBe(text);
    },
  );

  it.each(["", "Stripe", "2c2p", "acme/eu", "acme eu", "-acme", "a".repeat(33), "__proto__"])(
    "refuses %j",
    (text) => {
      expect(parsePspName(text)).toBeNull();
    },
  );

  it("treats a misspelt name in code as a programmer error", () => {
    expect(() => pspName("Acme")).toThrow(InvariantError);
  });

  it("finds only registered PSPs, and names them when refusing", () => {
    expect(registeredPsp(CATALOG, "scoped-psp")).toEqual({ psp: "scoped-psp", rules: SCOPED });
    for (const unknown of ["paypal", "constructor", "KEYED-PSP"])
      expect(() => registeredPsp(CATALOG, unknown)).toThrow(
        expect.objectContaining({
          code: "INVALID_INPUT",
          field: ["psp"],
          message: "psp must be one of keyed-psp, scoped-psp",
        }),
      );
  });
});

describe("secrets in the PSP's declared shape", () => {
  it.each([
    [KEYED, "whsec_0123456789abcdef", true],
    [KEYED, "0123456789abcdef", false],
    [SCOPED, "ab".repeat(32), true],
    [SCOPED, "xyz", false],
    [SCOPED, "whsec_0123456789abcdef", false],
  ] as const)("webhook secret %#: %s", (rules, secret, ok) => {
    if (ok) expect(validWebhookSecret(rules, secret)).toBe(secret);
    else
      expect(() => validWebhookSecret(rules, secret)).toThrow(
        expect.objectContaining({ field: ["webhookSecret"], message: rules.webhookSecret.message }),
      );
  });

  it("checks a report credential against its own shape, after trimming", () => {
    expect(validReportCredential(SCOPED, " report-user:password123 ")).toBe("report-user:password123");
    expect(() => validReportCredential(KEYED, "report-user:password123")).toThrow(
      expect.objectContaining({ field: ["reportCredential"], message: KEYED.reportCredential.message }),
    );
  });
});

describe("validatePspAccountInput", () => {
  it("trims and keeps a valid account", () => {
    expect(validatePspAccountInput({ ...VALID, apiKey: ` ${VALID.apiKey} ` }, CATALOG)).toEqual({
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
    [{ webhookSecret: "ab".repeat(32) }, "webhookSecret"],
    [{ psp: "scoped-psp", webhookSecret: "ab".repeat(32) }, "merchantAccount"],
    [{ psp: "scoped-psp", webhookSecret: "ab".repeat(32), merchantAccount: "has space" }, "merchantAccount"],
  ])("refuses %o on %s", (override, field) => {
    expect(() => validatePspAccountInput({ ...VALID, ...override }, CATALOG)).toThrow(
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
