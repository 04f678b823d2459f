// The background workers of a process, for the composition root (runtime.ts): it
// builds them once the database and Redis clients exist, starts them, and
// stops them before it closes those clients. Each worker's job is in its own
// file in this folder; adding one is a line here.

import type { CheckoutCommands } from "@paycore/core/checkout/checkout-commands";
import type { DisputeCommands } from "@paycore/core/disputes/dispute-commands";
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { PayoutCommands } from "@paycore/core/payouts/payout-commands";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import type { ErasureSweepProgress } from "@paycore/db/repositories/event-copy-pii.repository";
import type { PostgresIdempotencyStore } from "@paycore/db/repositories/idempotency.repository";
import { OutboxRepository } from "@paycore/db/repositories/outbox.repository";
import { PartitionRepository } from "@paycore/db/repositories/partition.repository";
import type { ProcessInstanceRepository } from "@paycore/db/repositories/process-instance.repository";
import type { Sql } from "@paycore/db/sql";
import type { Logger } from "pino";
import type { RedisClient } from "../adapters/redis-client";
import type { RequestNonces } from "../adapters/request-nonces";
import type { Mailer } from "../email/mailer";
import type { MerchantWebhooks } from "../merchant-webhooks/merchant-webhooks";
// Workbench (issue 17).
import type { WorkbenchConfig } from "../workbench/workbench-config";
import type { WorkbenchServices } from "../workbench/workbench-services";
import { authorizationExpiryJob } from "./authorization-expiry";
import { ChainSealer } from "./chain-sealer";
import { checkoutSessionExpiryJob } from "./checkout-session-expiry";
import { disputeEvidenceForwardingJob } from "./dispute-evidence-forwarding";
import { emailDeliveryFromSql } from "./email-delivery";
import { idempotencyPurgeJob } from "./idempotency-purge";
import { ledgerCheckJob } from "./ledger-check";
import { metricsRefreshJob } from "./metrics-refresh";
import { OutboxRelay } from "./outbox-relay";
import { partitionMaintenanceJob } from "./partitions";
import { balanceReleaseJob, payoutDispatchJob } from "./payouts";
import { piiErasureSweepJob } from "./pii-erasure-sweep";
import { processHeartbeatJob } from "./process-heartbeat";
import { requestNoncePurgeJob } from "./request-nonce-purge";
import { resolverJob } from "./resolver";
import { reviewHoldExpiryJob } from "./review-hold-expiry";
import { threeDSecureExpiryJob } from "./three-d-secure-expiry";
import { Worker, type WorkerJob } from "./worker";
import { WorkerRegistry } from "./worker-registry";

