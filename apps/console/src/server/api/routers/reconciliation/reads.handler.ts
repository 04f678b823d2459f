// The reconciliation screens' reads: runs newest first, the queue oldest first with counts per category, one
// item with our record beside the PSP's line, and the approvals.
import { TRPCError } from "@trpc/server";
import type { z } from "zod";
import type { SignedInContext } from "../../trpc";
import type { ReconItemsInput, reconItemIdSchema, reconRunsSchema } from "./reconciliation.schema";
import { approvalView, cursorOf, itemFilter, itemView, parseCursor, runView } from "./reconciliation-view";

type Args<I> = { ctx: SignedInContext; input: I };

export async function runsHandler({ ctx, input }: Args<z.infer<typeof reconRunsSchema>>) {
  const runs = await ctx.services.recon.reads.runs(parseCursor(input.before));
  const last = runs.at(-1);
  return { runs: runs.map(runView), nextCursor: runs.length > 0 && last ? cursorOf(last) : null };
}

export async function itemsHandler({ ctx, input }: Args<ReconItemsInput>) {
  const filter = itemFilter(input, ctx.services.now());
  const reads = ctx.services.recon.reads;
  const [items, counts] = await Promise.all([
    reads.items(filter, parseCursor(input.after)),
    reads.categoryCounts(filter),
  ]);
  const last = items.at(-1);
  return {
    items: items.map(itemView),
    counts,
    nextCursor: items.length === 50 && last ? cursorOf(last) : null,
  };
}

export async function itemHandler({ ctx, input }: Args<z.infer<typeof reconItemIdSchema>>) {
  const item = await ctx.services.recon.reads.item(input.id);
  if (item === null) throw new TRPCError({ code: "NOT_FOUND", message: "No such reconciliation item." });
  return {
    ...itemView(item),
    lineKey: item.lineKey,
    merchantReference: item.merchantReference,
    merchantAccount: item.merchantAccount,
    expectedId: item.expectedId,
    expectedCurrency: item.expectedCurrency,
    journalEntryId: item.journalEntryId,
    mode: item.mode,
    importFileName: item.importFileName,
    merchantName: item.merchantName,
    payment: item.payment && { ...item.payment, createdAt: item.payment.createdAt.toISOString() },
    history: item.history.map((entry) => ({ ...entry, createdAt: entry.createdAt.toISOString() })),
    pendingApproval: item.pendingApproval && approvalView(item.pendingApproval),
    fourEyesAboveMinor: ctx.services.settings.reconFourEyesAboveMinor.toString(),
  };
}

export async function openCountHandler({ ctx }: { ctx: SignedInContext }) {
  return { open: await ctx.services.recon.reads.openCount() };
}

export async function approvalsHandler({ ctx }: { ctx: SignedInContext }) {
  const reads = ctx.services.recon.reads;
  const [pending, decided] = await Promise.all([reads.approvals("PENDING"), reads.approvals("DECIDED")]);
  return { pending: pending.map(approvalView), decided: decided.map(approvalView) };
}
