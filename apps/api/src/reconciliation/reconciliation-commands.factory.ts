// Builds the reconciliation command over its Postgres store: one call for the composition root (app, CLI,
// worker), kept out of the shared wiring files so it survives their move to packages/platform.
import {
  DEFAULT_RECONCILIATION_SETTINGS,
  ReconciliationCommands,
  type ReconciliationSettings,
} from "@paycore/core/reconciliation/reconciliation-commands";
import { ReconciliationStoreRepository } from "@paycore/db/repositories/reconciliation-store.repository";
import type { Sql } from "@paycore/db/sql";

export function createReconciliationCommands(
  sql: Sql,
  options: { now?: () => Date; settings?: ReconciliationSettings } = {},
): ReconciliationCommands {
  return new ReconciliationCommands({
    store: new ReconciliationStoreRepository(sql),
    now: options.now ?? (() => new Date()),
    settings: options.settings ?? DEFAULT_RECONCILIATION_SETTINGS,
  });
}
