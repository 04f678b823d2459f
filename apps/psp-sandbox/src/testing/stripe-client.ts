import Stripe from "stripe";

/** The official SDK pointed at the sandbox, configured the way our adapter configures it. */
export function sandboxStripe(port: number, options: { timeoutMs?: number; apiKey?: string } = {}): Stripe {
  return new Stripe(options.apiKey ?? "sk_test_sandbox", {
    host: "127.0.0.1",
    port,
    protocol: "http",
    maxNetworkRetries: 0,
    timeout: options.timeoutMs ?? 5_000,
  });
}

/**
 * Parameters of a confirmed card PaymentIntent. Raw card numbers in payment_method_data[card]
 * are not in the SDK's types (Stripe gates them), so the card is added through a wider type.
 */
export function cardPaymentParams(input: {
  amountMinor: number;
  currency: string;
  number: string;
  reference: string;
  capture?: "automatic" | "manual";
}): Stripe.PaymentIntentCreateParams {
  const paymentMethodData: Stripe.PaymentIntentCreateParams.PaymentMethodData & {
    card: { number: string; exp_month: number; exp_year: number; cvc: string };
  } = {
    type: "card",
    card: { number: input.number, exp_month: 12, exp_year: 2034, cvc: "123" },
  };
  return {
    amount: input.amountMinor,
    currency: input.currency,
    confirm: true,
    capture_method: input.capture ?? "automatic",
    payment_method_data: paymentMethodData,
    metadata: { reference: input.reference },
  };
}
