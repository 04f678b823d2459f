// The fraud review queue as CSV: held payments oldest first, with their risk score and signals.
import { formatMinorUnits } from "@paycore/core/money/money";
import { REVIEW_QUEUE_MAX, type ReviewQueueRow } from "@paycore/db/repositories/console-query.repository";
import { z } from "zod";
import type { CsvExport } from "./export-route";

export const reviewsExport: CsvExport<Record<string, never>, ReviewQueueRow> = {
  name: "reviews",
  minimumRole: "VIEWER",
  schema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  inputOf: () => ({}),
  columns: [
    { header: "id", value: (row) => row.id },
    { header: "held_since", value: (row) => row.createdAt },
    { header: "review_expires_at", value: (row) => row.reviewExpiresAt },
    { header: "merchant_id", value: (row) => row.merchantId },
    { header: "merchant_name", value: (row) => row.merchantName },
    { header: "currency", value: (row) => row.currency },
    { header: "amount", value: (row) => formatMinorUnits(row.amountMinor, row.currency) },
    { header: "card_brand", value: (row) => row.cardBrand },
    { header: "card_last4", value: (row) => row.cardLast4 },
    { header: "customer_email", value: (row) => row.customerEmail },
    { header: "risk_score", value: (row) => row.riskScore },
    {
      header: "risk_signals",
      value: (row) =>
        row.riskSignals
          .filter((signal) => signal.score > 0)
          .map((signal) => `${signal.name} (${signal.score})`)
          .join("; "),
    },
    { header: "decision_pending", value: (row) => row.pendingOperation },
  ],
  async *pages(ctx, _input, maxRows) {
    let remaining = maxRows;
    let after: { createdAt: Date; id: string } | null = null;
    while (remaining > 0) {
      const limit = Math.min(REVIEW_QUEUE_MAX, remaining);
      const rows = await ctx.services.consoleQueries.reviewQueue(limit, after);
      if (rows.length === 0) return;
      yield rows;
      remaining -= rows.length;
      const last = rows.at(-1) as ReviewQueueRow;
      after = { createdAt: last.createdAt, id: last.id };
      if (rows.length < limit) return;
    }
  },
};
