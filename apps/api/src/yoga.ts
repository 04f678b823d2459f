// Builds the GraphQL server. `main.ts` only listens; tests call `yoga.fetch`.

import { isDomainError } from "@paycore/core/errors/domain-error";
import { isDatabaseUnavailable } from "@paycore/db/database-unavailable";
import type { PlatformMetrics } from "@paycore/platform/metrics/metrics";
import type { AppServices } from "@paycore/platform/services";
import { GraphQLError } from "graphql";
import { type CORSOptions, createYoga, maskError, type YogaServerInstance } from "graphql-yoga";
import type { Logger } from "pino";
import type { MerchantAccessPolicies } from "./adapters/merchant-access-policies";
import type { RateLimiters } from "./adapters/rate-limiters";
import { createContext, type GraphQLContext } from "./context";
import { useExecutionDeadline } from "./plugins/use-execution-deadline";
import { renderLocalGraphiQL, useGraphiQLAssets } from "./plugins/use-graphiql-assets";
import { useIdempotencyReplay } from "./plugins/use-idempotency-replay";
import { useIntrospectionGate } from "./plugins/use-introspection-gate";
import { useMetrics } from "./plugins/use-metrics";
import { usePersistedQueries } from "./plugins/use-persisted-queries";
import { useQueryLimits } from "./plugins/use-query-limits";
import { type RateLimitConfig, useRateLimit } from "./plugins/use-rate-limit";
import { useRedactCardNumbers } from "./plugins/use-redact-card-numbers";
import { useRequestBodyLimit } from "./plugins/use-request-body-limit";
import { RESPONSE_MAX_BYTES, useResponseSizeLimit } from "./plugins/use-response-size-limit";
import { useSignedRequests } from "./plugins/use-signed-requests";
import { useStrictRequestParsing } from "./plugins/use-strict-request-parsing";
import { useVariableErrorCodes } from "./plugins/use-variable-error-codes";
import { schema } from "./schema/index";

export interface GraphQLServerOptions {
  /** Production: no GraphiQL, no "Did you mean …?" suggestions. */
  production: boolean;
  /** A query still running after this is stopped with QUERY_TIMEOUT (mutations run to their end). */
  queryDeadlineMs: number;
  /** A query whose answer would be larger is answered RESPONSE_TOO_LARGE instead. */
  responseMaxBytes: number;
}

export const DEFAULT_GRAPHQL_SERVER_OPTIONS: GraphQLServerOptions = {
  production: false,
  queryDeadlineMs: 10_000,
  responseMaxBytes: RESPONSE_MAX_BYTES,
};

/** What the API checks at its door: rate limits, and which browser origins may call it. */
export interface ApiDoor {
  limits: RateLimitConfig;
  limiters: RateLimiters;
  policies: MerchantAccessPolicies;
  /** The runtime's metrics (issue 22); absent in tests that build Yoga alone. */
  metrics?: PlatformMetrics;
}

