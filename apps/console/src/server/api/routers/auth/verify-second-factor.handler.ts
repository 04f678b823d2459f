// The second step of sign-in for an operator with TOTP: a current code (each
// time step accepted once) or an unused recovery code. Failures are throttled
// like passwords, per address and per account and address, so six digits
// cannot be walked through.
import { TRPCError } from "@trpc/server";
import { auditSnapshot } from "../../../audit";
import { delayAfterFailures, secondsUntil, type ThrottleKey } from "../../../auth/sign-in-throttle";
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

export async function verifySecondFactorHandler({
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
  const keys: { ip: ThrottleKey; account: ThrottleKey } = {
    ip: { key: `ip:${ctx.clientIp}`, kind: "ip", email: null, ip: ctx.clientIp },
    account: {
      key: `second_factor:${operator.email}|${ctx.clientIp}`,
      kind: "account_ip",
      email: operator.email,
      ip: ctx.clientIp,
    },
  };
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

  const state = await services.operators.findTotpState(operator.id);
  if (state?.enabledAt && state.secretEncrypted) {
    const secret = decryptTotpSecret(services.totpKeyring, state.secretEncrypted, operator.id);
    const timeStep = verifyTotpCode(secret, input.code, now, state.lastTimeStep);
    if (
      timeStep !== null &&
      (await services.operators.acceptTotpTimeStep(operator.id, timeStep)) &&
      (await services.operators.completeSecondFactor(
        session.sessionId,
        audit("auth.second_factor_verified", { method: "totp" }),
      ))
    ) {
      await services.operators.clearSignInThrottle(keys.account.key);
      return { verified: true };
    }
    const recovery = normaliseRecoveryCode(input.code);
    if (
      recovery !== null &&
      (await services.operators.spendRecoveryCode(
        operator.id,
        hashRecoveryCode(recovery),
        session.sessionId,
        now,
        audit("auth.recovery_code_used", {
          remaining: (await services.operators.countUnusedRecoveryCodes(operator.id)) - 1,
        }),
      ))
    ) {
      await services.operators.clearSignInThrottle(keys.account.key);
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
  await services.operators.appendAudit(
    audit(delayMs > 0 ? "auth.second_factor_throttled" : "auth.second_factor_failed", {
      failures: accountFailures,
      delaySeconds: delayMs / 1000,
    }),
  );
  if (delayMs > 0) throw throttled(new Date(now.getTime() + delayMs), now);
  throw new TRPCError({ code: "UNAUTHORIZED", message: WRONG_CODE });
}
