// Who a signed-in operator is in the operator audit log, for the core commands that write it.
import type { Actor } from "@paycore/core/ports/audit";
import type { SignedInContext } from "./trpc";

export function operatorActor(ctx: SignedInContext): Actor {
  return { operatorId: ctx.session.operator.id, name: ctx.session.operator.email };
}
