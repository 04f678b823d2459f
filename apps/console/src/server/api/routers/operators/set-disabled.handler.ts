// Disables (ending their sessions) or enables an operator; never oneself, never the last enabled admin.
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import { type OperatorView, operatorView } from "./operator-view";
import type { SetOperatorDisabledInput } from "./set-disabled.schema";

export async function setOperatorDisabledHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SetOperatorDisabledInput;
}): Promise<OperatorView> {
  return operatorView(
    await ctx.services.app.services.operatorCommands.setDisabled(
      operatorActor(ctx),
      input.operatorId,
      input.disabled,
    ),
  );
}
