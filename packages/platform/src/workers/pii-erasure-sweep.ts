// Customers' personal data (issue 22): moves the open erasure sweeps of stored event copies forward, one batch per
// pass, so an erasure approved in the console (or a CLI run that was interrupted) reaches the webhook events too.
// Sweeps are locked SKIP LOCKED per batch: every process may run this job.
import type { ErasureSweepProgress } from "@paycore/db/repositories/event-copy-pii.repository";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

export const ERASURE_SWEEP_INTERVAL_MS = 60_000;
export const ERASURE_SWEEP_BATCH_SIZE = 500;

export function piiErasureSweepJob(options: {
  sweep: (batchSize: number) => Promise<ErasureSweepProgress | null>;
  log: Pick<Logger, "info">;
}): WorkerJob {
  return {
    name: "pii-erasure-sweep",
    schedule: {
      intervalMs: ERASURE_SWEEP_INTERVAL_MS,
      firstPassDelayMs: 10_000,
      backoff: { initialDelayMs: ERASURE_SWEEP_INTERVAL_MS, maxDelayMs: 10 * ERASURE_SWEEP_INTERVAL_MS },
    },
    failureMessage: "erasure sweep failed: the open sweep resumes from its cursor on the next pass",
    async pass(): Promise<PassResult> {
      const progress = await options.sweep(ERASURE_SWEEP_BATCH_SIZE);
      if (progress === null) return { done: 0, more: false };
      if (progress.finished)
        options.log.info(
          { sweepId: progress.sweepId, copiesErased: progress.copiesErased },
          "erasure sweep of stored event copies finished",
        );
      // An open sweep (or another one waiting) runs the next pass at once.
      return { done: 1, more: true };
    },
  };
}
