import { DomainError } from "@paycore/core/errors/domain-error";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";

export async function removeListEntryHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: { id: string };
}): Promise<{ removed: true }> {
  const removed = await ctx.services.app.services.riskListCommands.remove(operatorActor(ctx), input.id);
  if (!removed) throw new DomainError("INVALID_INPUT", "No such list entry.", { field: ["id"] });
  return { removed: true };
}
