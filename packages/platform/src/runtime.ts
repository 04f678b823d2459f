// The composition root: builds the services (core commands over their stores,
// read repositories), the PSPs and the background workers from configuration.
// The API puts its HTTP transport on top (apps/api/src/app.ts), the console its
// routers, the CLI its commands; tests build the same runtime against their own
// database, Redis and PSP.

import { BankTransferRefunds } from "@paycore/core/bank-transfers/bank-refunds";
import { BankTransferCommands } from "@paycore/core/bank-transfers/bank-transfer-commands";
import { RiskScorer, type VelocityFallback } from "@paycore/core/fraud/risk-scorer";
import { DEFAULT_IDEMPOTENCY_OPTIONS } from "@paycore/core/idempotency/idempotency-service";
import { InvoiceCommands } from "@paycore/core/invoices/invoice-commands";
import { RequestSigningCommands } from "@paycore/core/merchants/request-signing-commands";
import { MerchantAdmission } from "@paycore/core/onboarding/merchant-admission";
import { type LiveLimits, parseLiveLimits } from "@paycore/core/onboarding/onboarding";
import { OnboardingCommands } from "@paycore/core/onboarding/onboarding-commands";
import {
  DEFAULT_RISK_SIGNAL_THRESHOLDS,
  type RiskSignalThresholds,
} from "@paycore/core/onboarding/risk-signals";
import { PaymentCommands } from "@paycore/core/payments/payment-commands";
import { DEFAULT_ACTION_TTL_MS } from "@paycore/core/payments/payment-deps";
import type { PaymentServiceProvider } from "@paycore/core/psp/psp-port";
import type { PspName } from "@paycore/core/psp-accounts/psp-account";
import { PspAccountCommands } from "@paycore/core/psp-accounts/psp-account-commands";
import { AnnouncedReportCommands } from "@paycore/core/reconciliation/announced-reports";
import type { SettlementPsp } from "@paycore/core/reconciliation/settlement-line";
import { DEFAULT_MATCH_THRESHOLD } from "@paycore/core/sanctions/name-matching";
import { SanctionsCommands } from "@paycore/core/sanctions/sanctions-commands";
import { parseKeyring } from "@paycore/core/vault/card-vault";
import { createPiiVault } from "@paycore/core/vault/pii-vault";
import {
  type ApiKeyLookup,
  CachedApiKeys,
  DEFAULT_API_KEY_CACHE_OPTIONS,
  uncachedApiKeys,
} from "@paycore/db/api-key-cache";
import { createDatabaseClient, type DatabaseClient } from "@paycore/db/client";
import { GroupCommit } from "@paycore/db/group-commit";
import { AnnouncedReportStoreRepository } from "@paycore/db/repositories/announced-report-store.repository";
import { ApiKeyAuthRepository } from "@paycore/db/repositories/api-key-auth.repository";
import { BankRefundStoreRepository } from "@paycore/db/repositories/bank-refund-store.repository";
import { BankTransferStoreRepository } from "@paycore/db/repositories/bank-transfer-store.repository";
import { ConsoleOverviewRepository } from "@paycore/db/repositories/console-overview.repository";
import { sweepErasedEventCopies } from "@paycore/db/repositories/event-copy-pii.repository";
import { PostgresIdempotencyStore } from "@paycore/db/repositories/idempotency.repository";
import { InvoiceStoreRepository } from "@paycore/db/repositories/invoice-store.repository";
import { MerchantRepository } from "@paycore/db/repositories/merchant.repository";
import { NodeQueryRepository } from "@paycore/db/repositories/node-query.repository";
import { OnboardingRepository } from "@paycore/db/repositories/onboarding.repository";
import { OnboardingStoreRepository } from "@paycore/db/repositories/onboarding-store.repository";
import { OperationalFiguresRepository } from "@paycore/db/repositories/operational-figures.repository";
import { OperatorKeyRepository } from "@paycore/db/repositories/operator-key.repository";
import { PaymentQueryRepository } from "@paycore/db/repositories/payment-query.repository";
import { PostgresPaymentStore } from "@paycore/db/repositories/payment-store.repository";
import {
  newInstanceId,
  ProcessInstanceRepository,
} from "@paycore/db/repositories/process-instance.repository";
import { PspAccountRepository } from "@paycore/db/repositories/psp-account.repository";
import { ReceiptRepository } from "@paycore/db/repositories/receipt.repository";
import { ReconciliationRepository } from "@paycore/db/repositories/reconciliation.repository";
import { RequestSigningStoreRepository } from "@paycore/db/repositories/request-signing-store.repository";
import { RiskDataRepository, RiskListRepository } from "@paycore/db/repositories/risk-data.repository";
import { RiskSignalsRepository } from "@paycore/db/repositories/risk-signals.repository";
import { MerchantRoutingReader } from "@paycore/db/repositories/routing-rule.repository";
import { SanctionsRepository } from "@paycore/db/repositories/sanctions.repository";
import { SanctionsStoreRepository } from "@paycore/db/repositories/sanctions-store.repository";
import { WebhookRepository } from "@paycore/db/repositories/webhook.repository";
import { createPool, Sql } from "@paycore/db/sql";
import { SandboxPsp } from "@paycore/psp-testkit/sandbox-psp";
import type { Logger } from "pino";
import { GeoIpLocator } from "./adapters/geoip-locator";
import { LivePsps } from "./adapters/live-psps";
import { PaymentWatch } from "./adapters/payment-watch";
import { AppPspRouter, type RoutablePsp, StaticPspSet } from "./adapters/psp-router";
import { createRedisClient, type RedisClient } from "./adapters/redis-client";
import { onRedisFallback } from "./adapters/redis-deadline";
import { deleteLegacyIdempotencyEntries, RedisIdempotencyCache } from "./adapters/redis-idempotency-cache";
import { RedisVelocityCounter } from "./adapters/redis-velocity-counter";
import { RequestNonces } from "./adapters/request-nonces";
import { createAdminCommands } from "./admin-commands";
import { bankRefundRails } from "./bank-rails/bank-refund-rails";
import { bankReturnsClient } from "./bank-rails/bank-returns-client";
import { createCheckoutCommands } from "./checkout/checkout-services";
import { createDisputeServices } from "./dispute-services";
import { EVIDENCE_PDF } from "./documents/evidence-pdf";
import { createMailer, type MailerConfig } from "./email/mailer";
import type { Env } from "./env";
// Multiple currencies (issue 18, FX)
import { createFxServices } from "./fx/fx-services";
import { createInvoiceServices } from "./invoice-services";
import { createMerchantWebhooks } from "./merchant-webhooks/merchant-webhooks";
import { MeteredIdempotencyService } from "./metrics/metered-idempotency";
import { meterPaymentCreation } from "./metrics/metered-payments";
import { MeteredPspRouter } from "./metrics/metered-psp-router";
import { createPlatformMetrics, type PlatformMetrics } from "./metrics/metrics";
import { type BankRailsConfig, createPayoutServices } from "./payout-services";
import type { PspAdapter } from "./psps/psp-module";
import { PSP_MODULES, pspCatalog, pspModule, sandboxSettlementReportPsps } from "./psps/registry";
import { ResilientPsp } from "./psps/resilient-psp";
import {
  createReconciliationCommands,
  createShadowReconciliation,
} from "./reconciliation/reconciliation-commands.factory";
import { type AppSecrets, loadSecrets } from "./secrets";
import type { AppServices } from "./services";
import { createThreeDSecureReturnState } from "./three-d-secure/return-state";
import { tracedCommands } from "./tracing/traced-commands";
import {
  DEFAULT_WORKBENCH_CONFIG,
  type WorkbenchConfig,
  workbenchConfigFromEnv,
} from "./workbench/workbench-config";
import { createWorkbenchServices } from "./workbench/workbench-services";
import { announcedReportFetchJob, type ReportCredentials } from "./workers/announced-report-fetch";
import { createAppWorkers } from "./workers/app-workers";
import { bankTransferExpiryJob } from "./workers/bank-transfer-expiry";
import { bankTransferReturnsJob } from "./workers/bank-transfer-returns";
import type { ChainSealer } from "./workers/chain-sealer";
import { fxRatesFetchJob } from "./workers/fx-rates-fetch";
import { type MetricsRefreshSources, refreshOperationalGauges } from "./workers/metrics-refresh";
import { type ReportRunSource, reportRunPollJob } from "./workers/report-run-poll";
import { riskSignalsJob } from "./workers/risk-signals";
import { sanctionsListFetchJob, sanctionsScreeningJob } from "./workers/sanctions-screening";
import { sandboxSettlementSource, settlementReportFetchJob } from "./workers/settlement-report-fetch";
import type { WorkerRegistry } from "./workers/worker-registry";

