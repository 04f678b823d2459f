import type { SignedInContext } from "../../trpc";

export interface ListEntryView {
  id: string;
  list: "DENY" | "ALLOW";
  kind: string;
  value: string;
  merchantId: string | null;
  note: string | null;
  createdBy: string;
  createdAt: string;
}

/** Deny and allow list entries, newest first (bounded by the repository). */
export async function listEntriesHandler({ ctx }: { ctx: SignedInContext }): Promise<ListEntryView[]> {
  const entries = await ctx.services.app.services.riskLists.listEntries({});
  return entries.map((entry) => ({
    id: entry.id,
    list: entry.list,
    kind: entry.kind,
    value: entry.value,
    merchantId: entry.merchantId,
    note: entry.note,
    createdBy: entry.createdBy,
    createdAt: entry.createdAt.toISOString(),
  }));
}
