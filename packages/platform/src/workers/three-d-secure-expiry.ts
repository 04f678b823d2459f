// The 3-D Secure expiry job (issue 20): every 30 seconds, cancels a bounded batch of payments whose challenge
// nobody completed before its deadline (THREE_D_SECURE_ACTION_TTL_MINUTES), through the core's command: the PSP
// is asked first (a customer who completed the challenge at the last moment is authorized, not cancelled), then
// told to cancel, and the payment moves REQUIRES_ACTION -> CANCELLED. Each payment is claimed by a conditional
// update, so several processes may run it.
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

/** How often abandoned challenges are looked for. */
export const ACTION_SWEEP_INTERVAL_MS = 30_000;
const ACTION_SWEEP_BACKOFF_MAX_MS = 5 * 60_000;

export function threeDSecureExpiryJob(options: {
  commands: Pick<PaymentCommands, "expireAbandonedActions">;
  log: Pick<Logger, "info">;
}): WorkerJob {
  return {
    name: "three-d-secure-expiry",
    schedule: {
      intervalMs: ACTION_SWEEP_INTERVAL_MS,
      firstPassDelayMs: ACTION_SWEEP_INTERVAL_MS,
      backoff: { initialDelayMs: ACTION_SWEEP_INTERVAL_MS, maxDelayMs: ACTION_SWEEP_BACKOFF_MAX_MS },
    },
    failureMessage: "3-D Secure expiry failed: abandoned challenges stay waiting and are retried",
    async pass(): Promise<PassResult> {
      // A payment that could not be finished is counted, not thrown: the next sweep takes it again.
      const { expired, completed, failed } = await options.commands.expireAbandonedActions();
      if (expired + completed + failed > 0) {
        options.log.info({ expired, completed, failed }, "abandoned 3-D Secure challenges swept");
      }
      return { done: expired + completed, more: false };
    },
  };
}
