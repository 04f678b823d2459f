import type { Types } from "@adyen/api-library";
import { AdyenLoopbackHttpClient, adyenApiLibrary } from "./adyen-loopback-http-client";

export const ADYEN_MERCHANT_ACCOUNT = "PaycoreSandboxECOM";

/** CheckoutAPI of the official library, sending to the sandbox through AdyenLoopbackHttpClient. */
export function sandboxAdyenCheckout(
  sandboxUrl: string,
  options: { timeoutMs?: number; apiKey?: string } = {},
) {
  const { CheckoutAPI, Client, EnvironmentEnum } = adyenApiLibrary;
  const client = new Client({
    apiKey: options.apiKey ?? "AQE_sandbox_key",
    environment: EnvironmentEnum.TEST,
    connectionTimeoutMillis: options.timeoutMs ?? 5_000,
  });
  client.httpClient = new AdyenLoopbackHttpClient(sandboxUrl);
  return new CheckoutAPI(client);
}

/** A /payments request with a raw card (the library's CardDetails). */
export function adyenCardPayment(input: {
  amountMinor: number;
  currency: string;
  number: string;
  reference: string;
  manualCapture?: boolean;
}): Types.checkout.PaymentRequest {
  const card: Types.checkout.CardDetails = {
    type: adyenApiLibrary.Types.checkout.CardDetails.TypeEnum.Scheme,
    number: input.number,
    expiryMonth: "03",
    expiryYear: "2030",
    cvc: "737",
  };
  return {
    amount: { value: input.amountMinor, currency: input.currency },
    reference: input.reference,
    merchantAccount: ADYEN_MERCHANT_ACCOUNT,
    paymentMethod: card,
    // Required by the library's PaymentRequest type (for redirect flows); the sandbox ignores it.
    returnUrl: "https://paycore.invalid/checkout/return",
    ...(input.manualCapture ? { additionalData: { manualCapture: "true" } } : {}),
  };
}
