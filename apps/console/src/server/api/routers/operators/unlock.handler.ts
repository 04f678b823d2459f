// Lifts the sign-in throttle on an operator's email, from every address (password and second step).
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";

export function unlockOperatorHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: { operatorId: string };
}): Promise<{ cleared: number }> {
  return ctx.services.app.services.operatorCommands.unlock(operatorActor(ctx), input.operatorId);
}
