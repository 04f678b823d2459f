// The composition root: builds the services from configuration. Tests build
// the same app against their own database, Redis and PSP, and call
// `fetch` (webhook routes, then GraphQL) without opening a port.

import { RiskScorer, type VelocityFallback } from "@paycore/core/fraud/risk-scorer";
import {
  DEFAULT_IDEMPOTENCY_OPTIONS,
  IdempotencyService,
} from "@paycore/core/idempotency/idempotency-service";
import { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { PaymentServiceProvider } from "@paycore/core/psp/psp-port";
import { SandboxPsp } from "@paycore/core/psp/sandbox-psp";
import { PspAccountCommands } from "@paycore/core/psp-accounts/psp-account-commands";
import { parseKeyring } from "@paycore/core/vault/card-vault";
import { createDatabaseClient, type DatabaseClient } from "@paycore/db/client";
import { ApiKeyAuthRepository } from "@paycore/db/repositories/api-key-auth.repository";
import { PostgresIdempotencyStore } from "@paycore/db/repositories/idempotency.repository";
import { MerchantRepository } from "@paycore/db/repositories/merchant.repository";
import { OperatorKeyRepository } from "@paycore/db/repositories/operator-key.repository";
import { PaymentQueryRepository } from "@paycore/db/repositories/payment-query.repository";
import { PostgresPaymentStore } from "@paycore/db/repositories/payment-store.repository";
import {
  newInstanceId,
  ProcessInstanceRepository,
} from "@paycore/db/repositories/process-instance.repository";
import { PspAccountRepository } from "@paycore/db/repositories/psp-account.repository";
import { RiskDataRepository, RiskListRepository } from "@paycore/db/repositories/risk-data.repository";
import { RoutingRuleRepository } from "@paycore/db/repositories/routing-rule.repository";
import { WebhookRepository } from "@paycore/db/repositories/webhook.repository";
import { createPool, Sql } from "@paycore/db/sql";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { GeoIpLocator } from "./adapters/geoip-locator";
import { LivePsps } from "./adapters/live-psps";
import { MerchantAccessPolicies } from "./adapters/merchant-access-policies";
import { AdyenPsp } from "./adapters/psp/adyen-psp";
import { ResilientPsp } from "./adapters/psp/resilient-psp";
import { StripePsp } from "./adapters/psp/stripe-psp";
import { AppPspRouter, PSP_PROFILES, type RoutablePsp, StaticPspSet } from "./adapters/psp-router";
import { RateLimiters } from "./adapters/rate-limiters";
import { createRedisClient } from "./adapters/redis-client";
import { deleteLegacyIdempotencyEntries, RedisIdempotencyCache } from "./adapters/redis-idempotency-cache";
import { RedisVelocityCounter } from "./adapters/redis-velocity-counter";
import { createAdminCommands } from "./admin-commands";
import { createDisputeServices } from "./dispute-services";
import type { Env } from "./env";
import { createHttpEdge, type HttpEdge } from "./http-edge";
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from "./plugins/use-rate-limit";
import { type AppSecrets, loadSecrets } from "./secrets";
import type { AppServices } from "./services";
import { createWebhookRoutes, type WebhookEndpoints } from "./webhooks/webhook-routes";
import { createAppWorkers } from "./workers/app-workers";
import type { ChainSealer } from "./workers/chain-sealer";
import type { WorkerRegistry } from "./workers/worker-registry";
import { createYogaServer, DEFAULT_GRAPHQL_SERVER_OPTIONS, type GraphQLServerOptions } from "./yoga";

export interface AppConfig {
  databaseUrl: string;
  databasePoolMax: number;
  /** Null runs without the Redis fast path: correct, a little slower. */
  redisUrl: string | null;
  secrets: AppSecrets;
  idempotencyRetentionHours: number;
  idempotencyWaitMs: number;
  velocityFallback: VelocityFallback;
  reviewHoldTtlMs: number;
  /** When the resolver first looks up a modification the PSP acknowledged and no notification decided. */
  acknowledgedDeadlineMs?: number;
  logger: Logger;
  /**
   * Background workers (outbox relay, chain sealer, resolver, hold expiry): on for the entry points, off in tests
   * that drive them by hand. The process heartbeat and the idempotency purge run either way.
   */
  workers?: boolean;
  /** Where test mode's PSPs are served (the sandbox server serves both); null: the in-process sandbox. */
  pspEndpoints: { stripe: string; adyen: string } | null;
  pspTimeoutMs: number;
  /** The test-mode PSP when no sandbox server is configured; defaults to a new in-process sandbox. */
  sandboxPsp?: PaymentServiceProvider;
  /** Defaults to the production defaults; the test harness passes permissive ones. */
  rateLimits?: RateLimitConfig;
  /** API processes sharing the rate limits: each allows its share when Redis is unavailable. */
  apiProcesses?: number;
  /** Production defaults and the query deadline of the GraphQL server; tests default to development's. */
  graphql?: GraphQLServerOptions;
}

export interface App {
  services: AppServices;
  yoga: ReturnType<typeof createYogaServer>;
  /** Every route: webhooks first, then GraphQL. `listener` for Node's HTTP server, `fetch` for callers in this process. */
  http: HttpEdge;
  db: DatabaseClient;
  /** node-postgres on the same pool as `db`: the payment hot path and the outbox relay. */
  sql: Sql;
  redis: Redis | null;
  rateLimiters: RateLimiters;
  /** The tamper-evidence sealer when workers run (its `status()` is the chain lag metric). */
  chainSealer: ChainSealer | null;
  /** This process's workers, started; their health is GET /health/workers. */
  workers: WorkerRegistry;
  close(): Promise<void>;
}

/** The configuration both entry points (`npm start` and `main.ts`) build from the environment. */
export function appConfigFromEnv(env: Env, databaseUrl: string, logger: Logger): AppConfig {
  return {
    databaseUrl,
    databasePoolMax: env.DATABASE_POOL_MAX,
    redisUrl: env.REDIS_URL ?? null,
    secrets: loadSecrets(env),
    idempotencyRetentionHours: env.IDEMPOTENCY_RETENTION_HOURS,
    idempotencyWaitMs: env.IDEMPOTENCY_WAIT_MS,
    velocityFallback: env.FRAUD_VELOCITY_FALLBACK,
    pspEndpoints: env.PSP_SANDBOX_URL
      ? { stripe: env.PSP_SANDBOX_URL, adyen: `${env.PSP_SANDBOX_URL.replace(/\/$/, "")}/adyen` }
      : null,
    pspTimeoutMs: env.PSP_TIMEOUT_MS,
    workers: true,
    reviewHoldTtlMs: env.REVIEW_HOLD_TTL_MINUTES * 60_000,
    rateLimits: {
      ipPerSecond: env.RATE_LIMIT_IP_PER_SECOND,
      keyPerSecond: env.RATE_LIMIT_KEY_PER_SECOND,
      tokenizePerMinute: env.RATE_LIMIT_TOKENIZE_PER_MINUTE,
      tokenizePerIpPerMinute: env.RATE_LIMIT_TOKENIZE_PER_IP_PER_MINUTE,
      concurrentQueries: env.RATE_LIMIT_CONCURRENT_QUERIES,
      trustedProxies: env.RATE_LIMIT_TRUSTED_PROXIES.split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0),
    },
    apiProcesses: env.API_PROCESSES,
    acknowledgedDeadlineMs: env.RESOLVER_ACKNOWLEDGED_DEADLINE_MINUTES * 60_000,
    logger,
    graphql: {
      ...DEFAULT_GRAPHQL_SERVER_OPTIONS,
      production: env.NODE_ENV === "production",
      queryDeadlineMs: env.GRAPHQL_QUERY_DEADLINE_MS,
    },
  };
}