export interface AppWorkersOptions {
  sql: Sql;
  redis: RedisClient | null;
  log: Logger;
  commands: Pick<
    PaymentCommands,
    "resolveUnknownOutcomes" | "expireReviewHolds" | "expireAuthorizations" | "expireAbandonedActions"
  >;
  idempotencyStore: Pick<PostgresIdempotencyStore, "purgeExpired">;
  instances: Pick<ProcessInstanceRepository, "heartbeat">;
  instanceId: string;
  acknowledgedDeadlineMs?: number;
  /** Merchant webhooks: their delivery worker runs with the background work. */
  merchantWebhooks?: Pick<MerchantWebhooks, "deliveryJob" | "purgeJob">;
  /**
   * The background work (outbox relay, chain sealer, resolver, review-hold expiry): on for the entry points, off
   * in tests that drive it by hand and in the console and CLI. The heartbeat always runs, the purge by default.
   */
  background: boolean;
  /** The idempotency purge; off in the console, which leaves it to the API processes. */
  idempotencyPurge?: boolean;
  /** Where the PSPs publish settlement reports (the sandbox in test mode); null: no scheduled pull. */
  settlementReports?: { job: WorkerJob } | null;
  /** Sends the email outbox (with the background work) when a mail server is configured. */
  email?: { mailer: Mailer; publicBaseUrl: string; pii: PiiVault } | null;
  /** Bank transfers (issue 18): expiry, and returns when a bank is configured; run with the background work. */
  bankTransfers?: { jobs: WorkerJob[] } | null;
  /** Payouts (issue 18): the release of pending funds, the bank dispatch and the schedules. */
  payouts?: Pick<
    PayoutCommands,
    "releaseDue" | "releaseDueReserves" | "sendDuePayouts" | "runDueSchedules" | "sendPendingMicroDeposits"
  >;
  /** Workbench (issue 17): the scheduled ledger check and authorization expiry, with the background work. */
  workbench?: {
    services: Pick<WorkbenchServices, "ledgerCheck" | "ledgerCheckRuns" | "authorizationExpiry">;
    config: WorkbenchConfig;
  };
  /** Hosted checkout (issue 20): expires unpaid checkout sessions with the background work. */
  checkout?: Pick<CheckoutCommands, "expireDue"> | null;
  /** Multiple currencies (issue 18): the scheduled rates fetch when FX_RATES_URL is set; null: none. */
  fxRates?: { job: WorkerJob } | null;
  /** Time partitions (issue 21): days of partitions created ahead (PARTITION_DAYS_AHEAD); run with the background work. */
  partitionDaysAhead?: number;
  /** Signed requests (issue 22): the purge of Postgres nonces past their expiry, with the background work. */
  requestNonces?: Pick<RequestNonces, "purgeExpired"> | null;
  /** Disputes (issue 17): evidence not yet confirmed delivered to the PSP is sent again (same key). */
  disputes?: Pick<DisputeCommands, "forwardDueEvidence"> | null;
  /** Reports the PSPs announce (issue 16): the download queue fed by REPORT_AVAILABLE and report runs. */
  announcedReports?: { job: WorkerJob; poll?: WorkerJob } | null;
  /** Metrics (issue 22): the backlog and age gauges' periodic refresh, with the background work. */
  metricsRefresh?: Parameters<typeof metricsRefreshJob>[0] | null;
  /** Customers' personal data (issue 22): one batch of the oldest open erasure sweep of stored event copies. */
  piiErasureSweep?: ((batchSize: number) => Promise<ErasureSweepProgress | null>) | null;
  /** Sanctions and risk signals (issue 22): screening after list imports, the list fetch, the risk signals. */
  sanctions?: { jobs: WorkerJob[] } | null;
}

export interface AppWorkers {
  registry: WorkerRegistry;
  /** The tamper-evidence sealer when the background work runs (its `status()` is the chain lag metric). */
  chainSealer: ChainSealer | null;
}

