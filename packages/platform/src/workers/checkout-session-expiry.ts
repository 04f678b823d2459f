// The checkout session expiry job: every minute, expires a bounded batch of OPEN sessions past their expiry
// (through the core's CheckoutCommands; the conditional update lets several processes run it at once).
import type { CheckoutCommands } from "@paycore/core/checkout/checkout-commands";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

export const CHECKOUT_EXPIRY_INTERVAL_MS = 60_000;

export function checkoutSessionExpiryJob(options: {
  checkout: Pick<CheckoutCommands, "expireDue">;
  log: Pick<Logger, "info">;
}): WorkerJob {
  return {
    name: "checkout-session-expiry",
    schedule: {
      intervalMs: CHECKOUT_EXPIRY_INTERVAL_MS,
      firstPassDelayMs: CHECKOUT_EXPIRY_INTERVAL_MS,
      backoff: { initialDelayMs: CHECKOUT_EXPIRY_INTERVAL_MS, maxDelayMs: 5 * CHECKOUT_EXPIRY_INTERVAL_MS },
    },
    failureMessage: "checkout session expiry failed: expired sessions stay open and are retried",
    async pass(): Promise<PassResult> {
      const { expired } = await options.checkout.expireDue();
      if (expired > 0) options.log.info({ expired }, "checkout sessions expired");
      // A full batch means more may be waiting.
      return { done: expired, more: expired >= 100 };
    },
  };
}
