// The resolver's job: every 2 s, one pass over the PSP outcomes nobody knows
// yet (timeouts, calls of processes that died, acknowledged modifications past
// their deadline), asking the same PSP again with the same idempotency key. The
// Worker runs one pass at a time per process; several processes may each run one.
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

/** How often the resolver looks for unknown PSP outcomes that are due. */
export const RESOLVER_INTERVAL_MS = 2_000;
/** A failing pass (the database down) is retried from the interval up to this. */
const RESOLVER_BACKOFF_MAX_MS = 30_000;

export function resolverJob(options: {
  commands: Pick<PaymentCommands, "resolveUnknownOutcomes">;
  /** When a modification the PSP acknowledged and no notification decided is first looked up. */
  acknowledgedDeadlineMs?: number;
  log: Pick<Logger, "info">;
}): WorkerJob {
  return {
    name: "resolver",
    schedule: {
      intervalMs: RESOLVER_INTERVAL_MS,
      firstPassDelayMs: RESOLVER_INTERVAL_MS,
      backoff: { initialDelayMs: RESOLVER_INTERVAL_MS, maxDelayMs: RESOLVER_BACKOFF_MAX_MS },
    },
    failureMessage: "resolver pass failed: unknown outcomes stay pending and are retried",
    async pass(): Promise<PassResult> {
      const summary = await options.commands.resolveUnknownOutcomes(
        options.acknowledgedDeadlineMs === undefined
          ? {}
          : { acknowledgedDeadlineMs: options.acknowledgedDeadlineMs },
      );
      if (summary.resolved + summary.escalated > 0)
        options.log.info(summary, "unknown PSP outcomes resolved");
      // Each pass takes a bounded batch; the next one comes on the interval, as the schedule of retries expects.
      return { done: summary.resolved + summary.rescheduled + summary.escalated, more: false };
    },
  };
}
