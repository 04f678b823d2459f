// The process heartbeat job: while this process beats (every 5 s), the PSP
// calls it has in flight are its own to record; once it stops for 20 s, a
// notification or the resolver settles them. It runs in every process that
// builds the app, background workers or not.
import {
  HEARTBEAT_INTERVAL_MS,
  type ProcessInstanceRepository,
} from "@paycore/db/repositories/process-instance.repository";
import type { PassResult, WorkerJob } from "./worker";

/** A failed beat is retried sooner than the interval, never later: four missed beats and the process is gone. */
const HEARTBEAT_RETRY_MS = 1_000;

export function processHeartbeatJob(options: {
  instances: Pick<ProcessInstanceRepository, "heartbeat">;
  instanceId: string;
}): WorkerJob {
  return {
    name: "process-heartbeat",
    schedule: {
      intervalMs: HEARTBEAT_INTERVAL_MS,
      backoff: { initialDelayMs: HEARTBEAT_RETRY_MS, maxDelayMs: HEARTBEAT_INTERVAL_MS },
    },
    failureMessage:
      "process heartbeat failed: this process's PSP calls may be taken over once it misses 20 s",
    async pass(): Promise<PassResult> {
      await options.instances.heartbeat(options.instanceId);
      return { done: 1, more: false };
    },
  };
}
