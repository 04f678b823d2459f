// Signed requests (issue 22): every minute, deletes one bounded batch of the Postgres nonces past their expiry
// (every accepted nonce is written through to Postgres), so request_nonces holds about ten minutes of them at most;
// a full batch runs the next pass at once.
import type { Logger } from "pino";
import type { RequestNonces } from "../adapters/request-nonces";
import type { PassResult, WorkerJob } from "./worker";

export const NONCE_PURGE_INTERVAL_MS = 60_000;
export const NONCE_PURGE_BATCH_SIZE = 5_000;

export function requestNoncePurgeJob(options: {
  nonces: Pick<RequestNonces, "purgeExpired">;
  log: Pick<Logger, "debug">;
  now?: () => Date;
}): WorkerJob {
  const now = options.now ?? (() => new Date());
  return {
    name: "request-nonce-purge",
    schedule: {
      intervalMs: NONCE_PURGE_INTERVAL_MS,
      firstPassDelayMs: NONCE_PURGE_INTERVAL_MS,
      backoff: { initialDelayMs: NONCE_PURGE_INTERVAL_MS, maxDelayMs: 10 * NONCE_PURGE_INTERVAL_MS },
    },
    failureMessage: "request nonce purge failed: expired nonces stay until the next pass",
    async pass(): Promise<PassResult> {
      const purged = await options.nonces.purgeExpired(now(), NONCE_PURGE_BATCH_SIZE);
      if (purged > 0) options.log.debug({ purged }, "expired request nonces purged");
      // A full batch means more are due: the worker runs the next pass at once.
      return { done: purged, more: purged === NONCE_PURGE_BATCH_SIZE };
    },
  };
}
