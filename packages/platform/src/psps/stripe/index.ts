// The Stripe PSP: the official SDK pointed at a host and port (api.stripe.com, or the sandbox server's
// Stripe-style emulation in test mode), its signed webhooks, and its test cards.
import { pspName } from "@paycore/core/psp-accounts/psp-account";
import { SANDBOX_CARDS } from "@paycore/psp-testkit/test-cards";
import type { PspModule } from "../psp-module";
import { StripePsp } from "./stripe-psp";
import { stripeWebhook } from "./webhook";

export const stripeModule: PspModule<StripePsp> = {
  id: pspName("stripe"),
  profile: { name: "stripe", costBps: 290, currencies: "any" },
  createAdapter({ endpoint, apiKey, timeoutMs }) {
    const url = new URL(endpoint);
    return new StripePsp({
      secretKey: apiKey,
      host: url.hostname,
      port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
      protocol: url.protocol === "https:" ? "https" : "http",
      timeoutMs,
    });
  },
  webhook: stripeWebhook,
  // The sandbox server emulates Stripe with the one sandbox card table (packages/psp-testkit).
  testCards: SANDBOX_CARDS,
  sandbox: {
    path: "",
    apiKey: "sk_test_paycore_sandbox",
    merchantAccount: null,
    webhookSecret: (secrets) => secrets.stripeWebhookSecret,
    // Report run results are downloaded with the secret key, as Stripe's files are.
    reportAuthorization: "Bearer sk_test_paycore_sandbox",
  },
  liveEndpointExample: "https://api.stripe.com",
  accountRules: {
    merchantAccountRequired: false,
    webhookSecret: {
      pattern: /^whsec_[A-Za-z0-9+/=_-]{8,}$/,
      message: "a Stripe webhook secret starts with whsec_",
    },
    // Its report files are read with a key.
    reportCredential: {
      pattern: /^(?:sk|rk)_(?:live|test)_\S{8,}$/,
      message: "a Stripe report credential is a secret (sk_) or restricted (rk_) key",
    },
  },
  settlementReports: {
    layout: "stripe",
    liveOrigin: "https://files.stripe.com",
    authorization: (credential) => `Bearer ${credential}`,
    sandboxDailyFiles: true,
    succeededReportRuns: (adapter, createdSinceS, limit) => adapter.succeededReportRuns(createdSinceS, limit),
  },
};