/** UNVERIFIED_LIVE_LIMITS' default: 1,000.00 in each of EUR, USD and GBP. */
export const DEFAULT_UNVERIFIED_LIVE_LIMITS = "EUR:100000,USD:100000,GBP:100000";

export interface RuntimeConfig {
  databaseUrl: string;
  databasePoolMax: number;
  /** Group commit of the payment hot path's writes (default on); false: one statement, one commit each. */
  databaseGroupCommit?: boolean;
  /** Group commit's coalescing window in ms (default 0: off; see packages/db/src/group-commit.ts). */
  databaseGroupCommitWindowMs?: number;
  /**
   * How long an authenticated API key is served from memory (packages/db/src/api-key-cache.ts; default 2,000 ms);
   * 0 reads the key on every request.
   */
  apiKeyCacheTtlMs?: number;
  /** Where the key cache's listener connects (LISTEN needs Postgres itself, not a pooler); default databaseUrl. */
  databaseListenUrl?: string | null;
  /** Null runs without the Redis fast path: correct, a little slower. */
  redisUrl: string | null;
  /** A Redis Cluster's seed nodes (`host:port`); takes the place of redisUrl. */
  redisClusterNodes?: readonly string[] | null;
  secrets: AppSecrets;
  idempotencyRetentionHours: number;
  idempotencyWaitMs: number;
  /** Time partitions (issue 21): days of partitions the partition worker keeps ahead (default 14). */
  partitionDaysAhead?: number;
  velocityFallback: VelocityFallback;
  reviewHoldTtlMs: number;
  /** 3-D Secure: how long a challenge may take before the payment is cancelled (default 15 minutes). */
  threeDSecureActionTtlMs?: number;
  /** When the resolver first looks up a modification the PSP acknowledged and no notification decided. */
  acknowledgedDeadlineMs?: number;
  logger: Logger;
  /**
   * Background workers (outbox relay, chain sealer, resolver, hold expiry): on for the entry points, off in tests
   * that drive them by hand and in the console and the CLI. The process heartbeat runs either way.
   */
  workers?: boolean;
  /** Outgoing mail (receipts, credit notes); null or absent: mail waits in the email outbox. */
  email?: MailerConfig | null;
  /** This API's public origin, for the links to hosted documents; defaults to http://127.0.0.1. */
  publicBaseUrl?: string;
  /** The idempotency purge (default on): the console leaves it to the API processes. */
  idempotencyPurge?: boolean;
  /**
   * The sandbox server's URL: test mode reaches each PSP it emulates there (its module's `sandbox.path`);
   * null: the in-process sandbox.
   */
  pspSandboxUrl: string | null;
  /** Where one PSP's emulation is reached instead of the sandbox server (tests: a closed port, for failover). */
  pspSandboxOverrides?: Readonly<Record<string, string>>;
  pspTimeoutMs: number;
  /** The test-mode PSP when no sandbox server is configured; defaults to a new in-process sandbox. */
  sandboxPsp?: PaymentServiceProvider;
  // ---- Bank transfers (issue 18, part 3) ----
  /** The bank's notification secret; null or absent: POST /webhooks/bank answers 404. */
  bankWebhookSecret?: string | null;
  /** The bank's API for returns; absent: `${pspSandboxUrl}/bank` when a sandbox server is configured. */
  bankRailsUrl?: string | null;
  /** Payouts (issue 18): the bank that sends them; null or absent: payouts are created and wait PENDING. */
  bankRails?: BankRailsConfig | null;
  /** Four eyes (issue 18): fixed reserves above this many major units wait for a second admin; absent: none. */
  reserveApprovalAboveMajor?: bigint | null;
  /** Workbench (issue 17): authorization windows, the adjustment approval threshold, the ledger check's interval. */
  workbench?: WorkbenchConfig;
  // ---- Multiple currencies (issue 18, FX) ----
  /** A rate older than this is stale (FX_RATE_MAX_AGE_HOURS); absent: DEFAULT_FX_RATE_MAX_AGE_HOURS. */
  fxRateMaxAgeHours?: number;
  /** Where the scheduled fetch gets rates (FX_RATES_URL) and how often; null or absent: no scheduled fetch. */
  fxRatesFetch?: { url: string; intervalMs: number } | null;
  /** The `process` label on this runtime's metrics (issue 22); defaults to "api". */
  metricsProcess?: string;
  // ---- Onboarding (issue 22) ----
  /** An unverified merchant's live payments, total per currency (UNVERIFIED_LIVE_LIMITS); absent: the default. */
  unverifiedLiveLimits?: LiveLimits;
  /** Sanctions: the Jaro-Winkler score at or above which a listed name is a hit (SANCTIONS_MATCH_THRESHOLD). */
  sanctionsMatchThreshold?: number;
  /** Sanctions: the scheduled list fetch (SANCTIONS_OFAC_SDN_URL, SANCTIONS_EU_URL); absent: none (offline). */
  sanctionsFetch?: { ofacSdnUrl: string | null; euUrl: string | null; intervalMs: number } | null;
  /** Risk signals (RISK_SIGNAL_*, RISK_*_RATE_MAX_BPS); absent: the defaults. */
  riskSignals?: RiskSignalThresholds;
  /**
   * Test-mode merchant webhooks may go to loopback (a receiver on the developer's machine, which is the platform's
   * own under `npm start`). Absent: true; `runtimeConfigFromEnv` sets false under NODE_ENV=production, where
   * loopback is the platform's host and its internal services (SSRF).
   */
  webhookTestModeLoopback?: boolean;
}

