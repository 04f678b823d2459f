// Sets a new password and ends the operator's sessions; a generated password is answered once.
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { ResetOperatorPasswordInput } from "./reset-password.schema";

export async function resetOperatorPasswordHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: ResetOperatorPasswordInput;
}): Promise<{ password: string | null }> {
  const issued = await ctx.services.app.services.operatorCommands.resetPassword(
    operatorActor(ctx),
    input.operatorId,
    input.password || null,
  );
  return { password: issued.generated ? issued.password : null };
}
