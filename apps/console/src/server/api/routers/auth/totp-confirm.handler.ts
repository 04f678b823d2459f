// Confirms TOTP enrolment with a code from the pending secret: TOTP goes on,
// ten recovery codes are made (shown once here, stored as SHA-256), and the
// audit row is written in the same transaction.
import { TRPCError } from "@trpc/server";
import { auditSnapshot } from "../../../audit";
import {
  decryptTotpSecret,
  hashRecoveryCode,
  newRecoveryCodes,
  normaliseRecoveryCode,
  verifyTotpCode,
} from "../../../auth/totp";
import type { SignedInContext } from "../../trpc";
import type { TotpCodeInput } from "./two-factor.schema";

export async function totpConfirmHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: TotpCodeInput;
}): Promise<{ recoveryCodes: string[] }> {
  const { services, session } = ctx;
  const { operator } = session;
  const now = services.now();
  const state = await services.operators.findTotpState(operator.id);
  if (state?.enabledAt) {
    throw new TRPCError({ code: "CONFLICT", message: "Two-factor authentication is already on." });
  }
  if (!state?.secretEncrypted) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "Start the set-up first." });
  }
  const secret = decryptTotpSecret(services.totpKeyring, state.secretEncrypted, operator.id);
  const timeStep = verifyTotpCode(secret, input.code, now, null);
  if (timeStep === null) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: "That code does not match. Check the device's clock and enter the current code.",
    });
  }
  const recoveryCodes = newRecoveryCodes();
  const enabled = await services.operators.enableTotp(
    operator.id,
    {
      secretEncrypted: state.secretEncrypted,
      timeStep,
      now,
      recoveryCodeHashes: recoveryCodes.map((code) => hashRecoveryCode(normaliseRecoveryCode(code) ?? code)),
    },
    {
      operatorId: operator.id,
      action: "auth.totp_enrolled",
      targetType: "operator",
      targetId: operator.id,
      before: auditSnapshot({ totpEnabled: false }),
      after: auditSnapshot({ totpEnabled: true, recoveryCodes: recoveryCodes.length }),
    },
  );
  if (!enabled) {
    throw new TRPCError({ code: "CONFLICT", message: "The set-up changed meanwhile. Start it again." });
  }
  return { recoveryCodes };
}