/** Where test mode's PSP notifications are verified: the API's webhook routes serve them. */
export type TestModeWebhooks = ReadonlyMap<PspName, { secret: string; adapter: PspAdapter }>;

export interface Runtime {
  services: AppServices;
  db: DatabaseClient;
  /** node-postgres on the same pool as `db`: the payment hot path and the outbox relay. */
  sql: Sql;
  redis: RedisClient | null;
  /** Test mode's webhook verifiers (none with the in-process sandbox). */
  testModeWebhooks: TestModeWebhooks;
  /** The in-process sandbox when test mode runs on it (the API serves its 3-D Secure challenge page); else null. */
  inProcessSandbox: SandboxPsp | null;
  /** The tamper-evidence sealer when workers run (its `status()` is the chain lag metric). */
  chainSealer: ChainSealer | null;
  /** This process's workers, started; the API serves their health on GET /health/workers. */
  workers: WorkerRegistry;
  /** Prometheus metrics (issue 22): the registry a /metrics route serves, and the instruments. */
  metrics: PlatformMetrics;
  /** Sets the backlog and age gauges now (the metrics-refresh worker does it every 30 s). */
  refreshMetrics(): Promise<void>;
  close(): Promise<void>;
}

/** The configuration every entry point (API, console, CLI) builds from the environment. */
export function runtimeConfigFromEnv(env: Env, databaseUrl: string, logger: Logger): RuntimeConfig {
  return {
    databaseUrl,
    databasePoolMax: env.DATABASE_POOL_MAX,
    databaseGroupCommit: env.DATABASE_GROUP_COMMIT === "on",
    databaseGroupCommitWindowMs: env.DATABASE_GROUP_COMMIT_WINDOW_MS,
    apiKeyCacheTtlMs: env.API_KEY_CACHE_TTL_MS,
    databaseListenUrl: env.DATABASE_LISTEN_URL ?? null,
    redisUrl: env.REDIS_URL ?? null,
    redisClusterNodes: env.REDIS_CLUSTER_NODES
      ? env.REDIS_CLUSTER_NODES.split(",").map((node) => node.trim())
      : null,
    secrets: loadSecrets(env),
    idempotencyRetentionHours: env.IDEMPOTENCY_RETENTION_HOURS,
    idempotencyWaitMs: env.IDEMPOTENCY_WAIT_MS,
    partitionDaysAhead: env.PARTITION_DAYS_AHEAD,
    velocityFallback: env.FRAUD_VELOCITY_FALLBACK,
    pspSandboxUrl: env.PSP_SANDBOX_URL ?? null,
    pspTimeoutMs: env.PSP_TIMEOUT_MS,
    workers: true,
    reviewHoldTtlMs: env.REVIEW_HOLD_TTL_MINUTES * 60_000,
    threeDSecureActionTtlMs: env.THREE_D_SECURE_ACTION_TTL_MINUTES * 60_000,
    acknowledgedDeadlineMs: env.RESOLVER_ACKNOWLEDGED_DEADLINE_MINUTES * 60_000,
    email: env.SMTP_URL ? { smtpUrl: env.SMTP_URL, from: env.EMAIL_FROM } : null,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://${env.HOST}:${env.PORT}`,
    bankWebhookSecret: env.BANK_WEBHOOK_SECRET ?? null,
    bankRailsUrl: env.BANK_RAILS_URL ?? null,
    workbench: workbenchConfigFromEnv(env),
    logger,
    // Payouts (issue 18): a bank needs its URL (or the sandbox's) and the secret of its notifications.
    bankRails:
      (env.BANK_RAILS_URL ?? env.PSP_SANDBOX_URL) && env.BANK_WEBHOOK_SECRET
        ? {
            baseUrl: env.BANK_RAILS_URL ?? `${(env.PSP_SANDBOX_URL as string).replace(/\/$/, "")}/bank/v1`,
            apiKey: env.BANK_RAILS_API_KEY,
            webhookSecret: env.BANK_WEBHOOK_SECRET,
            timeoutMs: env.BANK_TIMEOUT_MS,
          }
        : null,
    // Multiple currencies (issue 18, FX).
    fxRateMaxAgeHours: env.FX_RATE_MAX_AGE_HOURS,
    unverifiedLiveLimits: parseLiveLimits(env.UNVERIFIED_LIVE_LIMITS),
    reserveApprovalAboveMajor: BigInt(env.RESERVE_APPROVAL_ABOVE),
    sanctionsMatchThreshold: env.SANCTIONS_MATCH_THRESHOLD,
    riskSignals: {
      windowDays: env.RISK_SIGNAL_WINDOW_DAYS,
      minPayments: env.RISK_SIGNAL_MIN_PAYMENTS,
      refundRateMaxBps: env.RISK_REFUND_RATE_MAX_BPS,
      disputeRateMaxBps: env.RISK_DISPUTE_RATE_MAX_BPS,
      declineRateMaxBps: env.RISK_DECLINE_RATE_MAX_BPS,
    },
    sanctionsFetch:
      env.SANCTIONS_OFAC_SDN_URL || env.SANCTIONS_EU_URL
        ? {
            ofacSdnUrl: env.SANCTIONS_OFAC_SDN_URL ?? null,
            euUrl: env.SANCTIONS_EU_URL ?? null,
            intervalMs: env.SANCTIONS_FETCH_INTERVAL_MINUTES * 60_000,
          }
        : null,
    fxRatesFetch: env.FX_RATES_URL
      ? { url: env.FX_RATES_URL, intervalMs: env.FX_RATES_FETCH_INTERVAL_MINUTES * 60_000 }
      : null,
    webhookTestModeLoopback:
      env.WEBHOOK_TEST_MODE_LOOPBACK === undefined
        ? env.NODE_ENV !== "production"
        : env.WEBHOOK_TEST_MODE_LOOPBACK === "true",
  };
}

