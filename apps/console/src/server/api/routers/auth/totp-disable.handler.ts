// Turns TOTP off for the signed-in operator, with a current code as proof that
// the person at the keyboard holds the device. Admins may not: for them it is
// required. The audit row is written in the same transaction.
import { TRPCError } from "@trpc/server";
import { auditSnapshot } from "../../../audit";
import { decryptTotpSecret, verifyTotpCode } from "../../../auth/totp";
import type { SignedInContext } from "../../trpc";
import type { TotpCodeInput } from "./two-factor.schema";

export async function totpDisableHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: TotpCodeInput;
}): Promise<{ totpEnabled: false }> {
  const { services, session } = ctx;
  const { operator } = session;
  if (operator.role === "ADMIN") {
    throw new TRPCError({ code: "FORBIDDEN", message: "Admins must keep two-factor authentication on." });
  }
  const state = await services.operators.findTotpState(operator.id);
  if (!state?.enabledAt || !state.secretEncrypted) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "Two-factor authentication is not on." });
  }
  const secret = decryptTotpSecret(services.totpKeyring, state.secretEncrypted, operator.id);
  const timeStep = verifyTotpCode(secret, input.code, services.now(), state.lastTimeStep);
  if (timeStep === null || !(await services.operators.acceptTotpTimeStep(operator.id, timeStep))) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "That code is not valid." });
  }
  await services.operators.disableTotp(operator.id, {
    operatorId: operator.id,
    action: "auth.totp_disabled",
    targetType: "operator",
    targetId: operator.id,
    before: auditSnapshot({ totpEnabled: true }),
    after: auditSnapshot({ totpEnabled: false }),
  });
  return { totpEnabled: false };
}
