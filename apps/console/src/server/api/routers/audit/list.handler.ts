import type { SignedInContext } from "../../trpc";
import type { AuditListInput } from "./list.schema";

export interface AuditEntryView {
  id: string;
  operatorEmail: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  createdAt: string;
}

export async function auditListHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: AuditListInput;
}): Promise<{ entries: AuditEntryView[]; nextBefore: string | null }> {
  const { entries, hasNextPage } = await ctx.services.operators.listAudit({
    search: input.search ?? null,
    operatorId: null,
    beforeId: input.before ? BigInt(input.before) : null,
    first: input.first,
  });
  const last = entries.at(-1);
  return {
    entries: entries.map((entry) => ({
      id: entry.id.toString(),
      operatorEmail: entry.operatorEmail,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: entry.before,
      after: entry.after,
      createdAt: entry.createdAt.toISOString(),
    })),
    nextBefore: hasNextPage && last ? last.id.toString() : null,
  };
}
