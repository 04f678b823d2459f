// The setup of the suites that drive the sandbox PSP server over HTTP (disputes, announced reports, settlement
// imports): the sandbox on a free port, a listening test app with fresh webhook secrets, the sandbox's webhooks
// pointed at it, and a merchant whose USD payments go to the Stripe-style PSP and EUR payments to the
// Adyen-style one. Also the bounded wait those suites poll with.
import { randomBytes } from "node:crypto";
import { type SandboxHandle, type SandboxOptions, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { createTestApp, TEST_FIXTURE_ACTOR, type TestApp, type TestMerchant } from "./test-app";

export interface SandboxTestApp {
  sandbox: SandboxHandle;
  t: TestApp;
  merchant: TestMerchant;
  /** The webhook secrets both sides were given (a suite signs its own notifications with them). */
  secrets: { stripe: string; adyenHmacKeyHex: string };
}

type TestAppOptions = NonNullable<Parameters<typeof createTestApp>[0]>;

export async function createSandboxTestApp(options: {
  sandbox: Omit<SandboxOptions, "port">;
  /** More options of the test app (the sandbox's URL, the webhook secrets and `listen` are set here). */
  app?: Omit<TestAppOptions, "pspSandboxUrl" | "stripeWebhookSecret" | "adyenHmacKeyHex" | "listen">;
}): Promise<SandboxTestApp> {
  const stripeSecret = `whsec_${randomBytes(16).toString("hex")}`;
  const adyenKey = randomBytes(32).toString("hex").toUpperCase();
  const sandbox = await startSandbox({ port: 0, ...options.sandbox });
  try {
    const t = await createTestApp({
      ...options.app,
      pspSandboxUrl: sandbox.url,
      stripeWebhookSecret: stripeSecret,
      adyenHmacKeyHex: adyenKey,
      listen: true,
    });
    sandbox.configureWebhooks({
      stripe: { url: `${t.url}/webhooks/stripe`, secret: stripeSecret },
      adyen: { url: `${t.url}/webhooks/adyen`, hmacKeyHex: adyenKey },
    });
    const merchant = await t.createMerchant();
    await routeUsdToStripeEurToAdyen(t, merchant.id);
    return { sandbox, t, merchant, secrets: { stripe: stripeSecret, adyenHmacKeyHex: adyenKey } };
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}

type RoutingRules = TestApp["app"]["services"]["routingRuleCommands"];
type RuleInput = Parameters<RoutingRules["add"]>[1];

/** One routing rule per currency, in the order given (priorities 1, 2, …), each trying its PSPs in order. */
export async function routeByCurrency(
  rules: RoutingRules,
  merchantId: string,
  routes: ReadonlyArray<readonly [currency: string, pspNames: RuleInput["pspNames"]]>,
): Promise<void> {
  for (const [index, [currency, pspNames]] of routes.entries()) {
    await rules.add(TEST_FIXTURE_ACTOR, {
      merchantId,
      priority: index + 1,
      match: { currencies: [currency] },
      pspNames,
    });
  }
}

/** Routes the merchant's USD payments to the Stripe-style PSP and its EUR payments to the Adyen-style one. */
export function routeUsdToStripeEurToAdyen(t: TestApp, merchantId: string): Promise<void> {
  return routeByCurrency(t.app.services.routingRuleCommands, merchantId, [
    ["USD", ["stripe"]],
    ["EUR", ["adyen"]],
  ]);
}

/** Polls `probe` every 50 ms until it answers something truthy, which it returns; throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
