// The only file of the API that reads process.env (a lint rule bans it
// elsewhere). Every setting is validated once, at start-up.
import { z } from "zod";

/** What one process's HTTP server allows a client: Node's defaults let a slow body hold a connection for 300 s. */
export interface HttpServerLimits {
  /** Until the whole request (headers and body) is received; past it Node answers 408 and closes. */
  requestTimeoutMs: number;
  /** Until the headers are received; at most `requestTimeoutMs`. */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections per process; Node closes further ones as they arrive. */
  maxConnections: number;
}

export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_024,
};

const HTTP = DEFAULT_HTTP_SERVER_LIMITS;

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("127.0.0.1"),
  /** Unset: `npm start` runs an embedded Postgres under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Unset: no fast path; idempotency runs on Postgres alone. */
  REDIS_URL: z.string().url().optional(),
  /** A Redis Cluster instead of one Redis: seed nodes as `host:port,host:port,…` (`npm run cluster:up` prints them). */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*\[?[\w.:-]+\]?:\d{1,5}(\s*,\s*\[?[\w.:-]+\]?:\d{1,5})*\s*$/, "host:port,host:port,…")
    .optional(),
  DATA_DIR: z.string().default(".data"),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Group commit of the payment hot path's writes (packages/db/src/group-commit.ts); "off" runs them one by one. */
  DATABASE_GROUP_COMMIT: z.enum(["on", "off"]).default("on"),
  /**
   * Group commit's coalescing window (ms, 0 = off): a write that follows another by less than this waits up to
   * this long for neighbours to share its commit, even with a connection free (docs/benchmarks.md).
   */
  DATABASE_GROUP_COMMIT_WINDOW_MS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * How long an API key is served from memory after a read, with revocations pushed by Postgres (LISTEN/NOTIFY);
   * 0 reads the key on every request (behind a pooler in transaction mode, which cannot carry LISTEN).
   */
  API_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** Postgres itself for the key cache's LISTEN when DATABASE_URL goes through a pooler in transaction mode. */
  DATABASE_LISTEN_URL: z.string().url().optional(),
  /** API processes sharing the port (node:cluster); each has its own pool of DATABASE_POOL_MAX connections. */
  API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  /** "1:<base64 32 bytes>,2:<base64 32 bytes>": the highest version encrypts, all decrypt. */
  VAULT_ENCRYPTION_KEYS: z.string().optional(),
  VAULT_FINGERPRINT_KEY: z.string().optional(),
  IDEMPOTENCY_HASH_SECRET: z.string().optional(),
  IDEMPOTENCY_RETENTION_HOURS: z.coerce
    .number()
    .min(24)
    .max(24 * 90)
    .default(24),
  IDEMPOTENCY_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  /** Time partitions (issue 21): days of day partitions the worker keeps created ahead of now. */
  PARTITION_DAYS_AHEAD: z.coerce.number().int().min(1).max(366).default(14),
  /** Where velocity counts come from when Redis is unavailable: Postgres (slower) or nowhere (hold for review). */
  FRAUD_VELOCITY_FALLBACK: z.enum(["postgres", "review"]).default("postgres"),
  /** 3-D Secure: how long a customer has to complete a challenge before the payment is cancelled. */
  THREE_D_SECURE_ACTION_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** How long a payment held for review waits for an operator before it is voided. */
  REVIEW_HOLD_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(24 * 60),
  /**
   * A capture, cancellation or refund the PSP acknowledged and no notification decided is looked up at the PSP
   * this long after; then on the resolver's schedule, and escalated to operators when the PSP cannot say.
   */
  RESOLVER_ACKNOWLEDGED_DEADLINE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(10),
  // Workbench (issue 17).
  /** Days a card authorization is held when its brand has no window of its own; voided an hour before it ends. */
  AUTHORIZATION_WINDOW_DAYS: z.coerce.number().int().min(2).max(60).default(7),
  /** Per-brand windows in days, e.g. "visa=7,mastercard=30" (brands as payment methods name them). */
  AUTHORIZATION_WINDOW_DAYS_BY_BRAND: z.string().max(500).optional(),
  /** A manual ledger adjustment above this many major units of its currency needs a second operator. */
  LEDGER_ADJUSTMENT_APPROVAL_ABOVE: z.coerce.number().int().min(0).max(1_000_000_000).default(100),
  /** Four eyes (issue 18): a fixed reserve above this many major units of its currency needs a second admin. */
  RESERVE_APPROVAL_ABOVE: z.coerce.number().int().min(0).max(1_000_000_000).default(10_000),
  /** How often the ledger consistency check runs in the background. */
  LEDGER_CHECK_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .default(60),
  /**
   * How often the ledger check is a full one (the whole ledger re-read, the whole journal chain re-hashed); the
   * runs between are incremental (only what was written since the last clean run).
   */
  LEDGER_CHECK_FULL_INTERVAL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .default(24),
  // Reconciliation (issue 16): accepting a PSP's figure whose difference is above this many minor units needs a
  // second operator's approval (four eyes).
  RECON_FOUR_EYES_ABOVE_MINOR: z.coerce.bigint().min(0n).max(1_000_000_000_000_000n).default(10_000n),
  /** The sandbox PSP server (Stripe- and Adyen-style); unset: the in-process sandbox. */
  PSP_SANDBOX_URL: z.string().url().optional(),
  /** `npm start` runs the sandbox PSP server on this port (when PSP_SANDBOX_URL is not given). */
  PSP_SANDBOX_PORT: z.coerce.number().int().min(1).max(65535).default(4010),
  /** `npm start` serves the operator console on this port; 0 leaves the console off. */
  CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(4020),
  /** `npm start` stops a `next build` of the console still running after this many minutes. */
  CONSOLE_BUILD_TIMEOUT_MINUTES: z.coerce.number().int().min(1).max(120).default(10),
  /** Per PSP request; past it the outcome is unknown and resolved later. */
  PSP_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** A GraphQL query still running after this is stopped (QUERY_TIMEOUT); mutations run to their end. */
  GRAPHQL_QUERY_DEADLINE_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  // ---- The bank (issue 18): payouts, and returns of incoming bank transfers ----
  // Unset BANK_RAILS_URL: the bank rails sandbox under PSP_SANDBOX_URL (/bank/v1) when that is set, otherwise no
  // bank (payouts wait PENDING, no returns are sent).
  BANK_RAILS_URL: z.string().url().optional(),
  BANK_RAILS_API_KEY: z.string().min(1).max(200).default("bank_test_sandbox"),
  /** The secret the bank signs its notifications with (POST /webhooks/bank); unset: the route answers 404. */
  BANK_WEBHOOK_SECRET: z.string().min(32).max(200).optional(),
  BANK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Hex HMAC key for Adyen-style notifications. */
  ADYEN_HMAC_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{32,128}$/)
    .optional(),
  /** Requests per second from one client IP, counted before authentication (so bad keys are limited too). */
  RATE_LIMIT_IP_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Requests per second per secret (or operator) key; a merchant may have its own. */
  RATE_LIMIT_KEY_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Requests per minute per publishable key, i.e. card tokenizations: tight, against card testing. */
  RATE_LIMIT_TOKENIZE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Tokenizations per minute from one client IP with one publishable key: a shopper enters a card or two. */
  RATE_LIMIT_TOKENIZE_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
  /** Expensive queries (payment lists, balances) in flight per key in one API process. */
  RATE_LIMIT_CONCURRENT_QUERIES: z.coerce.number().int().min(1).max(1_000).default(4),
  /**
   * Proxies whose X-Forwarded-For is believed (proxy-addr syntax: addresses, CIDRs, `loopback`, `uniquelocal`),
   * comma-separated; unset: none, the socket address is the client.
   */
  RATE_LIMIT_TRUSTED_PROXIES: z.string().max(2_000).default(""),
  /** Until a whole request (headers and body) is received; past it the connection is answered 408 and closed. */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(HTTP.requestTimeoutMs),
  /** Until the headers are received; at most HTTP_REQUEST_TIMEOUT_MS. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(HTTP.headersTimeoutMs),
  /** How long an idle keep-alive connection stays open; above a load balancer's idle timeout when behind one. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(600_000)
    .default(HTTP.keepAliveTimeoutMs),
  /** Open connections per API process; further ones are closed as they arrive. */
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100_000).default(HTTP.maxConnections),
  // Receipts and their mail (docs/operations.md#email): the SMTP server (unset: `npm start` runs the development
  // sink on SMTP_SINK_PORT and uses it; main.ts then sends no mail), the From address, the public origin in links.
  SMTP_URL: z.string().url().max(2_000).optional(),
  SMTP_SINK_PORT: z.coerce.number().int().min(0).max(65535).default(4025),
  EMAIL_FROM: z.string().min(3).max(200).default("paycore receipts <receipts@paycore.localhost>"),
  PUBLIC_BASE_URL: z.string().url().max(500).optional(),
  // Multiple currencies (issue 18, docs/operations.md#exchange-rates): the scheduled rates fetch is off unless
  // FX_RATES_URL is set (these machines are offline); a rate older than FX_RATE_MAX_AGE_HOURS is stale.
  FX_RATES_URL: z.string().url().max(2_000).optional(),
  FX_RATES_FETCH_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  FX_RATE_MAX_AGE_HOURS: z.coerce.number().int().min(1).max(8_760).default(96),
  // Observability (issue 22, docs/operations.md#metrics-traces-and-alerts).
  /**
   * The bearer token GET /metrics asks for (API, console, sandbox). Unset: /metrics answers loopback clients only
   * (`npm start` sets a development token and prints it).
   */
  METRICS_TOKEN: z
    .string()
    .min(16)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII, no spaces")
    .optional(),
  /** With API_PROCESSES > 1: the supervising process serves every worker's metrics, summed, on this port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  /** OTLP/HTTP endpoint for traces (e.g. http://127.0.0.1:4318); unset: tracing is off and costs nothing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().max(2_000).optional(),
  /** The service.name of this process's spans. */
  OTEL_SERVICE_NAME: z.string().min(1).max(100).default("paycore-api"),
  // Onboarding (issue 22, docs/operations.md#merchant-onboarding): what an unverified merchant may take in live
  // payments, as the total per currency in minor units ("EUR:100000,USD:100000"); a currency not listed: nothing.
  UNVERIFIED_LIVE_LIMITS: z
    .string()
    .max(2_000)
    .regex(/^\s*([A-Za-z]{3}:\d{1,16}\s*(,\s*[A-Za-z]{3}:\d{1,16}\s*)*)?$/, "CUR:minorUnits,CUR:minorUnits,…")
    .default("EUR:100000,USD:100000,GBP:100000"),
  // Sanctions screening (issue 22, docs/operations.md#sanctions-screening): the Jaro-Winkler score at or above which
  // a listed name is a hit, and the scheduled list fetch, off unless a URL is set (these machines are offline).
  SANCTIONS_MATCH_THRESHOLD: z.coerce.number().min(0.5).max(1).default(0.92),
  SANCTIONS_OFAC_SDN_URL: z.string().url().max(2_000).optional(),
  SANCTIONS_EU_URL: z.string().url().max(2_000).optional(),
  SANCTIONS_FETCH_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(60)
    .max(10_080)
    .default(24 * 60),
  // Risk signals (issue 22): over this window of live payments, a merchant with at least RISK_SIGNAL_MIN_PAYMENTS is
  // restricted when its refund, dispute or decline rate (basis points) is above its maximum.
  RISK_SIGNAL_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  RISK_SIGNAL_MIN_PAYMENTS: z.coerce.number().int().min(1).max(1_000_000).default(20),
  RISK_REFUND_RATE_MAX_BPS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  RISK_DISPUTE_RATE_MAX_BPS: z.coerce.number().int().min(0).max(10_000).default(100),
  RISK_DECLINE_RATE_MAX_BPS: z.coerce.number().int().min(0).max(10_000).default(5_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  /**
   * Whether test-mode merchant webhook endpoints may be on loopback (a receiver beside the platform). Unset: yes,
   * except under NODE_ENV=production, where loopback is the platform's own host (SSRF). `npm start` on embedded
   * defaults sets it for the console, whose `next start` runs under NODE_ENV=production.
   */
  WEBHOOK_TEST_MODE_LOOPBACK: z.enum(["true", "false"]).optional(),
});

export type Env = z.infer<typeof schema>;

/** Settings that are only valid together. */
function crossCheck(env: Env): string[] {
  const problems: string[] = [];
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS)
    problems.push("HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS");
  return problems;
}

export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    // Names and reasons only: a value may be a secret.
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new Error(`invalid configuration: ${problems}`);
  }
  const problems = crossCheck(parsed.data);
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join("; ")}`);
  return parsed.data;
}

/**
 * PSP credentials for `npm run cli -- psp-account`: read from the environment of that one command, so they
 * stay out of its arguments (and the shell's history). Not part of the API's configuration.
 */
export function pspSecretFromEnv(
  name: "PSP_API_KEY" | "PSP_WEBHOOK_SECRET",
  source: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  return source[name];
}

/** This process's whole environment, for a program that hands it on (the operator CLI builds its commands over it). */
export function processEnvironment(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

/** The HTTP server's limits from the environment. */
export function httpServerLimits(env: Env): HttpServerLimits {
  return {
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: env.HTTP_MAX_CONNECTIONS,
  };
}
