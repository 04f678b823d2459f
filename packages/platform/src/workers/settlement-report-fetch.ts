// The settlement report pull: once an hour, fetches each PSP's report of the previous UTC day (and of the day
// before, for a late report) from where the PSP publishes it, and imports it through the reconciliation
// command. The same file again is a replay (same SHA-256) and changes nothing, so passes are idempotent and
// several processes may run the job; a grown report of the same day imports only its new lines. A file is
// streamed to a temporary file, never held whole, and removed after the import.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Actor } from "@paycore/core/ports/audit";
import type { ReconciliationCommands } from "@paycore/core/reconciliation/reconciliation-commands";
import { type SettlementPsp, SettlementReportError } from "@paycore/core/reconciliation/settlement-line";
import type { Logger } from "pino";
import { reportRowsOfFile, sha256OfFile } from "../reconciliation/settlement-report-file";
import type { PassResult, WorkerJob } from "./worker";

export const SETTLEMENT_FETCH_INTERVAL_MS = 60 * 60_000;
const FETCH_BACKOFF_MAX_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
/** Days looked back per pass: yesterday and the day before. */
const DAYS_BACK = 2;
/** A day's report of a busy account is tens of MB; anything far beyond is not a report. */
export const REPORT_BYTES_MAX = 2 * 1024 * 1024 * 1024;
const ACTOR: Actor = { operatorId: null, name: "system:settlement-report-fetch" };

export interface SettlementReportSource {
  /** The report's URL for a PSP and UTC day (YYYY-MM-DD); the sandbox serves /__sandbox/settlements/<psp>/<day>.csv. */
  urlFor(psp: SettlementPsp, day: string): string;
}

export function sandboxSettlementSource(sandboxUrl: string): SettlementReportSource {
  const base = sandboxUrl.replace(/\/$/, "");
  return { urlFor: (psp, day) => `${base}/__sandbox/settlements/${psp}/${day}.csv` };
}

export function settlementReportFetchJob(options: {
  commands: Pick<ReconciliationCommands, "importReport">;
  source: SettlementReportSource;
  psps: readonly SettlementPsp[];
  log: Pick<Logger, "info" | "warn">;
  now?: () => Date;
  fetch?: typeof fetch;
}): WorkerJob {
  const now = options.now ?? (() => new Date());
  const fetchFn = options.fetch ?? fetch;
  return {
    name: "settlement-report-fetch",
    schedule: {
      intervalMs: SETTLEMENT_FETCH_INTERVAL_MS,
      backoff: { initialDelayMs: 60_000, maxDelayMs: FETCH_BACKOFF_MAX_MS },
    },
    failureMessage: "a settlement report could not be fetched: it is fetched again on the next pass",
    async pass(): Promise<PassResult> {
      let done = 0;
      const today = Math.floor(now().getTime() / DAY_MS) * DAY_MS;
      for (const psp of options.psps) {
        for (let back = DAYS_BACK; back >= 1; back--) {
          const day = new Date(today - back * DAY_MS).toISOString().slice(0, 10);
          const response = await fetchFn(options.source.urlFor(psp, day));
          if (response.status === 404) continue;
          if (!response.ok || response.body === null)
            throw new Error(`settlement report ${psp} ${day}: HTTP ${response.status}`);
          const length = Number(response.headers.get("content-length") ?? "0");
          if (length > REPORT_BYTES_MAX)
            throw new Error(`settlement report ${psp} ${day} is over the size bound`);
          const dir = await mkdtemp(join(tmpdir(), "settlement-"));
          const path = join(dir, `${psp}-${day}.csv`);
          try {
            await pipeline(
              Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
              createWriteStream(path),
            );
            const result = await options.commands.importReport(ACTOR, {
              psp,
              fileName: `${psp}-settlement-${day}.csv`,
              fileSha256: await sha256OfFile(path),
              rows: reportRowsOfFile(path),
            });
            if (!result.replayed) {
              done++;
              options.log.info(
                { psp, day, import: result.import.id, counts: result.import.categoryCounts },
                "settlement report imported",
              );
            }
          } catch (error) {
            // A refused report is recorded by the command; the operator sees it, retrying would refuse it again.
            if (!(error instanceof SettlementReportError)) throw error;
            options.log.warn(
              { psp, day, line: error.lineNumber, reason: error.reason },
              "settlement report refused",
            );
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        }
      }
      return { done, more: false };
    },
  };
}
