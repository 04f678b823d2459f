// The dispute services the app, the webhook routes and the console share: the core's one write path over its
// Postgres store, and the read repository. Built by one call in the composition root.
import { DisputeCommands } from "@paycore/core/disputes/dispute-commands";
import type { DatabaseClient } from "@paycore/db/client";
import { DisputeRepository } from "@paycore/db/repositories/dispute.repository";
import { DisputeStoreRepository } from "@paycore/db/repositories/dispute-store.repository";

export interface DisputeServices {
  /** The write path for disputes: PSP notifications, accept, evidence. */
  disputes: DisputeCommands;
  /** Read side only. */
  disputeReads: DisputeRepository;
}

export function createDisputeServices(
  db: DatabaseClient,
  now: () => Date = () => new Date(),
): DisputeServices {
  return {
    disputes: new DisputeCommands({ store: new DisputeStoreRepository(db), now }),
    disputeReads: new DisputeRepository(db),
  };
}
