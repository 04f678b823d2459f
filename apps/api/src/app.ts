// The API's app: the shared runtime (@paycore/platform/runtime: services,
// PSPs, workers) plus the HTTP transport, the GraphQL server and the webhook
// routes. Tests build the same app against their own database, Redis and PSP,
// and call `fetch` (webhook routes, then GraphQL) without opening a port.

import { MerchantAccessPolicyReader } from "@paycore/db/repositories/merchant.repository";
import type { Env } from "@paycore/platform/env";
import {
  createRuntime,
  type Runtime,
  type RuntimeConfig,
  runtimeConfigFromEnv,
} from "@paycore/platform/runtime";
import { createThreeDSecureReturnState } from "@paycore/platform/three-d-secure/return-state";
import type { Logger } from "pino";
import { MerchantAccessPolicies } from "./adapters/merchant-access-policies";
import { RateLimiters } from "./adapters/rate-limiters";
import { createCardFieldsRoutes } from "./checkout/card-fields";
import { createHostedCheckoutRoutes, withHostedCheckout } from "./checkout/hosted-checkout";
import { createHostedDocumentRoutes } from "./documents/hosted-documents";
import { createHttpEdge, type HttpEdge } from "./http-edge";
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from "./plugins/use-rate-limit";
import { createThreeDSecureRoutes } from "./three-d-secure/three-d-secure-routes";
import { createBankWebhookRoute, withBankRoute } from "./webhooks/bank-webhook";
import { createWebhookRoutes } from "./webhooks/webhook-routes";
import { createYogaServer, DEFAULT_GRAPHQL_SERVER_OPTIONS, type GraphQLServerOptions } from "./yoga";

export interface AppConfig extends RuntimeConfig {
  /** Defaults to the production defaults; the test harness passes permissive ones. */
  rateLimits?: RateLimitConfig;
  /** API processes sharing the rate limits: each allows its share when Redis is unavailable. */
  apiProcesses?: number;
  /** Production defaults and the query deadline of the GraphQL server; tests default to development's. */
  graphql?: GraphQLServerOptions;
  /** METRICS_TOKEN: the bearer token GET /metrics asks for; null or absent: loopback clients only. */
  metricsToken?: string | null;
}

export interface App extends Runtime {
  yoga: ReturnType<typeof createYogaServer>;
  /** Every route: webhooks first, then GraphQL. `listener` for Node's HTTP server, `fetch` for callers in this process. */
  http: HttpEdge;
  rateLimiters: RateLimiters;
}

/** The configuration both entry points (`npm start` and `main.ts`) build from the environment. */
export function appConfigFromEnv(env: Env, databaseUrl: string, logger: Logger): AppConfig {
  return {
    ...runtimeConfigFromEnv(env, databaseUrl, logger),
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
    metricsToken: env.METRICS_TOKEN ?? null,
    graphql: {
      ...DEFAULT_GRAPHQL_SERVER_OPTIONS,
      production: env.NODE_ENV === "production",
      queryDeadlineMs: env.GRAPHQL_QUERY_DEADLINE_MS,
    },
  };
}

export function createApp(config: AppConfig): App {
  const runtime = createRuntime(config);
  const rateLimiters = new RateLimiters(runtime.redis, config.apiProcesses ?? 1);
  const yoga = createYogaServer(
    runtime.services,
    config.logger,
    {
      limits: config.rateLimits ?? DEFAULT_RATE_LIMITS,
      limiters: rateLimiters,
      policies: new MerchantAccessPolicies(new MerchantAccessPolicyReader(runtime.sql)),
      metrics: runtime.metrics,
    },
    config.graphql ?? DEFAULT_GRAPHQL_SERVER_OPTIONS,
  );
  // Bank transfers (issue 18): POST /webhooks/bank in front of the PSP routes.
  const webhooks = withBankRoute(
    createWebhookRoutes(runtime.services, runtime.testModeWebhooks, config.logger),
    createBankWebhookRoute(runtime.services, config.logger),
  );
  return {
    ...runtime,
    yoga,
    http: createHttpEdge(
      yoga,
      webhooks,
      () => runtime.workers.health(),
      // Hosted checkout and card fields (issue 20) share the documents' pre-Yoga slot: /checkout/…, /elements/….
      withHostedCheckout(
        createHostedDocumentRoutes({
          documents: runtime.services.receipts,
          publicBaseUrl: runtime.services.publicBaseUrl,
          // Hosted invoices (issue 20 part 2): page, PDF, pay action.
          invoices: runtime.services.invoices,
        }),
        createHostedCheckoutRoutes({
          checkout: runtime.services.checkoutCommands,
          publicBaseUrl: runtime.services.publicBaseUrl,
        }),
        createCardFieldsRoutes(runtime.services),
        // 3-D Secure (issue 20): the challenge's return route, and the in-process sandbox's challenge page.
        createThreeDSecureRoutes({
          commands: runtime.services.commands,
          sandbox: runtime.inProcessSandbox,
          returnState: createThreeDSecureReturnState(config.secrets.idempotencyHashSecret),
        }),
      ),
      { registry: runtime.metrics.registry, token: config.metricsToken ?? null },
    ),
    rateLimiters,
  };
}
