// Request rate, errors and duration per GraphQL operation (issue 22), and the
// rate-limit refusals, into the runtime's Prometheus registry; plus the
// GraphQL span of a trace when tracing is on. Our own plugin rather than
// @graphql-yoga/plugin-prometheus: that one labels series with whatever
// operation name a client sends (unbounded) and registers on prom-client's
// global registry, where two apps in one test process collide.
//
// The `operation` label is bounded: a name must look like a GraphQL name of at
// most 64 characters, and only the first OPERATION_NAMES_MAX distinct names
// seen by this process get their own series; later ones are "other", unnamed
// operations "anonymous", and requests that never reached a parsed operation
// "unknown". Error codes are the API's stable codes (a fixed set).
import type { PlatformMetrics } from "@paycore/platform/metrics/metrics";
import { inSpan } from "@paycore/platform/tracing/spans";
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "../context";

export const OPERATION_NAMES_MAX = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

interface RequestObservation {
  startedAt: bigint;
  operation: string;
  type: string;
  result: "ok" | "client_error" | "server_error";
}

/**
 * Codes that are our failure, not the client's: a masked unexpected error, a query past its deadline, a
 * dependency down. A request with one is a bad event of the availability objective (docs/operations.md).
 */
const SERVER_ERROR_CODES = new Set(["INTERNAL_SERVER_ERROR", "QUERY_TIMEOUT", "SERVICE_UNAVAILABLE"]);

export function useMetrics(metrics: PlatformMetrics): Plugin<GraphQLContext> {
  const known = new Set<string>();
  const observations = new WeakMap<Request, RequestObservation>();

  const label = (name: string | null | undefined): string => {
    if (name === null || name === undefined || name === "") return "anonymous";
    if (!OPERATION_NAME.test(name)) return "other";
    if (known.has(name)) return name;
    if (known.size >= OPERATION_NAMES_MAX) return "other";
    known.add(name);
    return name;
  };

  return {
    onParams({ params, request }) {
      observations.set(request, {
        startedAt: process.hrtime.bigint(),
        operation: params.operationName ? label(params.operationName) : "unknown",
        type: "unknown",
        result: "ok",
      });
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      const request = (args.contextValue as { request?: Request }).request;
      const observation = request ? observations.get(request) : undefined;
      const name = label(operation?.name?.value ?? args.operationName);
      const type = operation?.operation ?? "unknown";
      if (observation) {
        observation.operation = name;
        observation.type = type;
      }
      setExecuteFn((executeArgs) =>
        inSpan(
          `graphql ${type} ${name}`,
          { "graphql.operation.name": name, "graphql.operation.type": type },
          () => Promise.resolve(executeFn(executeArgs)),
        ),
      );
    },
    onResultProcess({ request, result }) {
      const observation = observations.get(request);
      const operation = observation?.operation ?? "unknown";
      const type = observation?.type ?? "unknown";
      for (const single of Array.isArray(result) ? result : [result]) {
        const errors = (single as { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> })
          .errors;
        for (const error of errors ?? []) {
          const code =
            typeof error.extensions?.code === "string" ? error.extensions.code : "INTERNAL_SERVER_ERROR";
          metrics.graphqlErrors.inc({ operation, type, code });
          if (observation)
            observation.result = SERVER_ERROR_CODES.has(code)
              ? "server_error"
              : observation.result === "server_error"
                ? "server_error"
                : "client_error";
          if (code === "RATE_LIMITED")
            metrics.rateLimitRefusals.inc({
              limit: typeof error.extensions?.limit === "string" ? error.extensions.limit : "unknown",
            });
          if (code === "CONCURRENCY_LIMITED") metrics.rateLimitRefusals.inc({ limit: "concurrency" });
        }
      }
    },
    onResponse({ request, response }) {
      const observation = observations.get(request);
      if (!observation) {
        // Refused by the IP limit before any GraphQL parsing (useRateLimit's onRequest); other non-GraphQL
        // answers (GraphiQL's page, /health) are not GraphQL requests.
        if (response.status === 429) {
          metrics.rateLimitRefusals.inc({ limit: "ip" });
          metrics.graphqlRequests.inc({ operation: "unknown", type: "unknown", result: "client_error" });
          metrics.graphqlErrors.inc({ operation: "unknown", type: "unknown", code: "RATE_LIMITED" });
        }
        return;
      }
      observations.delete(request);
      const labels = { operation: observation.operation, type: observation.type };
      const result = response.status >= 500 ? "server_error" : observation.result;
      metrics.graphqlRequests.inc({ ...labels, result });
      metrics.graphqlDuration.observe(labels, Number(process.hrtime.bigint() - observation.startedAt) / 1e9);
    },
  };
}
