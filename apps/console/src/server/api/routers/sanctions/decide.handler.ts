// An operator's decision on a sanctions hit with its note (false positive, or confirmed: the merchant is frozen in
// the same transaction), audited with the operator.
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { DecideHitInput } from "./decide.schema";

export async function decideHitHandler({ ctx, input }: { ctx: SignedInContext; input: DecideHitInput }) {
  const decided = await ctx.services.app.services.sanctions.decideHit(
    operatorActor(ctx),
    input.hitId,
    input.decision,
    input.note,
  );
  return { id: decided.id, status: decided.status };
}
