// The console's cookies. The session cookie is httpOnly; the CSRF cookie is
// readable by the page's script, which echoes it in a header on every mutation
// (double submit). Both are SameSite=Strict.

export const SESSION_COOKIE = "paycore_session";
export const CSRF_COOKIE = "paycore_csrf";
export const CSRF_HEADER = "x-csrf-token";

export function parseCookies(header: string | null): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(";").slice(0, 100)) {
    const index = part.indexOf("=");
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      // a malformed value is ignored, like a missing one
    }
  }
  return cookies;
}

export function serializeCookie(
  name: string,
  value: string,
  options: { httpOnly: boolean; secure: boolean; maxAgeSeconds: number },
): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "SameSite=Strict",
    ...(options.httpOnly ? ["HttpOnly"] : []),
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Secure everywhere but plain http on a loopback host (development and tests), unless forced. */
export function cookiesAreSecure(requestUrl: string, forwardedProto: string | null, mode: "auto" | "always") {
  if (mode === "always") return true;
  const url = new URL(requestUrl);
  const protocol = forwardedProto?.split(",")[0]?.trim() || url.protocol.replace(":", "");
  return !(protocol === "http" && LOOPBACK_HOSTS.has(url.hostname));
}
