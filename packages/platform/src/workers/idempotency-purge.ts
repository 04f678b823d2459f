// The idempotency purge job: every 10 minutes, deletes one bounded batch of
// idempotency records past their retention. Every process that builds the app
// runs it (the console's too): each batch is one short DELETE, so they do not
// get in each other's way.
import type { PostgresIdempotencyStore } from "@paycore/db/repositories/idempotency.repository";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

/** How often expired idempotency keys are purged, and how many per pass. */
export const PURGE_INTERVAL_MS = 10 * 60_000;
export const PURGE_BATCH_SIZE = 1_000;

export function idempotencyPurgeJob(options: {
  store: Pick<PostgresIdempotencyStore, "purgeExpired">;
  log: Pick<Logger, "debug">;
  now?: () => Date;
}): WorkerJob {
  const now = options.now ?? (() => new Date());
  return {
    name: "idempotency-purge",
    schedule: {
      intervalMs: PURGE_INTERVAL_MS,
      firstPassDelayMs: PURGE_INTERVAL_MS,
      backoff: { initialDelayMs: PURGE_INTERVAL_MS, maxDelayMs: PURGE_INTERVAL_MS },
    },
    failureMessage: "idempotency purge failed: expired records stay until the next pass",
    async pass(): Promise<PassResult> {
      const purged = await options.store.purgeExpired(now(), PURGE_BATCH_SIZE);
      if (purged > 0) options.log.debug({ purged }, "expired idempotency records purged");
      // One batch per interval, as before this job had a worker.
      return { done: purged, more: false };
    },
  };
}
