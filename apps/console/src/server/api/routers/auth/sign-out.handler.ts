import { recordAuditEvent } from "../../../audit";
import { CSRF_COOKIE, SESSION_COOKIE, serializeCookie } from "../../../auth/cookies";
import type { SignedInContext } from "../../trpc";

export async function signOutHandler({ ctx }: { ctx: SignedInContext }): Promise<{ signedOut: true }> {
  const { services, session } = ctx;
  await services.operators.revokeSession(session.sessionId, services.now());
  ctx.setCookie(
    serializeCookie(SESSION_COOKIE, "", { httpOnly: true, secure: ctx.secureCookies, maxAgeSeconds: 0 }),
  );
  ctx.setCookie(
    serializeCookie(CSRF_COOKIE, "", { httpOnly: false, secure: ctx.secureCookies, maxAgeSeconds: 0 }),
  );
  await recordAuditEvent(services, {
    operatorId: session.operator.id,
    action: "auth.signed_out",
    targetType: "operator_session",
    targetId: session.sessionId,
  });
  return { signedOut: true };
}
