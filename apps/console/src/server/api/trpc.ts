// tRPC for the console: the context (services, the session from the cookie),
// and the middlewares every procedure goes through: domain errors translated in
// this one place, a CSRF check on every mutation, and role checks on the server.
import {
  type DomainError,
  ERROR_TABLE,
  type ErrorCode,
  isDomainError,
} from "@paycore/core/errors/domain-error";
import type { ActiveSession, OperatorRole } from "@paycore/db/repositories/operator.repository";
import { initTRPC, type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { CSRF_COOKIE, cookiesAreSecure, parseCookies, SESSION_COOKIE } from "../auth/cookies";
import { clientAddress } from "../auth/sign-in-throttle";
import { hashToken, sameToken } from "../auth/tokens";
import type { ConsoleServices } from "../services";

export interface ConsoleContext {
  services: ConsoleServices;
  session: ActiveSession | null;
  sessionToken: string | null;
  csrfCookie: string | null;
  csrfHeader: string | null;
  secureCookies: boolean;
  /** The client's address as sign-in throttling counts it (see clientAddress). */
  clientIp: string;
  /** Adds a Set-Cookie header to the response (a no-op for server-side callers). */
  setCookie(cookie: string): void;
}

const SESSION_TOUCH_INTERVAL_MS = 60_000;
/** A password step not followed by its code within this long is over: sign in again. */
export const SECOND_FACTOR_WINDOW_MS = 10 * 60_000;

export async function createConsoleContext(options: {
  services: ConsoleServices;
  cookieHeader: string | null;
  csrfHeader: string | null;
  requestUrl: string;
  forwardedProto: string | null;
  /** The X-Forwarded-For header (Next's server sets it to the socket's address when a request has none). */
  forwardedFor: string | null;
  setCookie(cookie: string): void;
}): Promise<ConsoleContext> {
  const cookies = parseCookies(options.cookieHeader);
  const sessionToken = cookies[SESSION_COOKIE] || null;
  const now = options.services.now();
  const { idleMs } = options.services.settings;
  const session = sessionToken
    ? await options.services.operators.findActiveSession(hashToken(sessionToken), now, {
        idleMs,
        secondFactorMs: SECOND_FACTOR_WINDOW_MS,
      })
    : null;
  // Activity keeps a session alive; recorded at most once a minute, so a page's burst of requests writes once.
  if (session && now.getTime() - session.lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
    await options.services.operators.touchSession(session.sessionId, now);
  }
  return {
    services: options.services,
    session,
    sessionToken,
    csrfCookie: cookies[CSRF_COOKIE] || null,
    csrfHeader: options.csrfHeader,
    secureCookies: cookiesAreSecure(
      options.requestUrl,
      options.forwardedProto,
      options.services.settings.cookieSecure,
    ),
    clientIp: clientAddress(options.forwardedFor, options.services.settings.signInThrottle.trustedProxyHops),
    setCookie: options.setCookie,
  };
}

const NOT_FOUND_CODES = new Set<ErrorCode>([
  "PAYMENT_NOT_FOUND",
  "PAYMENT_METHOD_NOT_FOUND",
  "REFUND_NOT_FOUND",
  "OPERATOR_NOT_FOUND",
  // Workbench (issue 17).
  "DEAD_LETTER_NOT_FOUND",
  "DISPUTE_NOT_FOUND",
]);
const CONFLICT_CODES = new Set<ErrorCode>([
  "IDEMPOTENCY_IN_PROGRESS",
  "PAYMENT_OPERATION_IN_PROGRESS",
  "IDEMPOTENCY_KEY_REUSED",
  "OPERATOR_EXISTS",
  "OPERATOR_CHANGED",
]);

/**
 * A DomainError by its shape, not its class: Next's server build may bundle the core into more than one chunk,
 * and an error thrown by a command from another chunk is not an `instanceof` this chunk's DomainError.
 */
function asDomainError(error: unknown): DomainError | null {
  if (isDomainError(error)) return error;
  if (!(error instanceof Error) || error.name !== "DomainError") return null;
  const { code } = error as { code?: unknown };
  return typeof code === "string" && code in ERROR_TABLE ? (error as DomainError) : null;
}

function trpcCodeOf(code: ErrorCode): TRPC_ERROR_CODE_KEY {
  if (NOT_FOUND_CODES.has(code)) return "NOT_FOUND";
  if (CONFLICT_CODES.has(code)) return "CONFLICT";
  if (code === "PSP_NOT_REACHED") return "SERVICE_UNAVAILABLE";
  // Not a passing outage: nothing will change until an operator configures a PSP.
  if (code === "PSP_NOT_CONFIGURED") return "PRECONDITION_FAILED";
  return "BAD_REQUEST";
}

const t = initTRPC.context<ConsoleContext>().create({
  errorFormatter({ shape, error }) {
    const domain = asDomainError(error.cause);
    // Anything that is not an expected failure is masked: no stack, no driver or PSP message.
    const masked = error.code === "INTERNAL_SERVER_ERROR" && domain === null;
    const invalid =
      error.cause instanceof ZodError
        ? error.cause.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ")
        : null;
    return {
      ...shape,
      message: masked ? "Unexpected error." : (invalid ?? shape.message),
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        domainCode: domain?.code ?? null,
        field: domain?.field ?? null,
        retryable: domain?.retryable ?? false,
      },
    };
  },
});

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

