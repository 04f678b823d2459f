// The API's HTTP edge: what every request meets before GraphQL. Webhook routes
// are plain HTTP routes answered here (never parsed by Yoga); every other
// request is held to the API's body limit, then handed to Yoga. The same
// routing serves Node's HTTP server (`listener`) and callers in this process
// (`fetch`: tests call the app without opening a port).
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServerAdapter } from "@whatwg-node/server";
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

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

export function createHttpEdge(yoga: Yoga, webhooks: WebhookRoutes): HttpEdge {
  const webhookAdapter = createServerAdapter((request: Request) => webhooks.handle(request));
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
      return init ? yoga.fetch(url, init) : yoga.fetch(url);
    },
  };
}
