// The onboarding review queue: merchants pending verification or restricted, oldest first (at most 200).
import type { SignedInContext } from "../../trpc";

export async function onboardingQueueHandler({ ctx }: { ctx: SignedInContext }) {
  const rows = await ctx.services.app.services.onboardingReads.queue(200);
  return rows.map((row) => ({
    ...row,
    detailsSubmittedAt: row.detailsSubmittedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  }));
}