/** Domain errors become TRPCErrors with their stable code in `data.domainCode`; the rest is logged and masked. */
const translateErrors = t.middleware(async ({ next, ctx, path }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = asDomainError(result.error.cause);
  if (cause !== null) {
    throw new TRPCError({ code: trpcCodeOf(cause.code), message: cause.message, cause });
  }
  if (result.error.code === "INTERNAL_SERVER_ERROR") {
    ctx.services.logger.error({ err: result.error.cause ?? result.error, path }, "console procedure failed");
  }
  return result;
});

/**
 * Every mutation carries the CSRF token in a header, equal to the CSRF cookie (double submit: another site can
 * neither read the cookie nor set the header), and, once signed in, equal to the token issued with the session.
 */
export function csrfValid(ctx: Pick<ConsoleContext, "csrfHeader" | "csrfCookie" | "session">): boolean {
  const header = ctx.csrfHeader;
  if (!header || !ctx.csrfCookie || !sameToken(header, ctx.csrfCookie)) return false;
  return !ctx.session || sameToken(hashToken(header), ctx.session.csrfTokenHash);
}

const requireCsrf = t.middleware(({ next, ctx, type }) => {
  if (type !== "mutation") return next();
  if (!csrfValid(ctx)) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Missing or invalid CSRF token." });
  }
  return next();
});

export const publicProcedure = t.procedure.use(translateErrors).use(requireCsrf);

const ROLE_RANK: Record<OperatorRole, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };

export function roleAtLeast(role: OperatorRole, minimum: OperatorRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[minimum];
}

/**
 * Where a session stands: "second_factor" (password checked, TOTP code not yet), "enrol" (an admin without TOTP:
 * only enrolment is open until it is set up), or "ready".
 */
export const ENROL_FIRST = "Set up two-factor authentication first.";

export type SessionStage = "second_factor" | "enrol" | "ready";

export function sessionStage(session: ActiveSession): SessionStage {
  if (session.secondFactorPending) return "second_factor";
  if (session.operator.role === "ADMIN" && !session.operator.totpEnabled) return "enrol";
  return "ready";
}

/** Signed in, with at least `minimum`'s rights (viewer: read; operator: refunds and reviews; admin: everything). */
export function procedureFor(minimum: OperatorRole) {
  return publicProcedure.use(({ next, ctx }) => {
    if (!ctx.session || sessionStage(ctx.session) === "second_factor") {
      throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
    }
    if (sessionStage(ctx.session) === "enrol") {
      throw new TRPCError({ code: "FORBIDDEN", message: ENROL_FIRST });
    }
    if (!roleAtLeast(ctx.session.operator.role, minimum)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${minimum.toLowerCase()} role.` });
    }
    return next({ ctx: { ...ctx, session: ctx.session } });
  });
}

/** A session at one of `stages`: the second step of sign-in, or managing one's own two-factor settings. */
export function procedureAtStage(...stages: SessionStage[]) {
  return publicProcedure.use(({ next, ctx }) => {
    if (!ctx.session || !stages.includes(sessionStage(ctx.session))) {
      throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
    }
    return next({ ctx: { ...ctx, session: ctx.session } });
  });
}

export type SignedInContext = ConsoleContext & { session: ActiveSession };
