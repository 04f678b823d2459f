// The Stripe PSP: the official SDK pointed at a host and port (api.stripe.com, or the sandbox server's
// Stripe-style emulation in test mode), its signed webhooks, and its test cards.
import { SANDBOX_CARDS } from "@paycore/psp-testkit/test-cards";
import type { PspModule } from "../psp-module";
import { StripePsp } from "./stripe-psp";
import { stripeWebhook } from "./webhook";

export const stripeModule: PspModule<StripePsp> = {
  id: "stripe",
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
};
