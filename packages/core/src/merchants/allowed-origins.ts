// The browser origins a merchant's publishable keys may be used from (the
// API's CORS allow-list). An origin is compared as the browser sends it in the
// `Origin` header: scheme, host and a port other than the scheme's default,
// nothing else, so each is stored in that one canonical spelling.

/** Enough for a merchant's shops and staging sites; also bounded in the database. */
export const ALLOWED_ORIGINS_MAX = 50;

const ORIGIN_LENGTH_MAX = 255;

export type OriginParseResult = { ok: true; origin: string } | { ok: false; reason: string };

/**
 * The canonical origin of `raw` (`https://Shop.example:443` → `https://shop.example`), or why it is not one.
 * Only http and https: `null` (sandboxed frames, `file:`) and wildcards would allow any page.
 */
export function parseAllowedOrigin(raw: string): OriginParseResult {
  const value = raw.trim();
  if (value.length === 0 || value.length > ORIGIN_LENGTH_MAX) {
    return { ok: false, reason: `an origin is 1 to ${ORIGIN_LENGTH_MAX} characters` };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: `"${value}" is not an origin such as https://shop.example` };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, reason: `"${value}" must start with https:// or http://` };
  }
  // An origin has no path, query, fragment or credentials; a trailing "/" is tolerated as URL prints it.
  const hasExtra =
    url.username !== "" ||
    url.password !== "" ||
    url.search !== "" ||
    url.hash !== "" ||
    url.pathname !== "/";
  if (hasExtra || value.endsWith("?") || value.endsWith("#") || value.includes("*")) {
    return { ok: false, reason: `"${value}" must be only scheme://host[:port]` };
  }
  return { ok: true, origin: url.origin };
}

/** Parses a list (duplicates dropped), or names the first entry that is not an origin. */
export function parseAllowedOrigins(
  raw: readonly string[],
): { ok: true; origins: string[] } | { ok: false; reason: string } {
  if (raw.length > ALLOWED_ORIGINS_MAX)
    return { ok: false, reason: `at most ${ALLOWED_ORIGINS_MAX} origins` };
  const origins: string[] = [];
  for (const entry of raw) {
    const parsed = parseAllowedOrigin(entry);
    if (!parsed.ok) return parsed;
    if (!origins.includes(parsed.origin)) origins.push(parsed.origin);
  }
  return { ok: true, origins };
}

/** A publishable key's card-fields origins: its shop's pages (also bounded in the database). */
export const KEY_ALLOWED_ORIGINS_MAX = 20;

/** The hosts a test-mode key's card fields may be framed from over plain http: the developer's own machine. */
const LOCAL_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A publishable key's card-fields origins (duplicates dropped), or why not: at most KEY_ALLOWED_ORIGINS_MAX
 * canonical origins, https only, except a local host (localhost, 127.0.0.1, [::1]) over http in test mode.
 */
export function parseKeyAllowedOrigins(
  raw: readonly string[],
  mode: "TEST" | "LIVE",
): { ok: true; origins: string[] } | { ok: false; reason: string } {
  if (raw.length > KEY_ALLOWED_ORIGINS_MAX)
    return { ok: false, reason: `at most ${KEY_ALLOWED_ORIGINS_MAX} origins per publishable key` };
  const origins: string[] = [];
  for (const entry of raw) {
    const parsed = parseAllowedOrigin(entry);
    if (!parsed.ok) return parsed;
    const url = new URL(parsed.origin);
    const local = LOCAL_HOSTS.has(url.hostname);
    if (url.protocol !== "https:" && !(mode === "TEST" && local)) {
      return {
        ok: false,
        reason:
          mode === "TEST"
            ? `"${parsed.origin}" must use https (http only for localhost in test mode)`
            : `"${parsed.origin}" must use https`,
      };
    }
    if (!origins.includes(parsed.origin)) origins.push(parsed.origin);
  }
  return { ok: true, origins };
}
