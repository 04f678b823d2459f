// The dispute evidence forwarding job: every 30 s, sends evidence that is stored but not yet confirmed delivered
// to the PSP (PENDING: its process died around the call; UNKNOWN: the call timed out), oldest first, in bounded
// batches, through the core's DisputeCommands. Every try uses the evidence's own idempotency key, so the PSP takes
// it once however often it is sent; a lease keeps two processes off the same evidence.
import type { DisputeCommands } from "@paycore/core/disputes/dispute-commands";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

export const EVIDENCE_FORWARDING_INTERVAL_MS = 30_000;
const BATCH_SIZE = 50;

export function disputeEvidenceForwardingJob(options: {
  disputes: Pick<DisputeCommands, "forwardDueEvidence">;
  log: Pick<Logger, "info">;
}): WorkerJob {
  return {
    name: "dispute-evidence-forwarding",
    schedule: {
      intervalMs: EVIDENCE_FORWARDING_INTERVAL_MS,
      firstPassDelayMs: EVIDENCE_FORWARDING_INTERVAL_MS,
      backoff: {
        initialDelayMs: EVIDENCE_FORWARDING_INTERVAL_MS,
        maxDelayMs: 10 * EVIDENCE_FORWARDING_INTERVAL_MS,
      },
    },
    failureMessage:
      "dispute evidence forwarding failed: the evidence stays stored and is sent on a later pass",
    async pass(): Promise<PassResult> {
      const { tried, delivered } = await options.disputes.forwardDueEvidence(BATCH_SIZE);
      if (tried > 0) options.log.info({ tried, delivered }, "dispute evidence forwarded");
      return { done: delivered, more: tried >= BATCH_SIZE };
    },
  };
}
