// Polls Stripe's report runs (issue 16): paycore learns of a settlement report from Stripe's
// `reporting.report_run.succeeded` webhook, and a webhook can be lost (Stripe gives up after its retries; an
// endpoint down for days). Every 15 minutes this lists the report runs of the last few days through the SDK and
// announces every succeeded one, exactly as the webhook would: the announcement queues one download per file
// (a run already announced, by webhook or by an earlier poll, is a duplicate and queues nothing), and the
// announced-report-fetch worker downloads and imports it. The import dedupes again by the file's hash and each
// line's identity, so a report never posts twice however it arrives.

import { DomainError } from "@paycore/core/errors/domain-error";
import type { AnnouncedReportCommands } from "@paycore/core/reconciliation/announced-reports";
import type { SettlementPsp } from "@paycore/core/reconciliation/settlement-line";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

export const REPORT_RUN_POLL_INTERVAL_MS = 15 * 60_000;
/** How far back runs are listed: longer than Stripe retries a webhook (3 days). */
export const REPORT_RUN_POLL_LOOKBACK_MS = 4 * 86_400_000;
/** Runs listed per account and pass (one a day per report type: far more than a lookback holds). */
export const REPORT_RUN_POLL_LIMIT = 50;

/** One account whose report runs are listed (Stripe's: test mode's, then each live account's). */
export interface ReportRunSource {
  label: string;
  /** The PSP whose report the runs are, as its module declares it (settlementReports.layout). */
  psp: SettlementPsp;
  succeededReportRuns(
    createdSinceS: number,
    limit: number,
  ): Promise<Array<{ id: string; url: string | null }>>;
}

export function reportRunPollJob(options: {
  reports: Pick<AnnouncedReportCommands, "announce">;
  /** The accounts to list, read at each pass (live accounts change). */
  sources: () => Promise<ReportRunSource[]>;
  log: Pick<Logger, "info" | "warn">;
  now?: () => Date;
}): WorkerJob {
  const now = options.now ?? (() => new Date());
  return {
    name: "report-run-poll",
    schedule: {
      intervalMs: REPORT_RUN_POLL_INTERVAL_MS,
      backoff: { initialDelayMs: 60_000, maxDelayMs: REPORT_RUN_POLL_INTERVAL_MS },
    },
    failureMessage: "Stripe's report runs could not be listed: a lost report webhook is not made up for yet",
    async pass(): Promise<PassResult> {
      const sinceS = Math.floor((now().getTime() - REPORT_RUN_POLL_LOOKBACK_MS) / 1000);
      let queued = 0;
      for (const source of await options.sources()) {
        const runs = await source.succeededReportRuns(sinceS, REPORT_RUN_POLL_LIMIT);
        for (const run of runs) {
          if (run.url === null) continue;
          try {
            const outcome = await options.reports.announce({
              psp: source.psp,
              fileName: `${run.id}.csv`,
              url: run.url,
            });
            if (outcome === "queued") {
              queued++;
              options.log.info({ account: source.label, run: run.id }, "report run found by polling");
            }
          } catch (error) {
            // A run we would not fetch (its URL or name refused): the same as its webhook would have been.
            if (!(error instanceof DomainError)) throw error;
            options.log.warn(
              { account: source.label, run: run.id, reason: error.message },
              "report run refused",
            );
          }
        }
      }
      return { done: queued, more: false };
    },
  };
}
