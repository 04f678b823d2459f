// Runs before every request (Next 16's "proxy", formerly middleware): a fresh
// CSP nonce and the security headers on every page, API answer and asset. Next
// reads the nonce from the request's Content-Security-Policy header and puts it
// on its own scripts; pages render dynamically (the root layout reads headers),
// so each response gets its own.
import { type NextRequest, NextResponse } from "next/server";
import { proxySettings } from "./env";
import { newNonce, PATH_HEADER, securityHeaders, servedOverHttps } from "./server/http/security-headers";

export function proxy(request: NextRequest): NextResponse {
  const settings = proxySettings();
  const nonce = newNonce();
  const headers = securityHeaders({
    nonce,
    development: settings.development,
    https: servedOverHttps(request.url, request.headers.get("x-forwarded-proto")),
    hsts: settings.hsts,
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"] as string);
  // Server components cannot see the URL they render for: the sign-in redirect needs it to come back here.
  requestHeaders.set(PATH_HEADER, `${request.nextUrl.pathname}${request.nextUrl.search}`);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}
