// Limits every client of the merchant API (issue 14):
// - per client IP, before anything else is read (so bad keys are limited too);
// - per key once it is known: secret and operator keys per second, publishable
//   keys (which may only tokenize cards) per minute and per minute and IP,
//   tight, because tokenizing is how stolen cards are tested;
// - expensive queries (payment lists, balances) in flight per key and process;
// - and the browser origins a key may be used from (CORS is only the
//   browser's half: a refused origin is refused here, before anything runs).
// A limit reached is a 429 with Retry-After and `extensions.code`
// RATE_LIMITED or CONCURRENCY_LIMITED; nothing has been executed.
//
// PSP webhooks never reach this plugin: usePspWebhooks answers them first. They
// come from a PSP's few addresses in bursts (a settlement run), a per-IP limit
// made for merchants would throttle them, and their signature check is a cheap
// HMAC that refuses anything forged before any database work.
import type { IncomingMessage } from "node:http";
import type { MerchantAccessPolicy } from "@paycore/db/repositories/merchant.repository";
import { type DocumentNode, GraphQLError, getOperationAST, Kind, type SelectionSetNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";
import type { LimitDecision, LimitSpec, RateLimiters } from "../adapters/rate-limiters";
import type { GraphQLContext } from "../context";

export interface RateLimitConfig {
  ipPerSecond: number;
  /** Per secret or operator key; a merchant's override replaces it. */
  keyPerSecond: number;
  /** Per publishable key; a merchant's override replaces it. */
  tokenizePerMinute: number;
  /** Per publishable key and client IP. */
  tokenizePerIpPerMinute: number;
  /** Expensive queries in flight per key in this process; a merchant's override replaces it. */
  concurrentQueries: number;
  /** proxy-addr trust list: the proxies whose X-Forwarded-For names the client. Empty: the socket is the client. */
  trustedProxies: string[];
}

/** Production defaults: the same as env.ts's (a test checks), for apps built without the environment. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  ipPerSecond: 100,
  keyPerSecond: 100,
  tokenizePerMinute: 60,
  tokenizePerIpPerMinute: 10,
  concurrentQueries: 4,
  trustedProxies: [],
};

/** Root fields whose cost grows with the merchant's data: a page of payments with nested fields, ledger sums. */
const EXPENSIVE_ROOT_FIELDS: ReadonlySet<string> = new Set(["payments", "balance"]);

/** Fragments followed when collecting root fields; a real query nests one or two. */
const FRAGMENT_DEPTH_MAX = 10;

/** A concurrency refusal asks for a retry after this long: an expensive query takes well under a second. */
const CONCURRENCY_RETRY_AFTER_SECONDS = 1;

export interface RateLimitDependencies {
  limits: RateLimitConfig;
  limiters: RateLimiters;
  policyOf(merchantId: string): Promise<MerchantAccessPolicy>;
}

export function useRateLimit(deps: RateLimitDependencies): Plugin<GraphQLContext> {
  const { limits, limiters } = deps;
  const trust = proxyaddr.compile(limits.trustedProxies);
  const clientOf = new WeakMap<Request, string>();
  /** Expensive queries in flight, per key; an entry is removed when its count returns to 0. */
  const inFlight = new Map<string, number>();

  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const client = clientBucket(serverContext as { req?: IncomingMessage }, trust);
      clientOf.set(request, client);
      const decision = await limiters.consume(
        { name: "ip", points: limits.ipPerSecond, durationSec: 1 },
        client,
      );
      if (decision.allowed) return;
      // No GraphQL pipeline runs for it, so the body is written as Yoga would write the error.
      const error = rateLimited("ip", decision);
      const { http: _http, ...extensions } = error.extensions;
      const body = { errors: [{ message: error.message, extensions }] };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: 429,
          headers: {
            "content-type": "application/graphql-response+json; charset=utf-8",
            "retry-after": String(retryAfterSeconds(decision)),
          },
        }),
      );
    },

    onResponse({ response }) {
      // Every answer depends on the Origin (its CORS headers, or a refusal): no shared cache may serve it to another.
      const vary = response.headers.get("vary") ?? "";
      if (!/\borigin\b/i.test(vary)) response.headers.set("vary", vary ? `${vary}, Origin` : "Origin");
    },

    async onExecute({ args, setResultAndStopExecution, executeFn, setExecuteFn }) {
      const context = args.contextValue as GraphQLContext & { request: Request };
      const { auth, operator, request } = context;
      const principal = auth?.apiKeyId ?? operator?.operatorKeyId ?? null;
      // Without a key the resolvers answer UNAUTHENTICATED; the IP limit has counted the request.
      if (principal === null) return;
      const policy = auth === null ? null : await deps.policyOf(auth.merchantId);

      const refusal = originRefusal(request, auth?.kind ?? "OPERATOR", policy?.allowedOrigins ?? []);
      if (refusal !== null) {
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }

      const client = clientOf.get(request) ?? "unknown";
      const checks: Array<[string, LimitSpec, string]> =
        auth?.kind === "PUBLISHABLE"
          ? [
              [
                "tokenize",
                {
                  name: "tokenize",
                  points: policy?.rateLimitTokenizePerMinute ?? limits.tokenizePerMinute,
                  durationSec: 60,
                },
                principal,
              ],
              [
                "tokenize_ip",
                { name: "tokenize-ip", points: limits.tokenizePerIpPerMinute, durationSec: 60 },
                `${principal}:${client}`,
              ],
            ]
          : [
              [
                "key",
                {
                  name: "key",
                  points: policy?.rateLimitKeyPerSecond ?? limits.keyPerSecond,
                  durationSec: 1,
                },
                principal,
              ],
            ];
      for (const [limit, spec, subject] of checks) {
        const decision = await limiters.consume(spec, subject);
        if (!decision.allowed) {
          setResultAndStopExecution({ errors: [rateLimited(limit, decision)] });
          return;
        }
      }

      if (!hasExpensiveRootField(args.document, args.operationName ?? undefined)) return;
      const maximum = policy?.concurrentQueriesMax ?? limits.concurrentQueries;
      const running = inFlight.get(principal) ?? 0;
      if (running >= maximum) {
        setResultAndStopExecution({ errors: [concurrencyLimited(maximum)] });
        return;
      }
      inFlight.set(principal, running + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (inFlight.get(principal) ?? 1) - 1;
        if (left <= 0) inFlight.delete(principal);
        else inFlight.set(principal, left);
      };
      // Released whichever comes first: the execution settling (even by throwing), or a later plugin ending it.
      setExecuteFn(async (executeArgs) => {
        try {
          return await executeFn(executeArgs);
        } finally {
          release();
        }
      });
      return { onExecuteDone: release };
    },
  };
}