/**
 * Test mode's PSPs. With a sandbox server: every registered PSP it emulates, through the PSP's own adapter,
 * behind retries and a circuit breaker. Without: the in-process sandbox.
 */
function testModePsps(config: RuntimeConfig): {
  routable: RoutablePsp[];
  webhooks: TestModeWebhooks;
  inProcess: SandboxPsp | null;
} {
  if (config.pspSandboxUrl === null) {
    // Its 3-D Secure challenge page is served by the API (apps/api/src/three-d-secure/sandbox-challenge.ts).
    const sandbox =
      config.sandboxPsp ??
      new SandboxPsp({ challengeUrlBase: `${publicBaseUrlOf(config)}${SANDBOX_CHALLENGE_PATH}` });
    return {
      routable: [{ psp: sandbox, profile: { name: sandbox.name, costBps: 0, currencies: "any" } }],
      webhooks: new Map(),
      inProcess: sandbox instanceof SandboxPsp ? sandbox : null,
    };
  }
  const base = config.pspSandboxUrl.replace(/\/$/, "");
  const routable: RoutablePsp[] = [];
  const webhooks = new Map<PspName, { secret: string; adapter: PspAdapter }>();
  for (const module of PSP_MODULES.values()) {
    if (!module.sandbox) continue;
    const adapter = module.createAdapter({
      endpoint: config.pspSandboxOverrides?.[module.id] ?? `${base}${module.sandbox.path}`,
      apiKey: module.sandbox.apiKey,
      merchantAccount: module.sandbox.merchantAccount,
      timeoutMs: config.pspTimeoutMs,
      evidencePdf: EVIDENCE_PDF,
    });
    const resilient = new ResilientPsp(adapter);
    routable.push({ psp: resilient, profile: module.profile, breakerState: () => resilient.breakerState() });
    webhooks.set(module.id, { secret: module.sandbox.webhookSecret(config.secrets), adapter });
  }
  return { routable, webhooks, inProcess: null };
}

/** 3-D Secure: the API's route a challenge returns to (the payment id follows). */
export const THREE_D_SECURE_RETURN_PATH = "/three-d-secure/return/";
/** 3-D Secure: where the API serves the in-process sandbox's challenge page (its PSP reference follows). */
export const SANDBOX_CHALLENGE_PATH = "/sandbox/3ds/challenge/";

