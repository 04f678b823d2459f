// Sign-in: argon2id verification, throttling per client address and per email
// and address, and a new session with a fresh CSRF token. Every refusal answers
// the same way whether the email exists, is disabled or was mistyped: the same
// message and status, the same argon2 work (a dummy hash for unknown emails), and
// the same throttle (keyed on the email as typed). Counted attempts are audited.

import { verifyAgainstDummy, verifyPassword } from "@paycore/platform/passwords";
import { TRPCError } from "@trpc/server";
import { recordAuditEvent } from "../../../audit";
import { CSRF_COOKIE, SESSION_COOKIE, serializeCookie } from "../../../auth/cookies";
import {
  checksInFlight,
  delayAfterFailures,
  IP_CHECKS_IN_FLIGHT_MAX,
  secondsUntil,
  throttleKeys,
} from "../../../auth/sign-in-throttle";
import { hashToken, newToken } from "../../../auth/tokens";
import { type ConsoleContext, type SessionStage, sessionStage } from "../../trpc";
import type { SignInInput } from "./sign-in.schema";

export interface SignInResult {
  email: string;
  role: "VIEWER" | "OPERATOR" | "ADMIN";
  /** What the browser does next: ask for the TOTP code, send an admin to set TOTP up, or go on. */
  stage: SessionStage;
}

export const WRONG_CREDENTIALS = "Wrong email or password.";

function throttled(until: Date, now: Date): TRPCError {
  return new TRPCError({
    code: "TOO_MANY_REQUESTS",
    message: `Too many failed sign-ins. Try again in ${secondsUntil(until, now)} s.`,
  });
}

/** Refused without a check: another check of the same key is running (see ChecksInFlight). */
export const CHECK_IN_PROGRESS = "A sign-in from this address is already being checked. Try again in 1 s.";

export async function signInHandler(options: {
  ctx: ConsoleContext;
  input: SignInInput;
}): Promise<SignInResult> {
  const keys = throttleKeys(options.input.email.toLowerCase(), options.ctx.clientIp);
  const leave = checksInFlight.enter([
    [keys.accountIp.key, 1],
    [keys.ip.key, IP_CHECKS_IN_FLIGHT_MAX],
  ]);
  if (leave === null) throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: CHECK_IN_PROGRESS });
  try {
    return await checkedSignIn(options);
  } finally {
    leave();
  }
}

async function checkedSignIn({
  ctx,
  input,
}: {
  ctx: ConsoleContext;
  input: SignInInput;
}): Promise<SignInResult> {
  const { services } = ctx;
  const settings = services.settings.signInThrottle;
  const now = services.now();
  const email = input.email.toLowerCase();
  const keys = throttleKeys(email, ctx.clientIp);

  // Refused before any password work and not counted: waiting out the delay is the only way on. Not audited
  // either, or a client hammering while blocked would grow the append-only log without bound.
  const blockedUntil = await services.operators.findSignInBlock([keys.ip.key, keys.accountIp.key], now);
  if (blockedUntil !== null) throw throttled(blockedUntil, now);

  const operator = await services.operators.findCredentialsByEmail(email);
  const usable = operator !== null && operator.disabledAt === null;
  const passwordOk = usable
    ? await verifyPassword(operator.passwordHash, input.password)
    : await verifyAgainstDummy(input.password);

  if (!passwordOk || operator === null) {
    const [accountIpFailures, ipFailures] = await Promise.all([
      services.operators.recordSignInFailure(keys.accountIp, now, settings.windowMs),
      services.operators.recordSignInFailure(keys.ip, now, settings.windowMs),
    ]);
    const accountIpDelayMs = delayAfterFailures(accountIpFailures, settings.accountIp);
    const ipDelayMs = delayAfterFailures(ipFailures, settings.ip);
    if (accountIpDelayMs > 0) {
      await services.operators.blockSignIns(keys.accountIp.key, new Date(now.getTime() + accountIpDelayMs));
    }
    if (ipDelayMs > 0)
      await services.operators.blockSignIns(keys.ip.key, new Date(now.getTime() + ipDelayMs));
    const delayMs = Math.max(accountIpDelayMs, ipDelayMs);
    await recordAuditEvent(services, {
      operatorId: null,
      action: delayMs > 0 ? "auth.sign_in_throttled" : "auth.sign_in_failed",
      targetType: "operator",
      targetId: operator?.id ?? null,
      after: {
        email,
        ip: ctx.clientIp,
        reason: operator === null ? "unknown_email" : usable ? "wrong_password" : "disabled",
        failuresFromAddressForEmail: accountIpFailures,
        failuresFromAddress: ipFailures,
        delaySeconds: delayMs / 1000,
      },
    });
    if (delayMs > 0) {
      // For whoever watches the log stream (the API's and the console's): someone is guessing.
      services.logger.warn(
        { ip: ctx.clientIp, operatorId: operator?.id ?? null, delaySeconds: delayMs / 1000 },
        "console sign-in throttled",
      );
      throw throttled(new Date(now.getTime() + delayMs), now);
    }
    throw new TRPCError({ code: "UNAUTHORIZED", message: WRONG_CREDENTIALS });
  }

  await services.operators.clearSignInThrottle(keys.accountIp.key);
  const sessionToken = newToken();
  const csrfToken = newToken();
  const expiresAt = new Date(now.getTime() + services.settings.sessionMs);
  const sessionId = await services.operators.createSession({
    operatorId: operator.id,
    tokenHash: hashToken(sessionToken),
    csrfTokenHash: hashToken(csrfToken),
    createdAt: now,
    expiresAt,
    // With TOTP on, this session can do nothing but the second step until a code is checked.
    secondFactorPending: operator.totpEnabled,
  });
  const maxAgeSeconds = services.settings.sessionMs / 1000;
  ctx.setCookie(
    serializeCookie(SESSION_COOKIE, sessionToken, {
      httpOnly: true,
      secure: ctx.secureCookies,
      maxAgeSeconds,
    }),
  );
  ctx.setCookie(
    serializeCookie(CSRF_COOKIE, csrfToken, { httpOnly: false, secure: ctx.secureCookies, maxAgeSeconds }),
  );
  await recordAuditEvent(services, {
    operatorId: operator.id,
    action: "auth.signed_in",
    targetType: "operator_session",
    targetId: sessionId,
    after: { expiresAt, ip: ctx.clientIp, secondFactorPending: operator.totpEnabled },
  });
  const stage = sessionStage({
    sessionId,
    csrfTokenHash: "",
    expiresAt,
    lastSeenAt: now,
    secondFactorPending: operator.totpEnabled,
    operator,
  });
  return { email: operator.email, role: operator.role, stage };
}
