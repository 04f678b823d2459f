// Downloads the settlement reports the PSPs announced (issue 16: Adyen's REPORT_AVAILABLE, Stripe's report runs)
// and imports each through the reconciliation command. Every 30 s, a bounded batch of due downloads is claimed;
// each file is fetched with the PSP's report credentials (Adyen: its report user's basic auth; Stripe: the secret
// key), only from the PSP's own report origin (a notification names the URL, so nothing else is ever fetched),
// streamed to a temporary file, never held whole, imported, and removed. A failed download is tried again later
// (exponential backoff); a file the import refuses is final (the import records the line and reason). A download
// whose account has no report credentials is parked, using none of its tries: each pass first puts back in the queue
// the parked downloads of every origin that has credentials now, so setting them resumes the wait within a pass.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Actor } from "@paycore/core/ports/audit";
import {
  type AnnouncedReportCommands,
  noAccountError,
  REPORT_CREDENTIALS_MISSING,
} from "@paycore/core/reconciliation/announced-reports";
import type { ReconciliationCommands } from "@paycore/core/reconciliation/reconciliation-commands";
import { type SettlementPsp, SettlementReportError } from "@paycore/core/reconciliation/settlement-line";
import type { Logger } from "pino";
import { reportRowsOfFile, sha256OfFile } from "../reconciliation/settlement-report-file";
import { REPORT_BYTES_MAX } from "./settlement-report-fetch";
import type { PassResult, WorkerJob } from "./worker";

export const ANNOUNCED_REPORT_INTERVAL_MS = 30_000;
/** The PSPs whose parked downloads each pass looks at. */
const REPORT_PSPS: readonly SettlementPsp[] = ["adyen", "stripe"];
const BATCH_SIZE = 10;
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const ACTOR: Actor = { operatorId: null, name: "system:announced-report-fetch" };

/**
 * How to download a PSP's reports from one account: the only origin they come from, and the Authorization header
 * to send (null: the account has no report credentials configured, a needs-attention item).
 */
export interface ReportCredentials {
  origin: string;
  authorization: string | null;
  /** Which account (named in the error a missing credential leaves). */
  account?: string;
}

export function announcedReportFetchJob(options: {
  reports: Pick<
    AnnouncedReportCommands,
    "claimDue" | "imported" | "failed" | "refused" | "awaitCredentials" | "credentialsAvailable"
  >;
  commands: Pick<ReconciliationCommands, "importReport">;
  /** The accounts a PSP's reports may come from (test mode's sandbox, the live account); the URL's origin picks. */
  credentials: (psp: SettlementPsp) => Promise<ReportCredentials[]>;
  log: Pick<Logger, "info" | "warn">;
  fetch?: typeof fetch;
}): WorkerJob {
  const fetchFn = options.fetch ?? fetch;
  return {
    name: "announced-report-fetch",
    schedule: {
      intervalMs: ANNOUNCED_REPORT_INTERVAL_MS,
      backoff: {
        initialDelayMs: ANNOUNCED_REPORT_INTERVAL_MS,
        maxDelayMs: 10 * ANNOUNCED_REPORT_INTERVAL_MS,
      },
    },
    failureMessage: "announced settlement reports could not be fetched: they stay queued and are tried again",
    async pass(): Promise<PassResult> {
      // Credentials set since the last pass (a console form, the CLI): their parked downloads are due now.
      const credentialsOf = new Map<SettlementPsp, ReportCredentials[]>();
      for (const psp of REPORT_PSPS) {
        const candidates = await options.credentials(psp);
        credentialsOf.set(psp, candidates);
        for (const candidate of candidates) {
          if (candidate.authorization === null) continue;
          const resumed = await options.reports.credentialsAvailable(psp, new URL(candidate.origin).origin);
          if (resumed > 0)
            options.log.info(
              { psp, account: candidate.account, resumed },
              "report credentials set: downloads resumed",
            );
        }
      }
      const due = await options.reports.claimDue(BATCH_SIZE);
      let done = 0;
      for (const report of due) {
        const candidates = credentialsOf.get(report.psp) ?? (await options.credentials(report.psp));
        if (candidates.length === 0) {
          // Parked, not failed: no try is used while no account exists to download it with.
          await options.reports.awaitCredentials(report, noAccountError(report.psp));
          continue;
        }
        let url: URL;
        try {
          url = new URL(report.url);
        } catch {
          await options.reports.refused(report.id, "the announced URL is not a URL");
          continue;
        }
        const credentials = candidates.find((candidate) => new URL(candidate.origin).origin === url.origin);
        if (credentials === undefined) {
          await options.reports.refused(report.id, `the announced URL is not on ${report.psp}'s report host`);
          continue;
        }
        if (credentials.authorization === null) {
          // Never skipped in silence: parked (no try used) and counted as a needs-attention item until the
          // account's report credentials are set, when a pass puts it back in the queue.
          const account = credentials.account ?? report.psp;
          await options.reports.awaitCredentials(
            report,
            `${REPORT_CREDENTIALS_MISSING} for the live ${report.psp} account ${account}: set them (docs/operations.md)`,
          );
          options.log.warn({ psp: report.psp, file: report.fileName, account }, "no report credentials");
          continue;
        }
        const dir = await mkdtemp(join(tmpdir(), "announced-report-"));
        const path = join(dir, "report.csv");
        try {
          const response = await fetchFn(url, {
            headers: { authorization: credentials.authorization },
            signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
          });
          if (!response.ok || response.body === null) {
            await options.reports.failed(report, `download answered HTTP ${response.status}`);
            continue;
          }
          if (Number(response.headers.get("content-length") ?? "0") > REPORT_BYTES_MAX) {
            await options.reports.refused(report.id, "the report is over the size bound");
            continue;
          }
          await pipeline(
            Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
            createWriteStream(path),
          );
          const result = await options.commands.importReport(ACTOR, {
            psp: report.psp,
            fileName: report.fileName,
            fileSha256: await sha256OfFile(path),
            rows: reportRowsOfFile(path),
          });
          await options.reports.imported(report.id, result.import.id);
          done++;
          options.log.info(
            { psp: report.psp, file: report.fileName, import: result.import.id, replayed: result.replayed },
            "announced settlement report imported",
          );
        } catch (error) {
          if (error instanceof SettlementReportError) {
            await options.reports.refused(report.id, `line ${error.lineNumber}: ${error.reason}`);
            options.log.warn(
              { psp: report.psp, file: report.fileName, line: error.lineNumber },
              "report refused",
            );
          } else {
            await options.reports.failed(report, error instanceof Error ? error.message : String(error));
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      return { done, more: due.length >= BATCH_SIZE };
    },
  };
}
