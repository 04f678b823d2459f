// The API's HTTP edge: what every request meets before GraphQL. Webhook routes
// are plain HTTP routes answered here (never parsed by Yoga); every other
// request is held to the API's body limit; GET /health/workers is answered
// here too (before the rate limits); the rest is handed to Yoga. The same
// routing serves Node's HTTP server (`listener`) and callers in this process
// (`fetch`: tests call the app without opening a port).
import type { IncomingMessage, ServerResponse } from "node:http";
import { METRICS_PATH, metricsAnswer } from "@paycore/platform/metrics/metrics-route";
import type { WorkersHealth } from "@paycore/platform/workers/worker-registry";
import { createServerAdapter } from "@whatwg-node/server";
import type { Registry } from "prom-client";
import type { HostedDocumentRoutes } from "./documents/hosted-documents";
import { REQUEST_BODY_MAX_BYTES } from "./plugins/use-request-body-limit";
import type { WebhookRoutes } from "./webhooks/webhook-routes";
import type { createYogaServer } from "./yoga";

type Yoga = ReturnType<typeof createYogaServer>;

export interface HttpEdge {
  /** Node's request listener, for `http.createServer`. */
  listener(request: IncomingMessage, response: ServerResponse): void;
  /** The same routing for a Fetch API request, without a server. */
  fetch(url: string, init?: RequestInit): Promise<Response>;
}

/** One non-negative integer; Node's parser already refuses most other shapes, a fetch caller may not. */
const CONTENT_LENGTH = /^\d+$/;

/** Why a declared length is refused before routing, or null. GraphQL requests leave this to their own plugin. */
function declaredLengthProblem(declared: string | null | undefined): 400 | 413 | null {
  if (declared === null || declared === undefined) return null;
  if (!CONTENT_LENGTH.test(declared)) return 400;
  return Number(declared) > REQUEST_BODY_MAX_BYTES ? 413 : null;
}

function refusal(status: 400 | 413): { body: string; headers: Record<string, string> } {
  const [code, message] =
    status === 413
      ? ["REQUEST_ENTITY_TOO_LARGE", `The request body is larger than ${REQUEST_BODY_MAX_BYTES} bytes.`]
      : ["BAD_REQUEST", "The Content-Length header is not a number of bytes."];
  return {
    body: JSON.stringify({ errors: [{ message, extensions: { code } }] }),
    // The body is left unread: closing the connection keeps Node from draining it.
    headers: { "content-type": "application/json", connection: "close" },
  };
}

/** The workers' health; Yoga keeps serving `/health` (is the process up). */
export const WORKERS_HEALTH_PATH = "/health/workers";

/** 200 when every worker is healthy, 503 otherwise; the same body either way. Reads no database. */
function workersHealthAnswer(
  method: string | undefined,
  health: () => WorkersHealth,
): { status: 200 | 405 | 503; body: string | null; headers: Record<string, string> } {
  if (method !== "GET" && method !== "HEAD") {
    const body = JSON.stringify({
      errors: [
        { message: `Use GET for ${WORKERS_HEALTH_PATH}.`, extensions: { code: "METHOD_NOT_ALLOWED" } },
      ],
    });
    return { status: 405, body, headers: { "content-type": "application/json", allow: "GET, HEAD" } };
  }
  const report = health();
  return {
    status: report.healthy ? 200 : 503,
    body: method === "HEAD" ? null : JSON.stringify(report),
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  };
}

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** GET /metrics (issue 22): this process's registry, behind METRICS_TOKEN or loopback-only without one. */
export interface MetricsExposure {
  registry: Pick<Registry, "metrics">;
  token: string | null;
}

export function createHttpEdge(
  yoga: Yoga,
  webhooks: WebhookRoutes,
  workersHealth: () => WorkersHealth,
  /** Hosted receipts, credit notes and invoices (GET; an invoice's pay form POSTs): answered before Yoga. */
  documents: HostedDocumentRoutes | null = null,
  metrics: MetricsExposure | null = null,
): HttpEdge {
  const webhookAdapter = createServerAdapter((request: Request) => webhooks.handle(request));
  const documentAdapter = documents && createServerAdapter((request: Request) => documents.handle(request));
  return {
    listener(request, response) {
      const path = pathOf(request.url ?? "/");
      if (webhooks.matches(path)) {
        void webhookAdapter.requestListener(request, response);
        return;
      }
      // Yoga checks /graphql's declared length itself, with its GraphQL error; a chunked body it counts as it reads.
      if (path !== "/graphql") {
        const problem = declaredLengthProblem(request.headers["content-length"]);
        if (problem !== null) {
          const { body, headers } = refusal(problem);
          response.writeHead(problem, headers).end(body);
          return;
        }
      }
      // Yoga reads no body outside /graphql, and Node would drain an unread one of any size to keep the
      // connection: closing it after the answer stops reading instead.
      if (
        path !== "/graphql" &&
        (request.headers["transfer-encoding"] !== undefined ||
          (request.headers["content-length"] ?? "0") !== "0")
      )
        response.setHeader("connection", "close");
      if (path === WORKERS_HEALTH_PATH) {
        const answer = workersHealthAnswer(request.method, workersHealth);
        response.writeHead(answer.status, answer.headers).end(answer.body ?? undefined);
        return;
      }
      if (path === METRICS_PATH && metrics) {
        void metricsAnswer(
          metrics.registry,
          {
            method: request.method,
            authorization: request.headers.authorization,
            remoteAddress: request.socket.remoteAddress ?? null,
          },
          metrics.token,
        ).then(
          (answer) => response.writeHead(answer.status, answer.headers).end(answer.body),
          () => response.writeHead(500).end(),
        );
        return;
      }
      if (documents?.matches(path) && documentAdapter) {
        void documentAdapter.requestListener(request, response);
        return;
      }
      void yoga(request, response);
    },
    async fetch(url, init) {
      const path = new URL(url).pathname;
      if (webhooks.matches(path)) return webhooks.handle(new Request(url, init));
      if (path !== "/graphql") {
        const problem = declaredLengthProblem(new Headers(init?.headers).get("content-length"));
        if (problem !== null) {
          const { body, headers: answer } = refusal(problem);
          return new Response(body, { status: problem, headers: answer });
        }
      }
      if (path === WORKERS_HEALTH_PATH) {
        const answer = workersHealthAnswer(init?.method?.toUpperCase() ?? "GET", workersHealth);
        return new Response(answer.body, { status: answer.status, headers: answer.headers });
      }
      if (path === METRICS_PATH && metrics) {
        // No socket in this process: only the token lets an in-process caller in.
        const answer = await metricsAnswer(
          metrics.registry,
          {
            method: init?.method?.toUpperCase() ?? "GET",
            authorization: new Headers(init?.headers).get("authorization"),
            remoteAddress: null,
          },
          metrics.token,
        );
        return new Response(answer.body, {
          status: answer.status,
          headers: answer.headers,
        });
      }
      if (documents?.matches(path)) return documents.handle(new Request(url, init));
      return init ? yoga.fetch(url, init) : yoga.fetch(url);
    },
  };
}
