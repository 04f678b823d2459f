// The dispute services the app, the webhook routes and the console share: the core's one write path over its
// Postgres store, and the read repository. Built by one call in the composition root.
import { DisputeCommands } from "@paycore/core/disputes/dispute-commands";
import type { PaymentFxRates } from "@paycore/core/ports/payment-fx";
import type { PspRouter } from "@paycore/core/ports/psp-router";
import type { DatabaseClient } from "@paycore/db/client";
import { DisputeRepository } from "@paycore/db/repositories/dispute.repository";
import { DisputeStoreRepository } from "@paycore/db/repositories/dispute-store.repository";

export interface DisputeServices {
  /** The write path for disputes: PSP notifications, accept, evidence. */
  disputes: DisputeCommands;
  /** Read side only. */
  disputeReads: DisputeRepository;
}

/**
 * `psps`: where evidence is forwarded (without them, evidence is stored and left for a process that has them);
 * `fx`: the rates a converted payment's dispute posts with (the payment commands' own).
 */
export function createDisputeServices(
  db: DatabaseClient,
  psps: Pick<PspRouter, "byName"> | null = null,
  now: () => Date = () => new Date(),
  fx: Pick<PaymentFxRates, "newestRate" | "captureConversionOf"> | null = null,
): DisputeServices {
  return {
    disputes: new DisputeCommands({
      store: new DisputeStoreRepository(db),
      now,
      ...(psps === null ? {} : { psps }),
      ...(fx === null ? {} : { fx }),
    }),
    disputeReads: new DisputeRepository(db),
  };
}
