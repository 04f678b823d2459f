import type { SignedInContext } from "../../trpc";
import { type PaymentRowView, toPaymentRowView } from "../payments/payment-view";

export interface ReviewQueueItem extends PaymentRowView {
  reviewExpiresAt: string | null;
  pendingOperation: string | null;
  riskScore: number | null;
  riskSignals: Array<{ name: string; score: number; detail: string }>;
}

/** Payments held for review, oldest first. */
export async function reviewQueueHandler({ ctx }: { ctx: SignedInContext }): Promise<ReviewQueueItem[]> {
  const rows = await ctx.services.consoleQueries.reviewQueue();
  return rows.map((row) => ({
    ...toPaymentRowView(row),
    reviewExpiresAt: row.reviewExpiresAt?.toISOString() ?? null,
    pendingOperation: row.pendingOperation,
    riskScore: row.riskScore,
    riskSignals: row.riskSignals
      .filter((signal) => signal.score > 0)
      .map((signal) => ({ name: signal.name, score: signal.score, detail: signal.detail })),
  }));
}
