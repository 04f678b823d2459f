// The Adyen PSP: the official library's checkout API sent to a base URL (Adyen's, or the sandbox server's
// Adyen-style emulation in test mode), its HMAC-signed notifications, and its test cards.
import { pspName } from "@paycore/core/psp-accounts/psp-account";
import { SANDBOX_CARDS } from "@paycore/psp-testkit/test-cards";
import type { PspModule } from "../psp-module";
import { AdyenPsp } from "./adyen-psp";
import { adyenWebhook } from "./webhook";

export const adyenModule: PspModule<AdyenPsp> = {
  id: pspName("adyen"),
  profile: {
    name: "adyen",
    costBps: 250,
    currencies: ["EUR", "GBP", "USD", "CHF", "SEK", "NOK", "DKK", "PLN"],
  },
  createAdapter({ endpoint, apiKey, merchantAccount, timeoutMs, evidencePdf }) {
    return new AdyenPsp({
      apiKey,
      merchantAccount: merchantAccount ?? "",
      baseUrl: endpoint,
      timeoutMs,
      ...(evidencePdf ? { evidencePdf } : {}),
    });
  },
  webhook: adyenWebhook,
  // The sandbox server emulates Adyen with the one sandbox card table (packages/psp-testkit).
  testCards: SANDBOX_CARDS,
  sandbox: {
    path: "/adyen",
    apiKey: "adyen_test_paycore_sandbox",
    merchantAccount: "PaycoreTest",
    webhookSecret: (secrets) => secrets.adyenHmacKeyHex,
    // Adyen's report user (basic auth), as the sandbox server's emulation knows it.
    reportAuthorization: `Basic ${Buffer.from("report@Company.PaycoreSandbox:sandbox-report-password").toString("base64")}`,
  },
  liveEndpointExample: "https://…-checkout-live.adyenpayments.com/checkout",
  accountRules: {
    // Every Adyen call is scoped by the merchant account.
    merchantAccountRequired: true,
    webhookSecret: {
      pattern: /^(?:[0-9A-Fa-f]{2}){16,64}$/,
      message: "an Adyen HMAC key is 32 to 128 hex digits",
    },
    // Its report downloads take the report user's basic auth.
    reportCredential: {
      pattern: /^[^\s:]{1,200}:\S{8,}$/,
      message: "an Adyen report credential is the report user and its password, as user:password",
    },
  },
  settlementReports: {
    layout: "adyen",
    liveOrigin: "https://ca-live.adyen.com",
    authorization: (credential) => `Basic ${Buffer.from(credential).toString("base64")}`,
    sandboxDailyFiles: true,
  },
};
