// The review-hold expiry job: every minute, voids a bounded batch of held
// payments nobody decided before their deadline (through the core's command,
// each under its own idempotency key, so several processes may run it).
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

/** How often held payments past their deadline are voided. */
export const HOLD_SWEEP_INTERVAL_MS = 60_000;
const HOLD_SWEEP_BACKOFF_MAX_MS = 5 * 60_000;

export function reviewHoldExpiryJob(options: {
  commands: Pick<PaymentCommands, "expireReviewHolds">;
  log: Pick<Logger, "info">;
}): WorkerJob {
  return {
    name: "review-hold-expiry",
    schedule: {
      intervalMs: HOLD_SWEEP_INTERVAL_MS,
      firstPassDelayMs: HOLD_SWEEP_INTERVAL_MS,
      backoff: { initialDelayMs: HOLD_SWEEP_INTERVAL_MS, maxDelayMs: HOLD_SWEEP_BACKOFF_MAX_MS },
    },
    failureMessage: "review hold expiry failed: expired holds stay held and are retried",
    async pass(): Promise<PassResult> {
      // A hold that failed to void is counted, not thrown: the next sweep takes it again.
      const { expired, failed } = await options.commands.expireReviewHolds();
      if (expired + failed > 0) options.log.info({ expired, failed }, "review holds expired");
      return { done: expired, more: false };
    },
  };
}
