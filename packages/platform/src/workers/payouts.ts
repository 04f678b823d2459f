// The payout jobs: the release of pending funds once their availableOn has passed, the dispatch of PENDING
// payouts to the bank (and the re-asking of calls without an answer, with the same key), and the payout
// schedules, the rolling reserves' releases and the micro-deposits still to send. Each pass is bounded and goes through the core's PayoutCommands; several processes may run them
// (releases lock their rows SKIP LOCKED, bank calls and schedules are claimed by a conditional update).
import type { PayoutCommands } from "@paycore/core/payouts/payout-commands";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

const MINUTE_MS = 60_000;
export const RELEASE_BATCH = 500;
export const DISPATCH_BATCH = 50;
export const SCHEDULE_BATCH = 50;

export function balanceReleaseJob(options: {
  commands: Pick<PayoutCommands, "releaseDue" | "releaseDueReserves">;
  log: Pick<Logger, "info">;
  intervalMs?: number;
}): WorkerJob {
  const intervalMs = options.intervalMs ?? MINUTE_MS;
  return {
    name: "balance-release",
    schedule: {
      intervalMs,
      firstPassDelayMs: intervalMs,
      backoff: { initialDelayMs: intervalMs, maxDelayMs: 10 * MINUTE_MS },
    },
    failureMessage: "releasing pending funds failed: they stay pending and are retried",
    async pass(): Promise<PassResult> {
      const released = await options.commands.releaseDue(RELEASE_BATCH);
      // Rolling reserve holds whose days have passed go back to the available balance.
      const reservesReleased = await options.commands.releaseDueReserves(RELEASE_BATCH);
      if (released + reservesReleased > 0)
        options.log.info({ released, reservesReleased }, "pending funds and reserves released");
      return {
        done: released + reservesReleased,
        more: released === RELEASE_BATCH || reservesReleased === RELEASE_BATCH,
      };
    },
  };
}

export function payoutDispatchJob(options: {
  commands: Pick<PayoutCommands, "sendDuePayouts" | "runDueSchedules" | "sendPendingMicroDeposits">;
  log: Pick<Logger, "info">;
  intervalMs?: number;
}): WorkerJob {
  const intervalMs = options.intervalMs ?? 15_000;
  return {
    name: "payout-dispatch",
    schedule: {
      intervalMs,
      firstPassDelayMs: intervalMs,
      backoff: { initialDelayMs: intervalMs, maxDelayMs: 10 * MINUTE_MS },
    },
    failureMessage: "payout dispatch failed: pending payouts stay pending and are retried",
    async pass(): Promise<PassResult> {
      const scheduled = await options.commands.runDueSchedules(SCHEDULE_BATCH);
      const sent = await options.commands.sendDuePayouts(DISPATCH_BATCH);
      // Micro-deposits of a verification whose bank call had no definite answer: asked again, same key.
      const microDeposits = await options.commands.sendPendingMicroDeposits(DISPATCH_BATCH);
      const done = scheduled.created + sent.sent + sent.failed + sent.unknown + microDeposits;
      if (done > 0) options.log.info({ ...scheduled, ...sent, microDeposits }, "payouts dispatched");
      return { done, more: sent.sent + sent.failed + sent.unknown === DISPATCH_BATCH };
    },
  };
}
