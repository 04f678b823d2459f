// The exception workbench's services (issue 17), built by one call in the composition root and spread into
// AppServices: the write paths (dead letters, manual ledger adjustments with four-eyes approval) and the reads
// the console's workbench pages and the needs-attention sources use.
import { ApprovalCommands } from "@paycore/core/approvals/approval-commands";
import { DeadLetterCommands } from "@paycore/core/dead-letters/dead-letter-commands";
import { LedgerAdjustmentCommands } from "@paycore/core/ledger/ledger-adjustment-commands";
import type { DatabaseClient } from "@paycore/db/client";
import { ApprovalStoreRepository } from "@paycore/db/repositories/approval-store.repository";
import { AuthorizationExpiryRepository } from "@paycore/db/repositories/authorization-expiry.repository";
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { DeadLetterStoreRepository } from "@paycore/db/repositories/dead-letter-store.repository";
import { DisputeRepository } from "@paycore/db/repositories/dispute.repository";
import { LedgerAdjustmentStoreRepository } from "@paycore/db/repositories/ledger-adjustment-store.repository";
import { LedgerAuditRepository } from "@paycore/db/repositories/ledger-audit.repository";
import {
  type LedgerCheckRun,
  LedgerCheckRunRepository,
  type LedgerCheckTrigger,
} from "@paycore/db/repositories/ledger-check-run.repository";
import { WorkbenchQueryRepository } from "@paycore/db/repositories/workbench-query.repository";
import type { Sql } from "@paycore/db/sql";
import { type LedgerCheckDeps, type LedgerCheckOptions, runLedgerCheck } from "../ledger-check";
import { DEFAULT_WORKBENCH_CONFIG, type WorkbenchConfig } from "./workbench-config";

export interface WorkbenchServices {
  /** Replay (after its cause is fixed) and dismissal of dead letters, audited; reads of the list and detail. */
  deadLetters: DeadLetterCommands;
  deadLetterReads: DeadLetterStoreRepository;
  /** Four eyes for the workbench's actions (manual ledger adjustments). */
  approvals: ApprovalCommands;
  ledgerAdjustments: LedgerAdjustmentCommands;
  ledgerAdjustmentReads: LedgerAdjustmentStoreRepository;
  /** Runs the ledger consistency check (incremental when it may be, full on request) and stores the run. */
  ledgerCheck(
    trigger: LedgerCheckTrigger,
    requestedBy: string | null,
    options?: LedgerCheckOptions,
  ): Promise<LedgerCheckRun>;
  ledgerCheckRuns: LedgerCheckRunRepository;
  authorizationExpiry: AuthorizationExpiryRepository;
  /** Escalated attempts, the disputes queue, pending approvals, needs-attention counts. */
  workbenchQueries: WorkbenchQueryRepository;
  workbenchConfig: WorkbenchConfig;
}

export function createWorkbenchServices(
  db: DatabaseClient,
  sql: Sql,
  config: WorkbenchConfig = DEFAULT_WORKBENCH_CONFIG,
  now: () => Date = () => new Date(),
): WorkbenchServices {
  const deadLetterReads = new DeadLetterStoreRepository(sql);
  const approvals = new ApprovalCommands({ store: new ApprovalStoreRepository(sql), now });
  const ledgerAdjustmentReads = new LedgerAdjustmentStoreRepository(sql);
  const ledgerCheckRuns = new LedgerCheckRunRepository(sql);
  const checkDeps: LedgerCheckDeps = {
    audit: new LedgerAuditRepository(db),
    disputes: new DisputeRepository(db),
    chains: new ChainRepository(sql),
    runs: ledgerCheckRuns,
    fullIntervalMs: config.ledgerCheckFullIntervalMs,
    now,
  };
  return {
    deadLetters: new DeadLetterCommands({ store: deadLetterReads }),
    deadLetterReads,
    approvals,
    ledgerAdjustments: new LedgerAdjustmentCommands({
      store: ledgerAdjustmentReads,
      approvals,
      approvalAboveMajor: config.adjustmentApprovalAboveMajor,
    }),
    ledgerAdjustmentReads,
    ledgerCheck: (trigger, requestedBy, options) => runLedgerCheck(checkDeps, trigger, requestedBy, options),
    ledgerCheckRuns,
    authorizationExpiry: new AuthorizationExpiryRepository(sql),
    workbenchQueries: new WorkbenchQueryRepository(sql),
    workbenchConfig: config,
  };
}
