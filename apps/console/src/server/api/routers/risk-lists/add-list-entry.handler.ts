// Adds a deny or allow list entry through the core's command, which spells the value the way the fraud scorer
// compares it and audits the change in the same transaction.
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { AddListEntryInput } from "./risk-list.schema";

export async function addListEntryHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: AddListEntryInput;
}): Promise<{ id: string }> {
  const entry = await ctx.services.app.services.riskListCommands.add(operatorActor(ctx), {
    merchantId: input.merchantId || null,
    list: input.list,
    kind: input.kind,
    value: input.value,
    note: input.note || null,
  });
  return { id: entry.id };
}
