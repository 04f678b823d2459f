// GET /metrics for any of our HTTP servers (API, console's custom server,
// sandbox): the bearer token when one is configured (METRICS_TOKEN), else
// loopback clients only. 401 with a WWW-Authenticate challenge for a missing or
// wrong token, 403 for a non-loopback client without a configured token, 405
// for another method.
import type { Registry } from "prom-client";
import { METRICS_CONTENT_TYPE, metricsAccessAllowed } from "./metrics";

export const METRICS_PATH = "/metrics";

export interface MetricsAnswer {
  status: 200 | 401 | 403 | 405;
  body: string;
  headers: Record<string, string>;
}

export async function metricsAnswer(
  registry: Pick<Registry, "metrics">,
  request: {
    method: string | undefined;
    authorization: string | null | undefined;
    remoteAddress: string | null;
  },
  token: string | null,
): Promise<MetricsAnswer> {
  if (request.method !== "GET" && request.method !== "HEAD")
    return { status: 405, body: "Use GET.\n", headers: { allow: "GET, HEAD", "content-type": "text/plain" } };
  if (!metricsAccessAllowed(request.authorization, token, request.remoteAddress)) {
    return token !== null
      ? {
          status: 401,
          body: "A bearer token is required.\n",
          headers: { "www-authenticate": 'Bearer realm="metrics"', "content-type": "text/plain" },
        }
      : {
          status: 403,
          body: "Metrics are served to loopback clients only.\n",
          headers: { "content-type": "text/plain" },
        };
  }
  return {
    status: 200,
    body: request.method === "HEAD" ? "" : await registry.metrics(),
    headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
  };
}
