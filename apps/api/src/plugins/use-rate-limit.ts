// Limits every client of the merchant API (issue 14):
// - per client IP, before anything else is read (so bad keys are limited too);
// - per key once it is known: secret and operator keys per second, publishable
//   keys (which may only tokenize cards) per minute and per minute and IP,
//   tight, because tokenizing is how stolen cards are tested. A key that
//   authenticated in the last minute is counted with the IP, in one Redis round
//   trip; any other key after authentication. A known secret key's POST is
//   counted once its body is read (onParams) instead, and a createPayment's
//   with the payment's idempotency lock (the core's gate), in the same round
//   trip: a payment's four Redis round trips become three (issue 23);
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
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { TtlCache } from "@paycore/core/ttl-cache";
import type { MerchantAccessPolicy } from "@paycore/db/repositories/merchant.repository";
import { type DocumentNode, GraphQLError, getOperationAST, Kind, type SelectionSetNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";
import type { LimitCheck, LimitsDecision, RateLimiters } from "../adapters/rate-limiters";
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

/** Keys seen authenticated lately, by the hash of the presented key: whose limits to count at the door. */
const KNOWN_KEYS_TTL_MS = 60_000;
const KNOWN_KEYS_MAX = 10_000;

/** Who a key belonged to when it last authenticated. Never used to authenticate: only to count its limits. */
interface KnownKey {
  principal: string;
  kind: "SECRET" | "PUBLISHABLE" | "OPERATOR";
  merchantId: string | null;
}

export function useRateLimit(deps: RateLimitDependencies): Plugin<GraphQLContext> {
  const { limits, limiters } = deps;
  const trust = proxyaddr.compile(limits.trustedProxies);
  const clientOf = new WeakMap<Request, string>();
  /** The hash of the request's bearer token, for remembering its key once authenticated. */
  const tokenHashOf = new WeakMap<Request, string>();
  /** The principal whose key limits were already counted with the IP limit, at the door. */
  const countedAtDoor = new WeakMap<Request, string>();
  const knownKeys = new TtlCache<string, KnownKey>(KNOWN_KEYS_TTL_MS, KNOWN_KEYS_MAX);
  /** A known secret key's limits, not counted at the door, to be counted with its createPayment's lock. */
  const deferredAtDoor = new WeakMap<Request, DeferredLimits>();
  /** Expensive queries in flight, per key; an entry is removed when its count returns to 0. */
  const inFlight = new Map<string, number>();

  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const client = clientBucket(serverContext as { req?: IncomingMessage }, trust);
      clientOf.set(request, client);
      // A key that authenticated lately has its own limits counted here too, in the same round trip as the
      // IP's (issue 23). Its hash only picks which counts to take: a forged or unknown key is never in the
      // map, so it can spend nobody's limit, and authentication still runs on every request.
      const tokenHash = bearerTokenHash(request);
      if (tokenHash !== null) tokenHashOf.set(request, tokenHash);
      const known = tokenHash === null ? undefined : knownKeys.get(tokenHash);
      let keyChecks: LimitCheckNamed[] = [];
      if (known !== undefined) {
        const policy = known.merchantId === null ? null : await deps.policyOf(known.merchantId);
        // A request its origin refuses is answered in onExecute, without counting its key.
        if (originRefusal(request, known.kind, policy?.allowedOrigins ?? []) === null) {
          keyChecks = keyLimitChecks(limits, known.kind, known.principal, policy, client);
        }
      }
      const checks: LimitCheckNamed[] = [
        { limit: "ip", spec: { name: "ip", points: limits.ipPerSecond, durationSec: 1 }, subject: client },
        ...keyChecks,
      ];
      if (
        known !== undefined &&
        known.kind === "SECRET" &&
        keyChecks.length > 0 &&
        request.method === "POST" &&
        limiters.sharesRoundTrip
      ) {
        // Counted once the body says what the request is (onParams), a payment's with its idempotency lock
        // (onExecute). Whatever ends the request before that counts them in onResponse: none goes uncounted.
        deferredAtDoor.set(request, { principal: known.principal, checks });
        return;
      }
      const decision = await limiters.consumeAll(checks);
      if (decision.allowed) {
        if (known !== undefined && keyChecks.length > 0) countedAtDoor.set(request, known.principal);
        return;
      }
      // No GraphQL pipeline runs for it, so the body is written as Yoga would write the error.
      const error = rateLimited(checks[decision.index]?.limit ?? "ip", decision);
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

    async onParams({ request, params, setResult }) {
      const waiting = deferredAtDoor.get(request);
      // A text that names createPayment waits for onExecute, which knows whether it is a payment alone.
      if (waiting === undefined || params.query?.includes("createPayment")) return;
      deferredAtDoor.delete(request);
      const decision = await limiters.consumeAll(waiting.checks);
      if (decision.allowed) {
        countedAtDoor.set(request, waiting.principal);
        return;
      }
      setResult({ errors: [rateLimited(waiting.checks[decision.index]?.limit ?? "ip", decision)] });
    },

    onResponse({ request, response }) {
      const waiting = deferredAtDoor.get(request);
      if (waiting !== undefined) {
        // Ended before its limits were counted (a body that does not parse, a query that does not validate,
        // a key revoked since): counted now; this answer is an error anyway.
        deferredAtDoor.delete(request);
        void limiters.consumeAll(waiting.checks);
      }
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
      const kind = auth?.kind ?? "OPERATOR";
      const tokenHash = tokenHashOf.get(request);
      if (tokenHash !== undefined) {
        knownKeys.set(tokenHash, { principal, kind, merchantId: auth?.merchantId ?? null });
      }
      const policy = auth === null ? null : await deps.policyOf(auth.merchantId);

      const waiting = deferredAtDoor.get(request);
      if (waiting !== undefined) deferredAtDoor.delete(request);
      const refusal = originRefusal(request, kind, policy?.allowedOrigins ?? []);
      if (refusal !== null) {
        if (waiting !== undefined) await limiters.consumeAll(waiting.checks);
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }

      if (waiting !== undefined) {
        if (waiting.principal === principal && isCreatePaymentAlone(args.document, args.operationName)) {
          // Counted by the payment's resolver with its idempotency lock, in one round trip; nothing runs before
          // the count is known. If the resolver never counts them (its variables refused, say), they are counted
          // after execution; a refusal replaces whatever the execution answered.
          let counted: Promise<LimitsDecision> | null = null;
          const count = () => {
            counted ??= limiters.consumeAll(waiting.checks);
            return counted;
          };
          const refused = (decision: Extract<LimitsDecision, { allowed: false }>) =>
            rateLimited(waiting.checks[decision.index]?.limit ?? "ip", decision);
          context.limits.gate = async () => {
            const decision = await count();
            if (!decision.allowed) throw refused(decision);
          };
          setExecuteFn(async (executeArgs) => {
            const result = await executeFn(executeArgs);
            const decision = await count();
            return decision.allowed ? result : { errors: [refused(decision)] };
          });
          return;
        }
        const decision = await limiters.consumeAll(waiting.checks);
        if (!decision.allowed) {
          setResultAndStopExecution({
            errors: [rateLimited(waiting.checks[decision.index]?.limit ?? "ip", decision)],
          });
          return;
        }
        countedAtDoor.set(request, waiting.principal);
      }

      if (countedAtDoor.get(request) !== principal) {
        const client = clientOf.get(request) ?? "unknown";
        const checks = keyLimitChecks(limits, kind, principal, policy, client);
        const decision = await limiters.consumeAll(checks);
        if (!decision.allowed) {
          setResultAndStopExecution({
            errors: [rateLimited(checks[decision.index]?.limit ?? "key", decision)],
          });
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

/** A limit to count and the name a refusal gives it (`extensions.limit`). */
interface LimitCheckNamed extends LimitCheck {
  limit: string;
}

/** The door's limits of a known key, left to count with the request's first Redis command. */
interface DeferredLimits {
  principal: string;
  checks: LimitCheckNamed[];
}

/** Whether the operation is a mutation of the one root field createPayment (no alias of another, no fragment). */
function isCreatePaymentAlone(document: DocumentNode, operationName: string | undefined | null): boolean {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (operation === null || operation === undefined || operation.operation !== "mutation") return false;
  const [only, ...others] = operation.selectionSet.selections;
  return others.length === 0 && only?.kind === Kind.FIELD && only.name.value === "createPayment";
}

/**
 * A key's own limits: secret and operator keys per second; publishable keys per minute, and per minute and
 * client, tight, because tokenizing is how stolen cards are tested.
 */
function keyLimitChecks(
  limits: RateLimitConfig,
  kind: KnownKey["kind"],
  principal: string,
  policy: MerchantAccessPolicy | null,
  client: string,
): LimitCheckNamed[] {
  if (kind === "PUBLISHABLE") {
    return [
      {
        limit: "tokenize",
        spec: {
          name: "tokenize",
          points: policy?.rateLimitTokenizePerMinute ?? limits.tokenizePerMinute,
          durationSec: 60,
        },
        subject: principal,
      },
      {
        limit: "tokenize_ip",
        spec: { name: "tokenize-ip", points: limits.tokenizePerIpPerMinute, durationSec: 60 },
        subject: `${principal}:${client}`,
      },
    ];
  }
  return [
    {
      limit: "key",
      spec: { name: "key", points: policy?.rateLimitKeyPerSecond ?? limits.keyPerSecond, durationSec: 1 },
      subject: principal,
    },
  ];
}

/** SHA-256 of the bearer token, or null without one; a malformed header is authentication's to refuse. */
function bearerTokenHash(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header === null) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (match === null || (match[1] as string).length > BEARER_TOKEN_LENGTH_MAX) return null;
  return createHash("sha256")
    .update(match[1] as string)
    .digest("base64url");
}

/** Keys are about 40 characters; anything much longer is not a key and is not hashed here. */
const BEARER_TOKEN_LENGTH_MAX = 200;

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

function retryAfterSeconds(decision: Extract<LimitsDecision, { allowed: false }>): number {
  return Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}

function rateLimited(limit: string, decision: Extract<LimitsDecision, { allowed: false }>): GraphQLError {
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
