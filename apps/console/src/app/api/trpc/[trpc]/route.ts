// Mounts the console's tRPC routers. Cookies set by a procedure (sign-in, sign-out) go out on the response.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "../../../../server/api/root";
import { createConsoleContext } from "../../../../server/api/trpc";
import { CSRF_HEADER } from "../../../../server/auth/cookies";
import { getConsoleServices } from "../../../../server/services";

export const dynamic = "force-dynamic";

function handler(request: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
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
