// Creates an operator; the password (generated unless the admin typed one) is answered once and never again.
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { CreateOperatorInput } from "./create.schema";
import { type OperatorView, operatorView } from "./operator-view";

export async function createOperatorHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: CreateOperatorInput;
}): Promise<{ operator: OperatorView; password: string | null }> {
  const created = await ctx.services.app.services.operatorCommands.create(operatorActor(ctx), {
    email: input.email,
    role: input.role,
    password: input.password || null,
  });
  return { operator: operatorView(created.operator), password: created.generated ? created.password : null };
}