function publicBaseUrlOf(config: Pick<RuntimeConfig, "publicBaseUrl">): string {
  return (config.publicBaseUrl ?? "http://127.0.0.1").replace(/\/$/, "");
}

/** Test mode's accounts whose report runs the poll lists: each sandbox PSP whose module lists runs (Stripe's). */
export function testModeReportRunSources(webhooks: TestModeWebhooks): ReportRunSource[] {
  return [...webhooks].flatMap(([name, { adapter }]) => {
    const reports = pspModule(name)?.settlementReports;
    const list = reports?.succeededReportRuns;
    return reports === undefined || list === undefined
      ? []
      : [
          {
            label: "test",
            mode: "test" as const,
            psp: reports.layout,
            succeededReportRuns: (since: number, limit: number) => list(adapter, since, limit),
          },
        ];
  });
}

/**
 * Every live account whose report runs the poll lists (those with report credentials configured); a failure to
 * list one becomes that account's alert.
 */
export async function liveReportRunSources(
  livePsps: Pick<LivePsps, "reportRunSources" | "recordReportRunFailure">,
): Promise<ReportRunSource[]> {
  return (await livePsps.reportRunSources()).map((source) => ({
    label: source.accountId,
    psp: source.layout,
    mode: "live",
    succeededReportRuns: source.succeededReportRuns,
    recordFailure: (message: string) => livePsps.recordReportRunFailure(source.accountId, message),
  }));
}

/** Test mode's report downloads: from the sandbox server only, with each emulated PSP's report credentials. */
export function sandboxReportCredentials(
  sandboxUrl: string,
): (psp: SettlementPsp) => Promise<ReportCredentials[]> {
  return async (psp) => {
    const module = pspModule(psp);
    return module?.sandbox
      ? [{ origin: sandboxUrl, authorization: module.sandbox.reportAuthorization, account: "sandbox" }]
      : [];
  };
}

/**
 * Report downloads in both modes: test mode's sandbox (when configured), then the active live account's report
 * origin with its report credentials (the vault's REPORT_CREDENTIAL; null authorization when not configured).
 */
export function reportCredentialsOf(
  sandboxUrl: string | null,
  livePsps: Pick<LivePsps, "reportCredentials">,
): (psp: SettlementPsp) => Promise<ReportCredentials[]> {
  const sandbox = sandboxUrl === null ? null : sandboxReportCredentials(sandboxUrl);
  return async (psp) => {
    const live = await livePsps.reportCredentials(psp);
    return [
      ...(sandbox === null ? [] : await sandbox(psp)),
      ...(live === null
        ? []
        : [{ origin: live.origin, authorization: live.authorization, account: live.accountId }]),
    ];
  };
}

function createApiKeyLookup(config: RuntimeConfig, sql: Sql): ApiKeyLookup {
  const source = new ApiKeyAuthRepository(sql);
  const ttlMs = config.apiKeyCacheTtlMs ?? DEFAULT_API_KEY_CACHE_OPTIONS.ttlMs;
  if (ttlMs === 0) return uncachedApiKeys(source);
  return new CachedApiKeys(
    source,
    config.databaseListenUrl ?? config.databaseUrl,
    { ...DEFAULT_API_KEY_CACHE_OPTIONS, ttlMs },
    (error) =>
      config.logger.warn(
        { err: { message: error.message, code: (error as { code?: unknown }).code } },
        "API key change listener failed; keys are read on every request until it reconnects",
      ),
  );
}

