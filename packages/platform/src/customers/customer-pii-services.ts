// Customers' personal data (issue 22) for the CLI and the console: the erase command over its store, and the
// backfill that seals rows written before sealing began, and the sweep that erases the customer from stored event
// copies after an erasure. The PII vault comes from the configured secrets.
import { CustomerErasureCommands } from "@paycore/core/customers/customer-erasure-commands";
import { parseKeyring } from "@paycore/core/vault/card-vault";
import { createPiiVault, type PiiVault } from "@paycore/core/vault/pii-vault";
import {
  type BackfillProgress,
  backfillPii,
  CustomerErasureStoreRepository,
} from "@paycore/db/repositories/customer-pii-store.repository";
import {
  type ErasureSweepProgress,
  sweepErasedEventCopies,
} from "@paycore/db/repositories/event-copy-pii.repository";
import type { Sql } from "@paycore/db/sql";
import type { AppSecrets } from "../secrets";

export function piiVaultFromSecrets(
  secrets: Pick<AppSecrets, "vaultEncryptionKeys" | "vaultFingerprintKey">,
) {
  return createPiiVault(
    parseKeyring({
      encryptionKeys: secrets.vaultEncryptionKeys,
      fingerprintKey: secrets.vaultFingerprintKey,
    }),
  );
}

export interface CustomerPiiServices {
  customerErasure: CustomerErasureCommands;
  backfill(options: {
    batchSize: number;
    batchesMax?: number;
    onBatch?: (progress: BackfillProgress) => void;
  }): Promise<BackfillProgress[]>;
  /** One batch of the oldest open erasure sweep of stored event copies; null when none is open. */
  sweepEventCopies(batchSize: number): Promise<ErasureSweepProgress | null>;
}

export function createCustomerPiiServices(sql: Sql, pii: PiiVault): CustomerPiiServices {
  return {
    customerErasure: new CustomerErasureCommands({ store: new CustomerErasureStoreRepository(sql), pii }),
    backfill: (options) => backfillPii(sql, pii, options),
    sweepEventCopies: (batchSize) => sweepErasedEventCopies(sql, pii, batchSize),
  };
}
