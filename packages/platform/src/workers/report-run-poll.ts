// Polls Stripe's report runs (issue 16): paycore learns of a settlement report from Stripe's
// `reporting.report_run.succeeded` webhook, and a webhook can be lost (Stripe gives up after its retries; an
// endpoint down for days). Every 15 minutes this lists the report runs of the last few days through the SDK, for
// test mode's sandbox account and for every live account whose report credentials are configured, and announces
// every succeeded one, exactly as the webhook would: the announcement queues one download per file (a run already
// announced, by webhook or by an earlier poll, is a duplicate and queues nothing), and the announced-report-fetch
// worker downloads and imports it. The import dedupes again by the file's hash and each line's identity, so a
// report never posts twice however it arrives.
//
// Each account is polled on its own: one that cannot be listed (credentials refused, PSP unreachable) is logged,
// counted (paycore_report_run_poll_failures_total), reported to its owner's alert (a live account's) and named in
// the worker's health details, and the other accounts are polled all the same. A pass polls at most
// REPORT_RUN_POLL_ACCOUNTS_MAX accounts, taking up the rest on the next passes, round robin.

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
/** Accounts polled per pass; more are taken up on the following passes, round robin. */
export const REPORT_RUN_POLL_ACCOUNTS_MAX = 20;
/** A failure's text as logged and kept in the health details (PSP messages can be long). */
const FAILURE_TEXT_MAX = 200;

/** One account whose report runs are listed (Stripe's: test mode's, then each live account's). */
export interface ReportRunSource {
  /** Names the account in logs and health details: "test" or the live account's id (never a secret). */
  label: string;
  /** The PSP whose report the runs are, as its module declares it (settlementReports.layout). */
  psp: SettlementPsp;
  /** Which mode's account: the failures metric's label. */
  mode: "test" | "live";
  succeededReportRuns(
    createdSinceS: number,
    limit: number,
  ): Promise<Array<{ id: string; url: string | null }>>;
  /** Makes a failure to list this account visible to its operators (a live account's alert); optional. */
  recordFailure?(message: string): Promise<void>;
}

export function reportRunPollJob(options: {
  reports: Pick<AnnouncedReportCommands, "announce">;
  /** The accounts to list, read at each pass (live accounts change). */
  sources: () => Promise<ReportRunSource[]>;
  log: Pick<Logger, "info" | "warn">;
  /** Counts each account a pass could not list (the metric's labels: mode only, never an account id). */
  onAccountFailure?: (source: Pick<ReportRunSource, "label" | "mode">) => void;
  now?: () => Date;
}): WorkerJob {
  const now = options.now ?? (() => new Date());
  /** Where the next pass starts in the sorted list of accounts (round robin past the per-pass bound). */
  let cursor = 0;
  /** The accounts the latest pass could not list, for /health/workers. */
  let failing: Array<{ account: string; error: string; at: string }> = [];
  return {
    name: "report-run-poll",
    schedule: {
      intervalMs: REPORT_RUN_POLL_INTERVAL_MS,
      backoff: { initialDelayMs: 60_000, maxDelayMs: REPORT_RUN_POLL_INTERVAL_MS },
    },
    failureMessage: "Stripe's report runs could not be listed: a lost report webhook is not made up for yet",
    healthDetails: () => ({ failingAccounts: failing }),
    async pass(): Promise<PassResult> {
      const sinceS = Math.floor((now().getTime() - REPORT_RUN_POLL_LOOKBACK_MS) / 1000);
      const all = (await options.sources()).sort((a, b) => a.label.localeCompare(b.label));
      if (cursor >= all.length) cursor = 0;
      const batch = all.slice(cursor, cursor + REPORT_RUN_POLL_ACCOUNTS_MAX);
      cursor += batch.length;
      const failures: typeof failing = [];
      let queued = 0;
      for (const source of batch) {
        let runs: Array<{ id: string; url: string | null }>;
        try {
          runs = await source.succeededReportRuns(sinceS, REPORT_RUN_POLL_LIMIT);
        } catch (error) {
          const text = (error instanceof Error ? error.message : String(error)).slice(0, FAILURE_TEXT_MAX);
          failures.push({ account: source.label, error: text, at: now().toISOString() });
          options.onAccountFailure?.(source);
          options.log.warn({ account: source.label, reason: text }, "report runs could not be listed");
          await source.recordFailure?.(text).catch((failure: unknown) =>
            options.log.warn(
              {
                account: source.label,
                reason: failure instanceof Error ? failure.message : String(failure),
              },
              "could not record the report-run alert",
            ),
          );
          continue;
        }
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
      // The accounts outside this pass keep their last verdict until their turn.
      const polled = new Set(batch.map((source) => source.label));
      const known = new Set(all.map((source) => source.label));
      failing = [
        ...failing.filter((entry) => known.has(entry.account) && !polled.has(entry.account)),
        ...failures,
      ];
      return { done: queued, more: cursor < all.length };
    },
  };
}
