// Changes an operator's role; never one's own, never demoting the last enabled admin.
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { ChangeOperatorRoleInput } from "./change-role.schema";
import { type OperatorView, operatorView } from "./operator-view";

export async function changeOperatorRoleHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: ChangeOperatorRoleInput;
}): Promise<OperatorView> {
  return operatorView(
    await ctx.services.app.services.operatorCommands.changeRole(
      operatorActor(ctx),
      input.operatorId,
      input.role,
    ),
  );
}