/**
 * Test mode's PSPs. With a sandbox server: the Stripe-style and Adyen-style PSPs through their official SDKs,
 * each behind retries and a circuit breaker. Without: the in-process sandbox.
 */
function testModePsps(config: AppConfig): { routable: RoutablePsp[]; webhooks: WebhookEndpoints } {
  if (config.pspEndpoints === null) {
    const sandbox = config.sandboxPsp ?? new SandboxPsp();
    return {
      routable: [{ psp: sandbox, profile: { name: sandbox.name, costBps: 0, currencies: "any" } }],
      webhooks: {},
    };
  }
  const url = new URL(config.pspEndpoints.stripe);
  const stripe = new StripePsp({
    secretKey: "sk_test_paycore_sandbox",
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    protocol: url.protocol === "https:" ? "https" : "http",
    timeoutMs: config.pspTimeoutMs,
  });
  const adyen = new AdyenPsp({
    apiKey: "adyen_test_paycore_sandbox",
    merchantAccount: "PaycoreTest",
    baseUrl: config.pspEndpoints.adyen,
    timeoutMs: config.pspTimeoutMs,
  });
  const resilientStripe = new ResilientPsp(stripe);
  const resilientAdyen = new ResilientPsp(adyen);
  return {
    routable: [
      {
        psp: resilientStripe,
        profile: PSP_PROFILES.stripe,
        breakerState: () => resilientStripe.breakerState(),
      },
      {
        psp: resilientAdyen,
        profile: PSP_PROFILES.adyen,
        breakerState: () => resilientAdyen.breakerState(),
      },
    ],
    webhooks: {
      stripe: { pspName: "stripe", secret: config.secrets.stripeWebhookSecret, psp: stripe },
      adyen: { pspName: "adyen", hmacKeyHex: config.secrets.adyenHmacKeyHex },
    },
  };
}

