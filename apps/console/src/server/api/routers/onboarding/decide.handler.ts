// An operator's onboarding decision (approve, restrict or reject) with its note: through the core's state table,
// audited with the operator in the change's transaction.
import { DomainError } from "@paycore/core/errors/domain-error";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { DecideInput } from "./decide.schema";

export async function decideHandler({ ctx, input }: { ctx: SignedInContext; input: DecideInput }) {
  const decided = await ctx.services.app.services.onboarding.decide(
    operatorActor(ctx),
    input.merchantId,
    input.decision,
    input.note,
  );
  if (decided === null)
    throw new DomainError("INVALID_INPUT", "No merchant with this id.", { field: ["merchantId"] });
  return { status: decided.status };
}
