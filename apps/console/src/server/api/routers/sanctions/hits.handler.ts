// Sanctions hits for review (issue 22): open ones first (oldest first), then decided ones; at most 100.
import type { SignedInContext } from "../../trpc";

export async function sanctionsHitsHandler({ ctx }: { ctx: SignedInContext }) {
  const hits = await ctx.services.app.services.sanctionsReads.hits(100);
  return hits.map((hit) => ({
    ...hit,
    decidedAt: hit.decidedAt?.toISOString() ?? null,
    createdAt: hit.createdAt.toISOString(),
  }));
}
