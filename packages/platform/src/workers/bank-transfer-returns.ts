// The bank-transfer returns job: sends the money owed back to payers (an overpayment's excess, credits after
// expiry) through the bank, each return under its own id as the bank's idempotency key, and posts the return
// only once the bank accepted it. A bank that cannot be reached is asked again on the next pass. The same pass asks
// the bank again, with the same key, about bank-transfer refunds whose answer was unknown (issue 18).

import type { BankTransferRefunds } from "@paycore/core/bank-transfers/bank-refunds";
import type {
  BankReturnPort,
  BankTransferCommands,
} from "@paycore/core/bank-transfers/bank-transfer-commands";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

export const BANK_RETURNS_INTERVAL_MS = 30_000;

export function bankTransferReturnsJob(options: {
  commands: Pick<BankTransferCommands, "sendReturns">;
  bank: BankReturnPort;
  /** Refunds whose bank answer was unknown; absent: not resolved here. */
  refunds?: Pick<BankTransferRefunds, "resolveUnknown">;
  log: Pick<Logger, "info">;
}): WorkerJob {
  return {
    name: "bank-transfer-returns",
    schedule: {
      intervalMs: BANK_RETURNS_INTERVAL_MS,
      firstPassDelayMs: BANK_RETURNS_INTERVAL_MS,
      backoff: { initialDelayMs: BANK_RETURNS_INTERVAL_MS, maxDelayMs: 10 * BANK_RETURNS_INTERVAL_MS },
    },
    failureMessage: "bank-transfer returns failed: owed money stays owed and is retried",
    async pass(): Promise<PassResult> {
      const { sent, failed } = await options.commands.sendReturns(options.bank);
      if (sent + failed > 0) options.log.info({ sent, failed }, "bank-transfer returns sent");
      const resolved = options.refunds ? (await options.refunds.resolveUnknown()).resolved : 0;
      if (resolved > 0) options.log.info({ resolved }, "bank-transfer refunds resolved");
      return { done: sent + resolved, more: false };
    },
  };
}
