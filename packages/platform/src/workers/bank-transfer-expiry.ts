// The bank-transfer expiry job: every minute, cancels a bounded batch of bank-transfer payments whose instructions
// expired before the whole amount arrived (through the core's command; the payment row's version guards against
// a credit applied at the same moment). Partial credits they received are queued for return.
import type { BankTransferCommands } from "@paycore/core/bank-transfers/bank-transfer-commands";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

export const BANK_EXPIRY_INTERVAL_MS = 60_000;

export function bankTransferExpiryJob(options: {
  commands: Pick<BankTransferCommands, "expireDue">;
  log: Pick<Logger, "info">;
}): WorkerJob {
  return {
    name: "bank-transfer-expiry",
    schedule: {
      intervalMs: BANK_EXPIRY_INTERVAL_MS,
      firstPassDelayMs: BANK_EXPIRY_INTERVAL_MS,
      backoff: { initialDelayMs: BANK_EXPIRY_INTERVAL_MS, maxDelayMs: 5 * BANK_EXPIRY_INTERVAL_MS },
    },
    failureMessage: "bank-transfer expiry failed: expired payments keep waiting and are retried",
    async pass(): Promise<PassResult> {
      const { expired } = await options.commands.expireDue();
      if (expired > 0) options.log.info({ expired }, "bank-transfer payments expired");
      return { done: expired, more: false };
    },
  };
}
