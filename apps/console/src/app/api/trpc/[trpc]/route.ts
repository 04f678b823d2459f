// Mounts the console's tRPC routers. Cookies set by a procedure (sign-in, sign-out) go out on the response.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "../../../../server/api/root";
import { createConsoleContext } from "../../../../server/api/trpc";
import { CSRF_HEADER } from "../../../../server/auth/cookies";
import { getConsoleServices } from "../../../../server/services";

export const dynamic = "force-dynamic";

/**
 * The largest request body a procedure takes: dispute evidence (three files of 256 KiB, base64) and its texts
 * fit with room; anything larger is refused before it is read whole.
 */
export const TRPC_BODY_MAX_BYTES = 1_536 * 1024;

/** The request with its body read up to the limit; null when the body is larger. */
async function bounded(request: Request): Promise<Request | null> {
  if (request.method !== "POST" || request.body === null) return request;
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > TRPC_BODY_MAX_BYTES) return null;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > TRPC_BODY_MAX_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: Buffer.concat(chunks),
  });
}

async function handler(incoming: Request): Promise<Response> {
  const request = await bounded(incoming);
  if (request === null) {
    return Response.json(
      { error: { message: "The request is too large.", data: { code: "PAYLOAD_TOO_LARGE" } } },
      { status: 413 },
    );
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    // The console's client sends one procedure per request (httpLink). A batch of many would run them all at
    // once: 20 sign-ins in one request were all checked before any failure was counted (campaign 2026-12-07).
    allowBatching: false,
    createContext: ({ req, resHeaders }) =>
      createConsoleContext({
        services: getConsoleServices(),
        cookieHeader: req.headers.get("cookie"),
        csrfHeader: req.headers.get(CSRF_HEADER),
        requestUrl: req.url,
        forwardedProto: req.headers.get("x-forwarded-proto"),
        forwardedFor: req.headers.get("x-forwarded-for"),
        setCookie: (cookie) => resHeaders.append("set-cookie", cookie),
      }),
  });
}

export { handler as GET, handler as POST };