/** Builds the registry, not started. */
export function createAppWorkers(options: AppWorkersOptions): AppWorkers {
  const { log } = options;
  const registry = new WorkerRegistry();
  const add = (job: WorkerJob) => registry.add(new Worker(job, { log }));
  const jobLog = (name: string) => log.child({ worker: name });
  add(processHeartbeatJob({ instances: options.instances, instanceId: options.instanceId }));
  if (options.idempotencyPurge !== false)
    add(idempotencyPurgeJob({ store: options.idempotencyStore, log: jobLog("idempotency-purge") }));
  if (!options.background) return { registry, chainSealer: null };

  if (options.redis === null) {
    // Nothing is lost: the rows wait in Postgres and go out once a process with Redis runs.
    const reason = "no Redis configured: outbox rows stay unpublished in Postgres";
    log.warn({ worker: "outbox-relay" }, `the outbox relay is not running: ${reason}`);
    registry.skip({ name: "outbox-relay", reason });
  } else {
    // One per API process is fine: relays share the work through SKIP LOCKED.
    const relay = new OutboxRelay({
      outbox: new OutboxRepository(options.sql),
      redis: options.redis,
      log: jobLog("outbox-relay"),
    });
    registry.add(new Worker(relay, { log: log.child({ stream: relay.stream }) }));
  }
  // Every process may run one: a stream's head is locked FOR UPDATE SKIP LOCKED per batch.
  const chainSealer = new ChainSealer({
    chains: new ChainRepository(options.sql),
    log: jobLog("chain-sealer"),
  });
  add(chainSealer);
  add(
    partitionMaintenanceJob({
      partitions: new PartitionRepository(options.sql),
      log: jobLog("partition-maintenance"),
      ...(options.partitionDaysAhead === undefined ? {} : { daysAhead: options.partitionDaysAhead }),
    }),
  );
  add(
    resolverJob({
      commands: options.commands,
      ...(options.acknowledgedDeadlineMs === undefined
        ? {}
        : { acknowledgedDeadlineMs: options.acknowledgedDeadlineMs }),
      log: jobLog("resolver"),
    }),
  );
  add(reviewHoldExpiryJob({ commands: options.commands, log: jobLog("review-hold-expiry") }));
  add(threeDSecureExpiryJob({ commands: options.commands, log: jobLog("three-d-secure-expiry") }));
  if (options.settlementReports) add(options.settlementReports.job);
  if (options.fxRates) add(options.fxRates.job);
  if (options.email)
    add(emailDeliveryFromSql(options.sql, options.email, jobLog("email-delivery"), options.email.pii));
  if (options.merchantWebhooks) add(options.merchantWebhooks.deliveryJob(jobLog("webhook-delivery")));
  if (options.merchantWebhooks) add(options.merchantWebhooks.purgeJob());
  for (const job of options.bankTransfers?.jobs ?? []) add(job);
  // Sanctions screening and risk signals (issue 22).
  for (const job of options.sanctions?.jobs ?? []) add(job);
  // Payouts (issue 18).
  if (options.payouts) {
    add(balanceReleaseJob({ commands: options.payouts, log: jobLog("balance-release") }));
    add(payoutDispatchJob({ commands: options.payouts, log: jobLog("payout-dispatch") }));
  }
  // Workbench (issue 17).
  if (options.workbench) {
    const { services, config } = options.workbench;
    add(
      ledgerCheckJob({
        intervalMs: config.ledgerCheckIntervalMs,
        check: services.ledgerCheck,
        latest: () => services.ledgerCheckRuns.latest(),
        log: jobLog("ledger-check"),
      }),
    );
    add(
      authorizationExpiryJob({
        commands: options.commands,
        store: services.authorizationExpiry,
        windows: config.authorizationWindows,
        log: jobLog("authorization-expiry"),
      }),
    );
  }
  // Customers' personal data (issue 22): erasures reach the stored event copies.
  if (options.piiErasureSweep)
    add(piiErasureSweepJob({ sweep: options.piiErasureSweep, log: jobLog("pii-erasure-sweep") }));
  // Signed requests (issue 22).
  if (options.requestNonces)
    add(requestNoncePurgeJob({ nonces: options.requestNonces, log: jobLog("request-nonce-purge") }));
  // Disputes (issue 17): evidence forwarding retries.
  if (options.disputes)
    add(
      disputeEvidenceForwardingJob({
        disputes: options.disputes,
        log: jobLog("dispute-evidence-forwarding"),
      }),
    );
  // Reports announced by the PSPs (issue 16).
  if (options.announcedReports) add(options.announcedReports.job);
  // Stripe's report runs polled (a lost report webhook is made up for).
  if (options.announcedReports?.poll) add(options.announcedReports.poll);
  // Metrics (issue 22): the gauges a scrape reads, refreshed by one periodic query.
  if (options.metricsRefresh) add(metricsRefreshJob(options.metricsRefresh));
  // Hosted checkout (issue 20).
  if (options.checkout)
    add(checkoutSessionExpiryJob({ checkout: options.checkout, log: jobLog("checkout-session-expiry") }));
  return { registry, chainSealer };
}
