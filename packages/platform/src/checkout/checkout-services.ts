// Hosted checkout, wired: the core's CheckoutCommands over the Postgres store, the payment commands, and the
// completion hook that marks the invoice a session pays as paid (through InvoiceCommands, under a key derived from
// the session, so a repeated completion replays). `createCheckoutSession` is the call other features use (the
// hosted invoice page): it creates the session and returns the hosted page's address.

import type { CheckoutActor, CreateCheckoutSessionInput } from "@paycore/core/checkout/checkout-commands";
import { CheckoutCommands } from "@paycore/core/checkout/checkout-commands";
import type { IdempotencyService } from "@paycore/core/idempotency/idempotency-service";
import type { PaymentId } from "@paycore/core/ids/ids";
import type { InvoiceCommands } from "@paycore/core/invoices/invoice-commands";
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { CheckoutSessionRecord } from "@paycore/core/ports/checkout-session-store";
import type { PaymentStore } from "@paycore/core/ports/payment-store";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import { CheckoutSessionStoreRepository } from "@paycore/db/repositories/checkout-session-store.repository";
import type { Sql } from "@paycore/db/sql";
import type { Logger } from "pino";

/** The hosted page of a session lives under this path: /checkout/<session id>/<access token>. */
export const CHECKOUT_PATH_PREFIX = "/checkout/";

export function checkoutPageUrl(
  publicBaseUrl: string,
  session: Pick<CheckoutSessionRecord, "id" | "accessToken">,
): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}${CHECKOUT_PATH_PREFIX}${session.id}/${session.accessToken}`;
}

export function createCheckoutCommands(options: {
  sql: Sql;
  idempotency: IdempotencyService;
  payments: Pick<PaymentCommands, "tokenizeCard" | "createPayment">;
  paymentReader: Pick<PaymentStore, "findPayment">;
  invoices: Pick<InvoiceCommands, "markPaid">;
  log: Pick<Logger, "error">;
  /** Seals the customer's e-mail (issue 22). */
  pii: PiiVault;
}): CheckoutCommands {
  return new CheckoutCommands({
    store: new CheckoutSessionStoreRepository(options.sql, options.pii),
    idempotency: options.idempotency,
    payments: options.payments,
    paymentReader: options.paymentReader,
    now: () => new Date(),
    async onCompleted(session) {
      if (session.invoiceId === null || session.paymentId === null) return;
      try {
        // The invoice checks the payment itself (captured, exactly its total): read it as the session's merchant.
        const payment = await options.paymentReader.findPayment(
          { merchantId: session.merchantId, mode: session.mode, apiKeyId: null },
          session.paymentId as PaymentId,
        );
        if (payment === null)
          throw new Error(`payment ${session.paymentId} of a completed checkout session is missing`);
        await options.invoices.markPaid(
          { merchantId: session.merchantId, mode: session.mode, name: "system:checkout", source: "SYSTEM" },
          `checkout:${session.id}:invoice`,
          session.invoiceId,
          {
            paymentId: payment.id,
            status: payment.status,
            amountCapturedMinor: payment.amountCapturedMinor,
            currency: payment.currency,
            tryId: null,
          },
        );
      } catch (error) {
        // The payment stands and the session is COMPLETE; the invoice's state is an operator's to fix.
        options.log.error(
          { err: error, checkoutSessionId: session.id, invoiceId: session.invoiceId },
          "a checkout session was paid but its invoice could not be marked paid",
        );
      }
    },
  });
}

/**
 * Creates a checkout session (idempotent under `input.idempotencyKey`) and returns it with the hosted page's
 * address to send the customer to. The caller names the merchant and mode; the amount and currency are the
 * caller's to choose (an invoice's total, for the hosted invoice page, with `invoiceId` set).
 */
export async function createCheckoutSession(
  services: { checkoutCommands: CheckoutCommands; publicBaseUrl: string },
  actor: CheckoutActor,
  input: CreateCheckoutSessionInput,
): Promise<{ session: CheckoutSessionRecord; url: string; replayed: boolean }> {
  const { value, replayed } = await services.checkoutCommands.create(actor, input);
  return { session: value, url: checkoutPageUrl(services.publicBaseUrl, value), replayed };
}
