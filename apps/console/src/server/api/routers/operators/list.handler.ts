import type { SignedInContext } from "../../trpc";
import { type OperatorView, operatorView } from "./operator-view";

export async function listOperatorsHandler({ ctx }: { ctx: SignedInContext }): Promise<OperatorView[]> {
  return (await ctx.services.app.services.operatorCommands.list(ctx.services.now())).map(operatorView);
}
