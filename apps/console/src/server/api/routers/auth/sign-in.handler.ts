// Sign-in: argon2id verification, a lockout after repeated failures, and a new
// session with a fresh CSRF token. Every outcome answers the same way to the
// caller ("wrong email or password" or "locked"), and every attempt is audited.

import { verifyAgainstDummy, verifyPassword } from "@paycore/api/operator-accounts";
import { TRPCError } from "@trpc/server";
import { writeAudit } from "../../../audit";
import { CSRF_COOKIE, SESSION_COOKIE, serializeCookie } from "../../../auth/cookies";
import { hashToken, newToken } from "../../../auth/tokens";
import type { ConsoleContext } from "../../trpc";
import type { SignInInput } from "./sign-in.schema";

export interface SignInResult {
  email: string;
  role: "VIEWER" | "OPERATOR" | "ADMIN";
}

const WRONG_CREDENTIALS = "Wrong email or password.";

export async function signInHandler({
  ctx,
  input,
}: {
  ctx: ConsoleContext;
  input: SignInInput;
}): Promise<SignInResult> {
  const { services } = ctx;
  const now = services.now();
  const email = input.email.toLowerCase();
  const operator = await services.operators.findCredentialsByEmail(email);
  if (operator === null || operator.disabledAt !== null) {
    await verifyAgainstDummy(input.password);
    await writeAudit(services, {
      operatorId: null,
      action: "auth.sign_in_failed",
      targetType: "operator",
      targetId: operator?.id ?? null,
      after: { email, reason: operator ? "disabled" : "unknown_email" },
    });
    throw new TRPCError({ code: "UNAUTHORIZED", message: WRONG_CREDENTIALS });
  }
  if (operator.lockedUntil !== null && operator.lockedUntil > now) {
    await writeAudit(services, {
      operatorId: null,
      action: "auth.sign_in_refused_locked",
      targetType: "operator",
      targetId: operator.id,
      after: { email, lockedUntil: operator.lockedUntil },
    });
    throw new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: "This account is locked after repeated failed sign-ins. Try again later.",
    });
  }
  if (!(await verifyPassword(operator.passwordHash, input.password))) {
    const { failedLogins, lockedUntil } = await services.operators.recordFailedSignIn(
      operator.id,
      now,
      services.settings.lockoutFailuresMax,
      services.settings.lockoutMs,
    );
    const locked = lockedUntil !== null && lockedUntil > now;
    await writeAudit(services, {
      operatorId: null,
      action: locked ? "auth.locked" : "auth.sign_in_failed",
      targetType: "operator",
      targetId: operator.id,
      before: { failedLogins: operator.failedLogins, lockedUntil: operator.lockedUntil },
      after: { failedLogins, lockedUntil },
    });
    if (locked) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: "This account is locked after repeated failed sign-ins. Try again later.",
      });
    }
    throw new TRPCError({ code: "UNAUTHORIZED", message: WRONG_CREDENTIALS });
  }

  await services.operators.recordSuccessfulSignIn(operator.id);
  const sessionToken = newToken();
  const csrfToken = newToken();
  const expiresAt = new Date(now.getTime() + services.settings.sessionMs);
  const sessionId = await services.operators.createSession({
    operatorId: operator.id,
    tokenHash: hashToken(sessionToken),
    csrfTokenHash: hashToken(csrfToken),
    createdAt: now,
    expiresAt,
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
  await writeAudit(services, {
    operatorId: operator.id,
    action: "auth.signed_in",
    targetType: "operator_session",
    targetId: sessionId,
    after: { expiresAt },
  });
  return { email: operator.email, role: operator.role };
}
