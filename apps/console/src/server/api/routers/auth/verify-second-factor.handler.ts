// The second step of sign-in for an operator with TOTP: a current code (each
// time step accepted once) or an unused recovery code. Success replaces the
// password-step session with a new one (new cookies). Failures are throttled
// like passwords, per address and per account and address, so six digits
// cannot be walked through.
import { TRPCError } from "@trpc/server";
import { auditSnapshot } from "../../../audit";
import { CSRF_COOKIE, SESSION_COOKIE, serializeCookie } from "../../../auth/cookies";
import {
  checksInFlight,
  delayAfterFailures,
  IP_CHECKS_IN_FLIGHT_MAX,
  secondsUntil,
  type ThrottleKey,
} from "../../../auth/sign-in-throttle";
import { hashToken, newToken } from "../../../auth/tokens";
import {
  decryptTotpSecret,
  hashRecoveryCode,
  normaliseRecoveryCode,
  verifyTotpCode,
} from "../../../auth/totp";
import type { SignedInContext } from "../../trpc";
import type { SecondFactorInput } from "./two-factor.schema";

export const WRONG_CODE = "That code is not valid. Codes can be used once; wait for the next one.";

function throttled(until: Date, now: Date): TRPCError {
  return new TRPCError({
    code: "TOO_MANY_REQUESTS",
    message: `Too many wrong codes. Try again in ${secondsUntil(until, now)} s.`,
  });
}

function throttleKeysOf(ctx: SignedInContext): { ip: ThrottleKey; account: ThrottleKey } {
  const { email } = ctx.session.operator;
  return {
    ip: { key: `ip:${ctx.clientIp}`, kind: "ip", email: null, ip: ctx.clientIp },
    account: { key: `second_factor:${email}|${ctx.clientIp}`, kind: "account_ip", email, ip: ctx.clientIp },
  };
}

/** One code check at a time per account and address (see ChecksInFlight): parallel codes cannot skip the count. */
export async function verifySecondFactorHandler(options: {
  ctx: SignedInContext;
  input: SecondFactorInput;
}): Promise<{ verified: true }> {
  const keys = throttleKeysOf(options.ctx);
  const leave = checksInFlight.enter([
    [keys.account.key, 1],
    [keys.ip.key, IP_CHECKS_IN_FLIGHT_MAX],
  ]);
  if (leave === null) {
    throw new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: "A code from this address is already being checked. Try again in 1 s.",
    });
  }
  try {
    return await checkedSecondFactor(options);
  } finally {
    leave();
  }
}

async function checkedSecondFactor({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SecondFactorInput;
}): Promise<{ verified: true }> {
  const { services, session } = ctx;
  const { operator } = session;
  const settings = services.settings.signInThrottle;
  const now = services.now();
  const keys = throttleKeysOf(ctx);
  const blockedUntil = await services.operators.findSignInBlock([keys.ip.key, keys.account.key], now);
  if (blockedUntil !== null) throw throttled(blockedUntil, now);

  const audit = (action: string, after: Record<string, string | number | null>) => ({
    operatorId: operator.id,
    action,
    targetType: "operator_session",
    targetId: session.sessionId,
    before: null,
    after: auditSnapshot({ ip: ctx.clientIp, ...after }),
  });

  /** Replaces the password-step session with a full one and hands the browser its new cookies. */
  const complete = async (recoveryCodeHash: string | null, action: string, after: Record<string, string>) => {
    const sessionToken = newToken();
    const csrfToken = newToken();
    const newSessionId = await services.operators.completeSecondFactor({
      pendingSessionId: session.sessionId,
      operatorId: operator.id,
      recoveryCodeHash,
      next: {
        tokenHash: hashToken(sessionToken),
        csrfTokenHash: hashToken(csrfToken),
        expiresAt: session.expiresAt,
      },
      now,
      audit: (sessionId) => ({
        ...audit(action, after),
        after: auditSnapshot({ ip: ctx.clientIp, ...after, sessionId }),
      }),
    });
    if (newSessionId === null) return false;
    const maxAgeSeconds = (session.expiresAt.getTime() - now.getTime()) / 1000;
    const secure = ctx.secureCookies;
    ctx.setCookie(serializeCookie(SESSION_COOKIE, sessionToken, { httpOnly: true, secure, maxAgeSeconds }));
    ctx.setCookie(serializeCookie(CSRF_COOKIE, csrfToken, { httpOnly: false, secure, maxAgeSeconds }));
    await services.operators.clearSignInThrottle(keys.account.key);
    return true;
  };

  const state = await services.operators.findTotpState(operator.id);
  if (state?.enabledAt && state.secretEncrypted) {
    const secret = decryptTotpSecret(services.totpKeyring, state.secretEncrypted, operator.id);
    const timeStep = verifyTotpCode(secret, input.code, now, state.lastTimeStep);
    if (
      timeStep !== null &&
      (await services.operators.acceptTotpTimeStep(operator.id, timeStep)) &&
      (await complete(null, "auth.second_factor_verified", { method: "totp" }))
    ) {
      return { verified: true };
    }
    const recovery = normaliseRecoveryCode(input.code);
    if (
      recovery !== null &&
      (await complete(hashRecoveryCode(recovery), "auth.recovery_code_used", { method: "recovery_code" }))
    ) {
      return { verified: true };
    }
  }

  const [accountFailures, ipFailures] = await Promise.all([
    services.operators.recordSignInFailure(keys.account, now, settings.windowMs),
    services.operators.recordSignInFailure(keys.ip, now, settings.windowMs),
  ]);
  const accountDelayMs = delayAfterFailures(accountFailures, settings.accountIp);
  const ipDelayMs = delayAfterFailures(ipFailures, settings.ip);
  if (accountDelayMs > 0) {
    await services.operators.blockSignIns(keys.account.key, new Date(now.getTime() + accountDelayMs));
  }
  if (ipDelayMs > 0) await services.operators.blockSignIns(keys.ip.key, new Date(now.getTime() + ipDelayMs));
  const delayMs = Math.max(accountDelayMs, ipDelayMs);
  await services.app.services.operatorCommands.recordEvent(
    audit(delayMs > 0 ? "auth.second_factor_throttled" : "auth.second_factor_failed", {
      failures: accountFailures,
      delaySeconds: delayMs / 1000,
    }),
  );
  if (delayMs > 0) throw throttled(new Date(now.getTime() + delayMs), now);
  throw new TRPCError({ code: "UNAUTHORIZED", message: WRONG_CODE });
}