export function createYogaServer(
  services: AppServices,
  logger: Logger,
  door: ApiDoor,
  options: GraphQLServerOptions = DEFAULT_GRAPHQL_SERVER_OPTIONS,
): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    healthCheckEndpoint: "/health",
    landingPage: false,
    graphiql: options.production ? false : { title: "paycore merchant API", defaultQuery: GRAPHIQL_QUERY },
    // From this server's own assets, never a CDN (see use-graphiql-assets.ts).
    renderGraphiQL: renderLocalGraphiQL,
    context: ({ request }) => createContext(services, request),
    // Unexpected errors are masked even in development: a stack trace or a driver message is no answer for a client.
    maskedErrors: { isDev: false, maskError: maskUnavailableDatabase },
    batching: false,
    // An allow-list, never Yoga's default (any origin, with credentials): see corsFor.
    cors: (request) => corsFor(request, door.policies, logger),
    // Replaced by useRequestBodyLimit, which checks a declared length without a stream per request.
    maxRequestBodySize: false,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(" ")),
      info: (...args) => logger.info(args.map(String).join(" ")),
      warn: (...args) => logger.warn(args.map(String).join(" ")),
      error: (...args) => logger.error({ err: args.find((a) => a instanceof Error) }, "graphql error"),
    },
    plugins: [
      ...(options.production ? [] : [useGraphiQLAssets()]),
      // First: it times the whole request and sees every refusal the plugins after it make.
      ...(door.metrics ? [useMetrics(door.metrics)] : []),
      useRedactCardNumbers(),
      useIdempotencyReplay(),
      // Turns a known hash into its query before any limit looks at the document.
      usePersistedQueries(),
      // After usePspWebhooks, which answers PSP notifications before any limit (see use-rate-limit.ts).
      useRateLimit({
        limits: door.limits,
        limiters: door.limiters,
        policyOf: (merchantId) => door.policies.policyOf(merchantId),
      }),
      // Chooses the body parser; useSignedRequests and useRequestBodyLimit wrap it, so they come after it.
      useStrictRequestParsing(),
      // Signed requests (issue 22): after the IP limit, before the body is parsed.
      useSignedRequests({
        policyByKeyHash: (keyHash) => services.requestSigning.policyByKeyHash(keyHash),
        nonces: services.requestNonces,
        graphqlPath: "/graphql",
      }),
      useQueryLimits({ hideSuggestions: options.production }),
      useVariableErrorCodes(),
      useIntrospectionGate(),
      useExecutionDeadline(options.queryDeadlineMs),
      useResponseSizeLimit(options.responseMaxBytes),
      // Last: it wraps whichever request parser the plugins before it chose.
      useRequestBodyLimit(),
    ],
  });
}

/** Seconds a client waits before sending a request again after SERVICE_UNAVAILABLE (a failover takes ~10 s). */
const DATABASE_UNAVAILABLE_RETRY_AFTER_S = 2;

/**
 * Yoga's masking, except for the core's typed errors (answered with their code) and for a database that could not
 * be reached (a failover, a restart): that is answered SERVICE_UNAVAILABLE, HTTP 503 with Retry-After, so a client knows to send the request again with the same
 * idempotency key instead of treating "Unexpected error." as final. Nothing of the driver's message is shown.
 */
export function maskUnavailableDatabase(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  // A query's resolver that meets bad input throws the core's typed error (mutations answer it in their payload,
  // see runMutation): it is the client's mistake, answered with its stable code, never "Unexpected error.".
  if (isDomainError(original)) {
    return new GraphQLError(original.message, {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
    });
  }
  if (!isDatabaseUnavailable(original)) return maskError(error, message, isDev);
  return new GraphQLError(
    "The service is briefly unavailable (its database is failing over); send the request again with the same idempotency key.",
    {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: {
        code: "SERVICE_UNAVAILABLE",
        http: {
          status: 503,
          spec: false,
          headers: { "retry-after": String(DATABASE_UNAVAILABLE_RETRY_AFTER_S) },
        },
      },
    },
  );
}

/**
 * CORS headers for an origin some merchant allows for its publishable keys, none for any other. A preflight
 * (OPTIONS) carries no Authorization header, so it is answered for the union of all merchants' origins; the
 * request itself is then checked against its key's merchant (useRateLimit refuses the rest with
 * ORIGIN_NOT_ALLOWED before anything runs). No credentials: the API takes keys, not cookies.
 */
async function corsFor(
  request: Request,
  policies: MerchantAccessPolicies,
  logger: Logger,
): Promise<CORSOptions> {
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  try {
    if (!(await policies.allowedByAnyMerchant(origin))) return false;
  } catch (error) {
    logger.warn({ err: error }, "allowed origins could not be read: no CORS headers");
    return false;
  }
  return {
    origin: [origin],
    methods: ["POST", "GET"],
    allowedHeaders: ["authorization", "content-type"],
    exposedHeaders: ["retry-after", "idempotent-replayed"],
    credentials: false,
    maxAge: 600,
  };
}

const GRAPHIQL_QUERY = `# Add the header {"Authorization": "Bearer sk_test_..."} below, then run.
query RecentPayments {
  payments(first: 5) {
    nodes { id status amount currency paymentMethod { brand last4 } createdAt }
  }
  balance { currency available fees }
}
`;