export function createRuntime(config: RuntimeConfig): Runtime {
  // One pool for both clients: node-postgres statements on the payment hot path, Prisma for the rest.
  const pool = createPool({
    url: config.databaseUrl,
    max: config.databasePoolMax,
    // The message and code only: node-postgres hangs the whole client on the error (its statements and the
    // server's cancel key), which has no place in a log line.
    onIdleError: (error) =>
      config.logger.warn(
        { err: { message: error.message, code: (error as { code?: unknown }).code } },
        "idle database connection failed",
      ),
  });
  const sql = new Sql(pool);
  const db = createDatabaseClient({ pool });
  const apiKeys = createApiKeyLookup(config, sql);
  const redisTarget = config.redisClusterNodes?.length
    ? { clusterNodes: config.redisClusterNodes }
    : config.redisUrl
      ? { url: config.redisUrl }
      : null;
  const redis = redisTarget ? createRedisClient(redisTarget, (message) => config.logger.info(message)) : null;
  const idempotencyStore = new PostgresIdempotencyStore(sql);
  const idempotency = new MeteredIdempotencyService(
    idempotencyStore,
    redis ? new RedisIdempotencyCache(redis) : null,
    {
      ...DEFAULT_IDEMPOTENCY_OPTIONS,
      hashSecret: Buffer.from(config.secrets.idempotencyHashSecret, "base64"),
      retentionMs: config.idempotencyRetentionHours * 60 * 60 * 1000,
      waitForInProgressMs: config.idempotencyWaitMs,
    },
  );
  // This process's liveness (its heartbeat is a worker below): the PSP calls it makes are its own to record.
  const instanceId = newInstanceId();
  const instances = new ProcessInstanceRepository(sql);
  void instances
    .purgeGone()
    .catch((error: unknown) => config.logger.warn({ err: error }, "purging gone processes failed"));
  const vault = parseKeyring({
    encryptionKeys: config.secrets.vaultEncryptionKeys,
    fingerprintKey: config.secrets.vaultFingerprintKey,
  });
  // Customers' e-mails and IPs sealed at rest, searched by blind index (issue 22).
  const pii = createPiiVault(vault);
  // The payments' intent and change statements of requests waiting at the same moment share one commit.
  const paymentWrites =
    config.databaseGroupCommit === false
      ? sql
      : new GroupCommit(pool, { windowMs: config.databaseGroupCommitWindowMs ?? 0 });
  const paymentStore = new PostgresPaymentStore(db, sql, instanceId, pii, paymentWrites);
  const riskData = new RiskDataRepository(sql, pii);
  const risk = new RiskScorer({
    velocity: redis
      ? new RedisVelocityCounter(redis, (kind, value) => pii.blindIndex(kind, value) as string, pii)
      : null,
    velocityFallback: config.velocityFallback,
    data: riskData,
    geo: new GeoIpLocator(),
  });
  const testPsps = testModePsps(config);
  // Metrics (issue 22): one registry per runtime; the pool and breaker gauges read their figures at scrape time.
  const metrics = createPlatformMetrics({
    process: config.metricsProcess ?? "api",
    pool: () => pool,
    groupCommit: () => (paymentWrites instanceof GroupCommit ? paymentWrites.stats : null),
    // Test mode's sandboxes and live mode's PSP accounts (built lazily below; read only at scrape time).
    breakers: async () => [
      ...testPsps.routable.flatMap((p) =>
        p.breakerState ? [{ psp: p.psp.name, mode: "test" as const, state: p.breakerState() }] : [],
      ),
      ...livePsps.breakerStates().map(({ psp, state }) => ({ psp, mode: "live" as const, state })),
    ],
  });
  idempotency.observeWith(metrics);
  const stopCountingRedisFallbacks = onRedisFallback((reason) => metrics.redisFallbacks.inc({ reason }));
  const pspAccountStore = new PspAccountRepository(db);
  const pspAccounts = new PspAccountCommands({
    store: pspAccountStore,
    vault,
    psps: pspCatalog(),
    now: () => new Date(),
  });
  const livePsps = new LivePsps({
    accounts: pspAccounts,
    checks: pspAccountStore,
    timeoutMs: config.pspTimeoutMs,
    log: config.logger,
  });
  // Multiple currencies (issue 18, FX): rates, the rate book the payment commands convert with, conversions.
  const fx = createFxServices(
    sql,
    db,
    config.fxRateMaxAgeHours === undefined ? {} : { maxAgeHours: config.fxRateMaxAgeHours },
  );
  // Sanctions (issue 22): merchants, representatives and bank-account holders screened against the imported lists.
  const sanctions = new SanctionsCommands({
    store: new SanctionsStoreRepository(sql),
    threshold: config.sanctionsMatchThreshold ?? DEFAULT_MATCH_THRESHOLD,
  });
  // Onboarding (issue 22): live payments and payouts ask the merchant's standing first.
  const onboardingStore = new OnboardingStoreRepository(sql);
  const admission = new MerchantAdmission(
    onboardingStore,
    config.unverifiedLiveLimits ?? parseLiveLimits(DEFAULT_UNVERIFIED_LIVE_LIMITS),
  );
  // Test mode only ever reaches sandboxes; live mode only the PSP accounts operators configured.
  const pspRouter = new MeteredPspRouter(
    new AppPspRouter(
      { TEST: new StaticPspSet(testPsps.routable), LIVE: livePsps },
      new MerchantRoutingReader(sql),
    ),
    metrics,
  );
  const threeDSecureReturnState = createThreeDSecureReturnState(config.secrets.idempotencyHashSecret);
  // Refunds of bank-transfer payments (issue 18): through the bank rails (returns along the paying transfer, or a
  // credit transfer to an account the refund names), behind the same refundPayment command.
  const refundBankUrl =
    config.bankRailsUrl ?? (config.pspSandboxUrl ? `${config.pspSandboxUrl.replace(/\/$/, "")}/bank` : null);
  const bankRefunds = new BankTransferRefunds({
    store: new BankRefundStoreRepository(sql, pii),
    vault,
    bank: refundBankUrl
      ? bankRefundRails(refundBankUrl, config.bankRails ?? null, config.pspTimeoutMs)
      : null,
    now: () => new Date(),
  });
  // Reconciliation's shadow mode (issue 16): the webhook routes and the attempt resolver report contradictions to it.
  const shadowReconciliation = createShadowReconciliation(sql, paymentStore);
  const untracedCommands = new PaymentCommands({
    bankRefunds,
    contradictions: shadowReconciliation,
    admission,
    fx: fx.fxRates,
    store: paymentStore,
    idempotency,
    psps: pspRouter,
    risk,
    reviewHoldTtlMs: config.reviewHoldTtlMs,
    vault,
    now: () => new Date(),
    // 3-D Secure (issue 20): the PSP's challenge page sends the customer back to the API's return route.
    threeDSecure: {
      // The payment is named by paycore's own signed state (three-d-secure/return-state.ts), never by the PSP.
      returnUrlFor: (paymentId) =>
        `${publicBaseUrlOf(config)}${THREE_D_SECURE_RETURN_PATH}${paymentId}/${threeDSecureReturnState.stateFor(paymentId)}`,
      actionTtlMs: config.threeDSecureActionTtlMs ?? DEFAULT_ACTION_TTL_MS,
    },
  });
  // A span per payment command when tracing is on (issue 22); the same object when it is off.
  const commands = tracedCommands(meterPaymentCreation(untracedCommands, metrics), "payments");
  const bankTransferStore = new BankTransferStoreRepository(sql, pii);
  const bankRailsUrl =
    config.bankRailsUrl ?? (config.pspSandboxUrl ? `${config.pspSandboxUrl.replace(/\/$/, "")}/bank` : null);
  const invoiceCommands = new InvoiceCommands({ store: new InvoiceStoreRepository(sql, pii), idempotency });
  const checkoutCommands = createCheckoutCommands({
    sql,
    idempotency,
    payments: commands,
    paymentReader: paymentStore,
    invoices: invoiceCommands,
    log: config.logger,
    pii,
  });
  const services: AppServices = {
    commands,
    paymentStore,
    pii,
    queries: new PaymentQueryRepository(db, sql, pii),
    nodes: new NodeQueryRepository(db, sql, pii),
    paymentWatch: new PaymentWatch(
      (ids) => new NodeQueryRepository(db, sql, pii).versionsByIds(ids),
      config.logger,
    ),
    merchants: new MerchantRepository(db),
    riskLists: new RiskListRepository(db),
    apiKeys,
    operatorKeys: new OperatorKeyRepository(db),
    webhooks: new WebhookRepository(db),
    pspAccounts,
    livePsps,
    // A key changed through this process is forgotten at once; other processes hear of it from Postgres.
    ...createAdminCommands(
      db,
      () => new Date(),
      sanctions,
      (keyId) => apiKeys.forget(keyId),
    ),
    receipts: new ReceiptRepository(sql, pii),
    publicBaseUrl: config.publicBaseUrl ?? "http://127.0.0.1",
    invoiceCommands,
    merchantWebhooks: createMerchantWebhooks({
      sql,
      vault,
      pii,
      addressPolicy: { testModeLoopback: config.webhookTestModeLoopback ?? true },
    }),
    // Disputes: evidence is forwarded to the dispute's PSP through the same router (issue 17).
    // A converted payment's dispute posts in the settlement currency with the payments' rates (issue 18).
    ...createDisputeServices(db, pspRouter, () => new Date(), fx.fxRates),
    // ---- Bank transfers (issue 18, part 3) ----
    bankTransfers: new BankTransferCommands({ store: bankTransferStore, idempotency, now: () => new Date() }),
    bankTransferStore,
    bankRefunds,
    // Payouts (issue 18).
    ...createPayoutServices({
      sql,
      idempotency,
      vault,
      bank: config.bankRails ?? null,
      reserveApprovalAboveMajor: config.reserveApprovalAboveMajor ?? null,
      admission,
      screening: sanctions,
    }),
    // Onboarding and KYC (issue 22): the write path, the console's reads, the standing checks.
    onboarding: new OnboardingCommands({
      store: onboardingStore,
      now: () => new Date(),
      screening: sanctions,
    }),
    sanctions,
    sanctionsReads: new SanctionsRepository(sql),
    onboardingReads: new OnboardingRepository(sql),
    admission,
    // One secret for both kinds of the bank's notifications (payouts and incoming credits).
    bankWebhookSecret: config.bankWebhookSecret ?? config.bankRails?.webhookSecret ?? null,
    // Workbench (issue 17): dead letters, manual ledger adjustments, the ledger check, authorization expiry.
    ...createWorkbenchServices(db, sql, config.workbench),
    // Reconciliation's shadow mode (issue 16).
    shadowReconciliation,
    // Settlement reports the PSPs announce (issue 16).
    announcedReports: new AnnouncedReportCommands({
      store: new AnnouncedReportStoreRepository(sql),
      now: () => new Date(),
    }),
    // Hosted checkout (issue 20).
    checkoutCommands,
    // ---- invoices' documents and hosted payment (issue 20 part 2), paid through the hosted checkout ----
    invoices: createInvoiceServices({
      sql,
      invoiceCommands,
      paymentQueries: new PaymentQueryRepository(db, sql, pii),
      checkout: { checkoutCommands, publicBaseUrl: publicBaseUrlOf(config) },
      pii,
    }),
    // Multiple currencies (issue 18, FX): the rates command, the rate book, conversions.
    ...fx,
    // Signed requests (issue 22): signing secrets and the merchant's requirement; the nonces seen.
    requestSigning: new RequestSigningCommands({ store: new RequestSigningStoreRepository(db, sql), vault }),
    requestNonces: new RequestNonces({ redis, sql, log: config.logger }),
  };
  const mailer = config.email ? createMailer(config.email) : null;
  if (redis && config.workers) {
    // Once per API start: cached tokenize results from before the upgrade hold hashes over the PAN and CVC. Only once
    // Redis is ready: commands are not queued while it connects (enableOfflineQueue is off).
    const sweep = () =>
      deleteLegacyIdempotencyEntries(redis)
        .then((deleted) => {
          if (deleted > 0) config.logger.info({ deleted }, "legacy idempotency cache entries deleted");
        })
        .catch((error: unknown) =>
          config.logger.warn({ err: error }, "legacy idempotency cache sweep failed"),
        );
    if (redis.status === "ready") void sweep();
    else redis.once("ready", () => void sweep());
  }
  const metricsSources: MetricsRefreshSources = {
    figures: new OperationalFiguresRepository(sql),
    overview: new ConsoleOverviewRepository(db),
    recon: new ReconciliationRepository(sql),
    workbench: services,
    compliance: services,
  };
  const workers = createAppWorkers({
    sql,
    redis,
    log: config.logger,
    commands,
    idempotencyStore,
    instances,
    instanceId,
    merchantWebhooks: services.merchantWebhooks,
    // Workbench (issue 17): the scheduled ledger check and authorization expiry.
    workbench: { services, config: config.workbench ?? DEFAULT_WORKBENCH_CONFIG },
    ...(config.acknowledgedDeadlineMs === undefined
      ? {}
      : { acknowledgedDeadlineMs: config.acknowledgedDeadlineMs }),
    background: config.workers === true,
    idempotencyPurge: config.idempotencyPurge ?? true,
    ...(config.partitionDaysAhead === undefined ? {} : { partitionDaysAhead: config.partitionDaysAhead }),
    email: mailer && { mailer, publicBaseUrl: services.publicBaseUrl, pii },
    payouts: services.payouts,
    checkout: services.checkoutCommands,
    requestNonces: services.requestNonces,
    piiErasureSweep: (batchSize) => sweepErasedEventCopies(sql, pii, batchSize),
    // Settlement reports: pulled from the sandbox PSPs when test mode talks to the sandbox server.
    settlementReports: config.pspSandboxUrl
      ? {
          job: settlementReportFetchJob({
            // Confirms settled captures and refunds we show in flight and applies chargeback rows to their
            // disputes (issue 16), through the payment and dispute commands.
            commands: createReconciliationCommands(sql, { payments: commands, disputes: services.disputes }),
            source: sandboxSettlementSource(config.pspSandboxUrl),
            psps: sandboxSettlementReportPsps(),
            log: config.logger.child({ worker: "settlement-report-fetch" }),
          }),
        }
      : null,
    // Bank transfers: expire unpaid ones; send returns when a bank is configured.
    bankTransfers: {
      jobs: [
        bankTransferExpiryJob({
          commands: services.bankTransfers,
          log: config.logger.child({ worker: "bank-transfer-expiry" }),
        }),
        ...(bankRailsUrl
          ? [
              bankTransferReturnsJob({
                commands: services.bankTransfers,
                refunds: services.bankRefunds,
                bank: bankReturnsClient({ baseUrl: bankRailsUrl, timeoutMs: config.pspTimeoutMs }),
                log: config.logger.child({ worker: "bank-transfer-returns" }),
              }),
            ]
          : []),
      ],
    },
    // Disputes (issue 17): evidence forwarding retries.
    disputes: services.disputes,
    // Reports the PSPs announce (issue 16): downloaded with test mode's sandbox report credentials and with each
    // live account's report credentials (the vault's REPORT_CREDENTIAL; a live account without them parks its
    // downloads as a needs-attention item until they are set). Stripe's report runs are polled for the sandbox
    // and for every live account with report credentials.
    announcedReports: {
      job: announcedReportFetchJob({
        reports: services.announcedReports,
        commands: createReconciliationCommands(sql, { payments: commands, disputes: services.disputes }),
        credentials: reportCredentialsOf(config.pspSandboxUrl, livePsps),
        log: config.logger.child({ worker: "announced-report-fetch" }),
      }),
      // Stripe's report runs listed through the SDK: a lost report_run.succeeded webhook is made up for.
      poll: reportRunPollJob({
        reports: services.announcedReports,
        sources: async () => [
          ...(config.pspSandboxUrl ? testModeReportRunSources(testPsps.webhooks) : []),
          ...(await liveReportRunSources(livePsps)),
        ],
        onAccountFailure: (source) => metrics.reportRunPollFailures.inc({ mode: source.mode }),
        log: config.logger.child({ worker: "report-run-poll" }),
      }),
    },
    // Sanctions (issue 22): merchants not yet screened against the newest lists; the list fetch when configured.
    sanctions: {
      jobs: [
        sanctionsScreeningJob({ sanctions, log: config.logger.child({ worker: "sanctions-screening" }) }),
        // Risk signals: refund, dispute and decline rates over a window restrict a merchant automatically.
        riskSignalsJob({
          counts: new RiskSignalsRepository(sql),
          onboarding: services.onboarding,
          thresholds: config.riskSignals ?? DEFAULT_RISK_SIGNAL_THRESHOLDS,
          log: config.logger.child({ worker: "risk-signals" }),
        }),
        ...(config.sanctionsFetch
          ? [
              sanctionsListFetchJob({
                sanctions,
                ...config.sanctionsFetch,
                currentSha256: async () =>
                  new Map(
                    (await sanctions.currentVersions()).map((version) => [version.source, version.sha256]),
                  ),
                log: config.logger.child({ worker: "sanctions-list-fetch" }),
              }),
            ]
          : []),
      ],
    },
    // Multiple currencies (issue 18, FX): the scheduled rates fetch, only when a URL is configured.
    fxRates: config.fxRatesFetch
      ? {
          job: fxRatesFetchJob({
            commands: services.fxRateCommands,
            url: config.fxRatesFetch.url,
            intervalMs: config.fxRatesFetch.intervalMs,
            log: config.logger.child({ worker: "fx-rates-fetch" }),
          }),
        }
      : null,
    metricsRefresh: {
      metrics,
      sources: metricsSources,
      log: config.logger.child({ worker: "metrics-refresh" }),
    },
  });
  workers.registry.start();

  return {
    services,
    db,
    sql,
    redis,
    testModeWebhooks: testPsps.webhooks,
    inProcessSandbox: testPsps.inProcess,
    chainSealer: workers.chainSealer,
    workers: workers.registry,
    metrics,
    refreshMetrics: () => refreshOperationalGauges(metrics, metricsSources, new Date()),
    async close() {
      stopCountingRedisFallbacks();
      // Each worker finishes its pass in flight (a resolver's PSP call included) before the clients close.
      await workers.registry.stop();
      mailer?.close();
      // Stopped cleanly (the server drained first): nothing of ours is in flight any more, and no heartbeat
      // can bring the row back.
      await instances
        .unregister(instanceId)
        .catch((error: unknown) => config.logger.warn({ err: error }, "unregistering the process failed"));
      redis?.disconnect();
      await apiKeys.close();
      await db.$disconnect();
      await pool.end();
    },
  };
}
