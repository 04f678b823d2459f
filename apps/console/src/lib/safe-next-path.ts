// Where to go after sign-in: only a path on this console. Anything that a
// browser could read as another origin is refused: "//evil.example" and
// "/\evil.example" (protocol-relative; browsers treat "\" as "/"), absolute
// URLs, "javascript:", control characters (browsers strip tabs and newlines
// before parsing, turning "/\t/evil" into "//evil").

export const DEFAULT_AFTER_SIGN_IN = "/payments";
const NEXT_PATH_LENGTH_MAX = 2_048;
const PROBE_ORIGIN = "http://console.invalid";

export function safeNextPath(next: string | null | undefined): string {
  if (typeof next !== "string" || next.length === 0 || next.length > NEXT_PATH_LENGTH_MAX) {
    return DEFAULT_AFTER_SIGN_IN;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  if (!next.startsWith("/") || next.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(next)) {
    return DEFAULT_AFTER_SIGN_IN;
  }
  let url: URL;
  try {
    url = new URL(next, PROBE_ORIGIN);
  } catch {
    return DEFAULT_AFTER_SIGN_IN;
  }
  if (url.origin !== PROBE_ORIGIN) return DEFAULT_AFTER_SIGN_IN;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Back to the sign-in page would be a loop.
  if (url.pathname === "/sign-in" || url.pathname.startsWith("/sign-in/")) return DEFAULT_AFTER_SIGN_IN;
  return path;
}

/** The sign-in page's address that comes back to `path` afterwards. */
export function signInPathFor(path: string | null | undefined): string {
  const next = safeNextPath(path);
  return next === DEFAULT_AFTER_SIGN_IN ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`;
}
