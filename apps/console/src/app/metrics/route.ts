// GET /metrics: the console process's Prometheus metrics (issue 22): its PSP calls (refunds, captures from the
// console), idempotency, Redis fallbacks, database pool, event loop and heap. A route handler cannot see the
// client's socket, so only the bearer token (METRICS_TOKEN) lets a scrape in: without one configured the route
// answers 401 to everyone (`npm start` always configures one). No session: Prometheus has no operator account.
import { METRICS_PATH, metricsAnswer } from "@paycore/platform/metrics/metrics-route";
import { readConsoleEnv } from "../../env";
import { getConsoleServices } from "../../server/services";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const token = readConsoleEnv().api.METRICS_TOKEN ?? null;
  if (token === null)
    return new Response(`Set METRICS_TOKEN to scrape ${METRICS_PATH}.\n`, {
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="metrics"', "content-type": "text/plain" },
    });
  const answer = await metricsAnswer(
    getConsoleServices().app.metrics.registry,
    { method: request.method, authorization: request.headers.get("authorization"), remoteAddress: null },
    token,
  );
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}
