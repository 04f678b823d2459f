// The metrics-refresh job (issue 22): every 30 s, reads the backlog and age
// figures (outbox, webhook deliveries, unsettled PSP attempts by age, open
// reconciliation items, open payouts and disputes, the latest ledger check)
// and the needs-attention counts the console's overview shows, and sets the
// gauges a scrape reads. A scrape never queries the database. Each API
// process runs it: the figures are global, so every process exports the same
// values (alert rules take max() over processes, never sum()).
import type { Logger } from "pino";
import { type AttentionSources, attentionCounts } from "../attention/attention-counts";
import { ATTEMPT_AGE_BUCKETS, type PlatformMetrics } from "../metrics/metrics";
import type { PassResult, WorkerJob } from "./worker";

export const METRICS_REFRESH_INTERVAL_MS = 30_000;

export interface MetricsRefreshSources extends AttentionSources {
  figures: {
    read(
      ageBucketsSeconds: readonly number[],
    ): Promise<import("@paycore/db/repositories/operational-figures.repository").OperationalFigures>;
  };
}

/** One refresh of every gauge the job owns; also what tests call instead of waiting for a pass. */
export async function refreshOperationalGauges(
  metrics: PlatformMetrics,
  sources: MetricsRefreshSources,
  now: Date,
): Promise<void> {
  const [figures, attention, ledgerCheck] = await Promise.all([
    sources.figures.read(ATTEMPT_AGE_BUCKETS.map((bucket) => bucket.maxSeconds)),
    attentionCounts(sources, now),
    sources.workbench.ledgerCheckRuns.latest(),
  ]);
  metrics.outboxBacklog.set(figures.outboxBacklog);
  metrics.outboxOldestSeconds.set(figures.outboxOldestSeconds);
  metrics.webhookDeliveryBacklog.set(figures.webhookDeliveryBacklog);
  // Every (status, age) pair is set, zeros included, so a bucket that empties reads 0 rather than its old value.
  for (const status of ["UNKNOWN", "ACKNOWLEDGED"] as const) {
    for (const bucket of ATTEMPT_AGE_BUCKETS) {
      const found = figures.attemptsByAge.find(
        (row) => row.status === status && row.ageBucketMaxSeconds === bucket.maxSeconds,
      );
      metrics.attemptsUnsettled.set({ status: status.toLowerCase(), age: bucket.label }, found?.count ?? 0);
    }
  }
  metrics.reconciliationOpenItems.reset();
  for (const row of figures.reconOpenByCategory)
    metrics.reconciliationOpenItems.set({ category: row.category }, row.count);
  for (const status of ["PENDING", "IN_TRANSIT"]) {
    const found = figures.openPayoutsByStatus.find((row) => row.status === status);
    metrics.payouts.set({ status: status.toLowerCase() }, found?.count ?? 0);
  }
  for (const status of ["INQUIRY", "NEEDS_RESPONSE", "UNDER_REVIEW"]) {
    const found = figures.openDisputesByStatus.find((row) => row.status === status);
    metrics.disputes.set({ status: status.toLowerCase() }, found?.count ?? 0);
  }
  for (const [source, count] of Object.entries(attention)) metrics.needsAttention.set({ source }, count);
  metrics.deadLettersOpen.set(attention.dead_letters);
  if (ledgerCheck !== null) {
    metrics.ledgerCheckOk.set(ledgerCheck.ok ? 1 : 0);
    metrics.ledgerCheckLastRun.set(ledgerCheck.finishedAt.getTime() / 1000);
  }
  metrics.figuresRefreshed.set(now.getTime() / 1000);
}

export function metricsRefreshJob(options: {
  metrics: PlatformMetrics;
  sources: MetricsRefreshSources;
  log: Pick<Logger, "debug">;
  now?: () => Date;
}): WorkerJob {
  const now = options.now ?? (() => new Date());
  return {
    name: "metrics-refresh",
    schedule: {
      intervalMs: METRICS_REFRESH_INTERVAL_MS,
      backoff: { initialDelayMs: 5_000, maxDelayMs: METRICS_REFRESH_INTERVAL_MS },
    },
    failureMessage: "metrics refresh failed: the backlog gauges keep their last values",
    async pass(): Promise<PassResult> {
      await refreshOperationalGauges(options.metrics, options.sources, now());
      return { done: 1, more: false };
    },
  };
}
