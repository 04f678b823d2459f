// Authorization expiry as a scheduled job (issue 17): every minute, warns of and voids a bounded batch of
// authorizations left uncaptured before their brand's window closes, through the core's cancel path (each under
// its own idempotency key, so several processes may run it).

import type {
  AuthorizationExpiryStore,
  AuthorizationWindows,
} from "@paycore/core/payments/expire-authorizations";
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

export const AUTHORIZATION_SWEEP_INTERVAL_MS = 60_000;

export function authorizationExpiryJob(options: {
  commands: Pick<PaymentCommands, "expireAuthorizations">;
  store: AuthorizationExpiryStore;
  windows: AuthorizationWindows;
  log: Pick<Logger, "info">;
}): WorkerJob {
  return {
    name: "authorization-expiry",
    schedule: {
      intervalMs: AUTHORIZATION_SWEEP_INTERVAL_MS,
      firstPassDelayMs: AUTHORIZATION_SWEEP_INTERVAL_MS,
      backoff: { initialDelayMs: AUTHORIZATION_SWEEP_INTERVAL_MS, maxDelayMs: 5 * 60_000 },
    },
    failureMessage: "authorization expiry failed: authorizations near their window's end are retried",
    async pass(): Promise<PassResult> {
      const { warned, voided, failed } = await options.commands.expireAuthorizations(
        options.store,
        options.windows,
      );
      if (warned + voided + failed > 0)
        options.log.info({ warned, voided, failed }, "authorizations expired");
      return { done: warned + voided, more: false };
    },
  };
}
