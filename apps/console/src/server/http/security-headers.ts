// The console's security headers, built once per response by src/proxy.ts.
// Scripts run only with this response's nonce ('strict-dynamic' lets them load
// the chunks they import); nothing may frame the console; HSTS only where the
// browser actually reached us over https (sending it over http is ignored by
// browsers and would pin a development host to https).

/** 128 random bits, base64: fresh for every response, so an injected script cannot guess it. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}

/** Set by the proxy on the request: the path and query being rendered. */
export const PATH_HEADER = "x-console-path";

export const HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 60 * 60;

export function contentSecurityPolicy(nonce: string, options: { development: boolean }): string {
  return [
    "default-src 'self'",
    // React's development build uses eval for its error overlays; the production build does not.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Whether the browser reached us over https: the URL's scheme, or the first proxy's X-Forwarded-Proto. */
export function servedOverHttps(requestUrl: string, forwardedProto: string | null): boolean {
  const forwarded = forwardedProto?.split(",")[0]?.trim().toLowerCase();
  if (forwarded) return forwarded === "https";
  return new URL(requestUrl).protocol === "https:";
}

export function securityHeaders(options: {
  nonce: string;
  development: boolean;
  https: boolean;
  hsts: "auto" | "always";
}): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(options.nonce, options),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    // For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    ...(options.https || options.hsts === "always"
      ? { "Strict-Transport-Security": `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains` }
      : {}),
  };
}
