import { DomainError } from "@paycore/core/errors/domain-error";
import { writeAudit } from "../../../audit";
import type { SignedInContext } from "../../trpc";

export async function removeListEntryHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: { id: string };
}): Promise<{ removed: true }> {
  const riskLists = ctx.services.app.services.riskLists;
  const before = (await riskLists.listEntries({}, 1000)).find((entry) => entry.id === input.id);
  if (!before || !(await riskLists.removeListEntry(input.id))) {
    throw new DomainError("INVALID_INPUT", "No such list entry.", { field: ["id"] });
  }
  await writeAudit(ctx.services, {
    operatorId: ctx.session.operator.id,
    action: "risk_list.remove",
    targetType: "risk_list_entry",
    targetId: input.id,
    before: {
      list: before.list,
      kind: before.kind,
      value: before.value,
      merchantId: before.merchantId,
      note: before.note,
    },
  });
  return { removed: true };
}
