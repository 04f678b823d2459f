// The only file of the console that reads process.env (a lint rule bans it
// elsewhere). The shared settings (database, Redis, PSP sandbox, secrets) are
// read by the platform's schema (@paycore/platform/env), the one the API reads,
// so both processes agree.
import { type Env as ApiEnv, readEnv } from "@paycore/platform/env";
import { z } from "zod";

const schema = z.object({
  DATABASE_URL: z.string().url(),
  /** How long a console session lasts without signing in again. */
  CONSOLE_SESSION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 7)
    .default(12),
  /** How long a console session may go unused before it ends (besides CONSOLE_SESSION_HOURS). */
  CONSOLE_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  /** Failed sign-ins per email and client address answered without delay; then 1 s, 2 s, 4 s… */
  CONSOLE_SIGN_IN_FREE_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** Failed sign-ins per client address (any email) answered without delay; then growing delays likewise. */
  CONSOLE_SIGN_IN_IP_FREE_FAILURES: z.coerce.number().int().min(1).max(10_000).default(50),
  /** The longest delay a run of failures earns. */
  CONSOLE_SIGN_IN_DELAY_MAX_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** Reverse proxies in front of the console that append the client's address to X-Forwarded-For. */
  CONSOLE_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * "auto": Secure cookies everywhere except plain http on a loopback host (local development and tests);
   * "always": Secure even there. With NODE_ENV=production it is always "always", whatever is set.
   */
  CONSOLE_COOKIE_SECURE: z.enum(["auto", "always"]).default("auto"),
  NODE_ENV: z.string().optional(),
  /** "auto": Strict-Transport-Security on answers to https requests only; "always": on every answer. */
  CONSOLE_HSTS: z.enum(["auto", "always"]).default("auto"),
});

export type ConsoleEnv = z.infer<typeof schema> & { api: ApiEnv };

export function readConsoleEnv(source: Record<string, string | undefined> = process.env): ConsoleEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    // Names and reasons only: a value may be a secret.
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new Error(`invalid console configuration: ${problems}`);
  }
  const production = parsed.data.NODE_ENV === "production";
  // A production console never sends its session cookie without Secure, even to a loopback address: a
  // misconfigured proxy must not be able to turn that off.
  const cookieSecure = production ? "always" : parsed.data.CONSOLE_COOKIE_SECURE;
  return { ...parsed.data, CONSOLE_COOKIE_SECURE: cookieSecure, api: readEnv(source) };
}

const proxySchema = z.object({
  NODE_ENV: z.string().optional(),
  CONSOLE_HSTS: schema.shape.CONSOLE_HSTS,
});

/**
 * What src/proxy.ts needs, read apart from the rest: the proxy runs on every request, including assets, and must
 * not depend on the database or secrets being configured.
 */
export function proxySettings(source: Record<string, string | undefined> = process.env): {
  development: boolean;
  hsts: "auto" | "always";
} {
  if (source === process.env && cachedProxySettings) return cachedProxySettings;
  const parsed = proxySchema.parse(source);
  const settings = { development: parsed.NODE_ENV === "development", hsts: parsed.CONSOLE_HSTS };
  if (source === process.env) cachedProxySettings = settings;
  return settings;
}

let cachedProxySettings: ReturnType<typeof proxySettings> | null = null;