/**
 * The bucket a request's client is counted in: its address as proxy-addr finds it (the socket's, or the
 * X-Forwarded-For entry the trusted proxies vouch for), an IPv6 client by its /64 (one subscriber's share, which
 * it can fill with addresses at will). Requests with no socket (an in-process `yoga.fetch`) share one bucket.
 */
export function clientBucket(
  serverContext: { req?: IncomingMessage },
  trust: (address: string, index: number) => boolean,
): string {
  const req = serverContext.req;
  if (req?.socket?.remoteAddress === undefined) return "unknown";
  const address = proxyaddr(req, trust);
  if (!ipaddr.isValid(address)) return "unknown";
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(":")}::/64`;
}

/**
 * Why a browser request may not go on, or null. Requests from the API's own origin (its GraphiQL page) are not
 * cross-origin. Secret and operator keys are for servers, never a page: a browser holding one has leaked it.
 */
function originRefusal(
  request: Request,
  kind: "SECRET" | "PUBLISHABLE" | "OPERATOR",
  allowedOrigins: readonly string[],
): GraphQLError | null {
  const origin = request.headers.get("origin");
  if (origin === null || origin === new URL(request.url).origin) return null;
  if (kind === "PUBLISHABLE" && allowedOrigins.includes(origin)) return null;
  const message =
    kind === "PUBLISHABLE"
      ? `This publishable key may not be used from ${truncate(origin)}: add the origin to the merchant's allowed origins.`
      : "Secret and operator keys are for servers: a browser request (with an Origin header) may only use a publishable key.";
  return new GraphQLError(message, {
    extensions: { code: "ORIGIN_NOT_ALLOWED", http: { status: 403 } },
  });
}

function truncate(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}

function retryAfterSeconds(decision: Extract<LimitDecision, { allowed: false }>): number {
  return Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}

function rateLimited(limit: string, decision: Extract<LimitDecision, { allowed: false }>): GraphQLError {
  const seconds = retryAfterSeconds(decision);
  return new GraphQLError(`Too many requests (${limit} limit): retry after ${seconds} s.`, {
    extensions: {
      code: "RATE_LIMITED",
      limit,
      retryAfterSeconds: seconds,
      http: { status: 429, headers: { "Retry-After": String(seconds) } },
    },
  });
}

function concurrencyLimited(maximum: number): GraphQLError {
  return new GraphQLError(
    `At most ${maximum} payment list or balance queries may run at once per key: retry after the others finish.`,
    {
      extensions: {
        code: "CONCURRENCY_LIMITED",
        retryAfterSeconds: CONCURRENCY_RETRY_AFTER_SECONDS,
        http: { status: 429, headers: { "Retry-After": String(CONCURRENCY_RETRY_AFTER_SECONDS) } },
      },
    },
  );
}

/** Whether the operation selects an expensive root field, directly or through fragments. */
function hasExpensiveRootField(document: DocumentNode, operationName: string | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined || operation.operation !== "query") return false;
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  const visit = (selectionSet: SelectionSetNode, depth: number): boolean => {
    if (depth > FRAGMENT_DEPTH_MAX) return true; // unusual enough to count as expensive
    return selectionSet.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return EXPENSIVE_ROOT_FIELDS.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet, depth + 1);
      const fragment = fragments.get(selection.name.value);
      return fragment !== undefined && visit(fragment.selectionSet, depth + 1);
    });
  };
  return visit(operation.selectionSet, 0);
}