export function createApp(config: AppConfig): App {
  // One pool for both clients: node-postgres statements on the payment hot path, Prisma for the rest.
  const pool = createPool({
    url: config.databaseUrl,
    max: config.databasePoolMax,
    onIdleError: (error) => config.logger.warn({ err: error }, "idle database connection failed"),
  });
  const sql = new Sql(pool);
  const db = createDatabaseClient({ pool });
  const redis = config.redisUrl
    ? createRedisClient(config.redisUrl, (message) => config.logger.info(message))
    : null;
  const idempotencyStore = new PostgresIdempotencyStore(sql);
  const idempotency = new IdempotencyService(
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
  const paymentStore = new PostgresPaymentStore(db, sql, instanceId);
  const riskData = new RiskDataRepository(sql);
  const risk = new RiskScorer({
    velocity: redis ? new RedisVelocityCounter(redis) : null,
    velocityFallback: config.velocityFallback,
    data: riskData,
    geo: new GeoIpLocator(),
  });
  const testPsps = testModePsps(config);
  const vault = parseKeyring({
    encryptionKeys: config.secrets.vaultEncryptionKeys,
    fingerprintKey: config.secrets.vaultFingerprintKey,
  });
  const pspAccountStore = new PspAccountRepository(db);
  const pspAccounts = new PspAccountCommands({ store: pspAccountStore, vault, now: () => new Date() });
  const livePsps = new LivePsps({
    accounts: pspAccounts,
    checks: pspAccountStore,
    timeoutMs: config.pspTimeoutMs,
    log: config.logger,
  });
  const commands = new PaymentCommands({
    store: paymentStore,
    idempotency,
    // Test mode only ever reaches sandboxes; live mode only the PSP accounts operators configured.
    psps: new AppPspRouter(
      { TEST: new StaticPspSet(testPsps.routable), LIVE: livePsps },
      new RoutingRuleRepository(db),
    ),
    risk,
    reviewHoldTtlMs: config.reviewHoldTtlMs,
    vault,
    now: () => new Date(),
  });
  const services: AppServices = {
    commands,
    paymentStore,
    queries: new PaymentQueryRepository(db),
    merchants: new MerchantRepository(db),
    riskLists: new RiskListRepository(db),
    apiKeys: new ApiKeyAuthRepository(sql),
    operatorKeys: new OperatorKeyRepository(db),
    webhooks: new WebhookRepository(db),
    pspAccounts,
    livePsps,
    ...createAdminCommands(db),
    ...createDisputeServices(db),
  };
  if (redis && config.workers) {
    // Once per API start: cached tokenize results from before the upgrade hold hashes over the PAN and CVC.
    deleteLegacyIdempotencyEntries(redis)
      .then((deleted) => {
        if (deleted > 0) config.logger.info({ deleted }, "legacy idempotency cache entries deleted");
      })
      .catch((error: unknown) => config.logger.warn({ err: error }, "legacy idempotency cache sweep failed"));
  }
  const workers = createAppWorkers({
    sql,
    redis,
    log: config.logger,
    commands,
    idempotencyStore,
    instances,
    instanceId,
    ...(config.acknowledgedDeadlineMs === undefined
      ? {}
      : { acknowledgedDeadlineMs: config.acknowledgedDeadlineMs }),
    background: config.workers === true,
  });
  workers.registry.start();

  const rateLimiters = new RateLimiters(redis, config.apiProcesses ?? 1);
  const yoga = createYogaServer(
    services,
    config.logger,
    {
      limits: config.rateLimits ?? DEFAULT_RATE_LIMITS,
      limiters: rateLimiters,
      policies: new MerchantAccessPolicies(services.merchants),
    },
    config.graphql ?? DEFAULT_GRAPHQL_SERVER_OPTIONS,
  );
  return {
    services,
    yoga,
    http: createHttpEdge(yoga, createWebhookRoutes(services, testPsps.webhooks, config.logger), () =>
      workers.registry.health(),
    ),
    db,
    sql,
    redis,
    rateLimiters,
    chainSealer: workers.chainSealer,
    workers: workers.registry,
    async close() {
      // Each worker finishes its pass in flight (a resolver's PSP call included) before the clients close.
      await workers.registry.stop();
      // Stopped cleanly (the server drained first): nothing of ours is in flight any more, and no heartbeat
      // can bring the row back.
      await instances
        .unregister(instanceId)
        .catch((error: unknown) => config.logger.warn({ err: error }, "unregistering the process failed"));
      redis?.disconnect();
      await db.$disconnect();
      await pool.end();
    },
  };
}
