// Builds the reconciliation command over its Postgres store: one call for the composition root (app, CLI,
// worker), kept out of the shared wiring files so it survives their move to packages/platform.
import { ApprovalCommands } from "@paycore/core/approvals/approval-commands";
import type { DisputeCommands } from "@paycore/core/disputes/dispute-commands";
import { newId } from "@paycore/core/ids/ids";
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import { ReconItemCommands } from "@paycore/core/reconciliation/recon-item-commands";
import {
  DEFAULT_RECONCILIATION_SETTINGS,
  ReconciliationCommands,
  type ReconciliationSettings,
} from "@paycore/core/reconciliation/reconciliation-commands";
import { ShadowReconciliation } from "@paycore/core/reconciliation/shadow-reconciliation";
import { ApprovalStoreRepository } from "@paycore/db/repositories/approval-store.repository";
import { DeadLetterStoreRepository } from "@paycore/db/repositories/dead-letter-store.repository";
import type { PostgresPaymentStore } from "@paycore/db/repositories/payment-store.repository";
import { ReconItemStoreRepository } from "@paycore/db/repositories/recon-item-store.repository";
import { ReconciliationStoreRepository } from "@paycore/db/repositories/reconciliation-store.repository";
import { ShadowReconciliationStoreRepository } from "@paycore/db/repositories/shadow-reconciliation-store.repository";
import type { Sql } from "@paycore/db/sql";

/** Adjustments above 100.00 (in minor units of a 2-decimal currency) need a second operator by default. */
export const DEFAULT_FOUR_EYES_ABOVE_MINOR = 10_000n;

/**
 * `payments`: the payment commands that confirm captures and refunds a report shows settled while we show them in
 * flight (source RECONCILIATION); without them (the CLI) such items wait for the worker's next pass.
 */
export function createReconciliationCommands(
  sql: Sql,
  options: {
    now?: () => Date;
    settings?: ReconciliationSettings;
    payments?: Pick<PaymentCommands, "confirmSettledModification">;
    disputes?: Pick<DisputeCommands, "applyNotification">;
  } = {},
): ReconciliationCommands {
  return new ReconciliationCommands({
    store: new ReconciliationStoreRepository(sql),
    now: options.now ?? (() => new Date()),
    yieldToEventLoop: () => new Promise<void>((resolve) => setImmediate(resolve)),
    settings: options.settings ?? DEFAULT_RECONCILIATION_SETTINGS,
    ...(options.payments ? { payments: options.payments } : {}),
    ...(options.disputes ? { disputes: options.disputes } : {}),
  });
}

/** Operators' actions on reconciliation items, with four-eyes approval of adjustments above the given amount. */
export function createReconItemCommands(
  sql: Sql,
  options: { now?: () => Date; fourEyesAboveMinor?: bigint } = {},
): { items: ReconItemCommands; approvals: ApprovalCommands } {
  const approvals = new ApprovalCommands({
    store: new ApprovalStoreRepository(sql),
    now: options.now ?? (() => new Date()),
  });
  const items = new ReconItemCommands({
    store: new ReconItemStoreRepository(sql),
    approvals,
    fourEyesAboveMinor: options.fourEyesAboveMinor ?? DEFAULT_FOUR_EYES_ABOVE_MINOR,
  });
  return { items, approvals };
}

/**
 * Shadow mode: PSP notifications compared with our state as the webhook routes apply them, and the attempt
 * resolver's contradictions (dead-lettered when their item cannot be written).
 */
export function createShadowReconciliation(
  sql: Sql,
  payments: Pick<PostgresPaymentStore, "findPaymentByPspReference" | "attemptsOf">,
): ShadowReconciliation {
  return new ShadowReconciliation({
    store: new ShadowReconciliationStoreRepository(sql, payments),
    newItemId: () => newId("reconItem"),
    deadLetters: new DeadLetterStoreRepository(sql),
  });
}
