// Settlement reports a PSP announces (issue 16): Adyen's REPORT_AVAILABLE notification (the file name and its
// download URL), Stripe's succeeded report run (its result file's URL). An announcement queues one download per
// (PSP, file); the download worker fetches it with the PSP's report credentials and imports it through the
// reconciliation command, which dedupes again by the file's hash and each line's identity, so the same report
// announced twice, or imported by hand as well, never posts twice.
import { DomainError, invariant } from "../errors/domain-error";
import type { SettlementPsp } from "./settlement-line";

export interface ReportAnnouncement {
  psp: SettlementPsp;
  /** The PSP's name for the file (Adyen's pspReference; Stripe's report run id + .csv). */
  fileName: string;
  /** Where the PSP serves it. */
  url: string;
}

export interface QueuedReport extends ReportAnnouncement {
  id: bigint;
  /** Tries so far. */
  attempts: number;
}

export interface AnnouncedReportStore {
  /** "duplicate": this PSP's file was announced before (queued, imported or refused): nothing is written. */
  enqueue(announcement: ReportAnnouncement): Promise<"queued" | "duplicate">;
  /** QUEUED downloads due at `now`, oldest first, at most `limit`, each counted as tried. */
  claimDue(limit: number, now: Date, retryAt: Date): Promise<QueuedReport[]>;
  markImported(id: bigint, importId: string): Promise<void>;
  markRetry(id: bigint, error: string, nextAttemptAt: Date): Promise<void>;
  markRefused(id: bigint, error: string): Promise<void>;
}

/**
 * How a download waiting for report credentials is marked (its last error starts with it): the needs-attention
 * item "report downloads waiting for credentials" counts these, and setting the account's report credentials
 * lets the next try through.
 */
export const REPORT_CREDENTIALS_MISSING = "no report credentials configured";

const FILE_NAME = /^[\w.-]{1,255}$/;
const URL_LENGTH_MAX = 2_000;
const ERROR_LENGTH_MAX = 500;
/** After this many tries a download is refused for good (an operator imports the file by hand). */
export const REPORT_DOWNLOAD_ATTEMPTS_MAX = 12;
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 6 * 60 * 60_000;

/** Checks an announcement as the PSP sent it: a plain file name and an http(s) URL, both bounded. */
export function parseReportAnnouncement(input: {
  psp: string;
  fileName: unknown;
  url: unknown;
}): ReportAnnouncement {
  if (input.psp !== "adyen" && input.psp !== "stripe") {
    throw new DomainError("INVALID_INPUT", "psp is adyen or stripe.", { field: ["psp"] });
  }
  if (typeof input.fileName !== "string" || !FILE_NAME.test(input.fileName)) {
    throw new DomainError(
      "INVALID_INPUT",
      "The report's file name is 1 to 255 letters, digits, '.', '_' or '-'.",
      {
        field: ["fileName"],
      },
    );
  }
  if (
    typeof input.url !== "string" ||
    input.url.length > URL_LENGTH_MAX ||
    !/^https?:\/\/[^\s/]+\/\S*$/.test(input.url)
  ) {
    throw new DomainError(
      "INVALID_INPUT",
      "The report's URL is an http(s) URL of at most 2,000 characters.",
      {
        field: ["url"],
      },
    );
  }
  return { psp: input.psp, fileName: input.fileName, url: input.url };
}

export class AnnouncedReportCommands {
  constructor(private readonly deps: { store: AnnouncedReportStore; now(): Date }) {}

  async announce(input: { psp: string; fileName: unknown; url: unknown }): Promise<"queued" | "duplicate"> {
    return this.deps.store.enqueue(parseReportAnnouncement(input));
  }

  /** Due downloads, claimed for this pass (a claim pushes their next try out, so two passes do not collide). */
  claimDue(limit: number): Promise<QueuedReport[]> {
    invariant(limit > 0 && limit <= 100, "a download batch is bounded");
    const now = this.deps.now();
    return this.deps.store.claimDue(limit, now, new Date(now.getTime() + RETRY_BASE_MS));
  }

  imported(id: bigint, importId: string): Promise<void> {
    return this.deps.store.markImported(id, importId);
  }

  /** A failed try: again later (exponential, capped), or refused for good after the last try. */
  failed(report: QueuedReport, error: string): Promise<void> {
    const message = error.slice(0, ERROR_LENGTH_MAX);
    if (report.attempts >= REPORT_DOWNLOAD_ATTEMPTS_MAX)
      return this.deps.store.markRefused(report.id, message);
    const delayMs = Math.min(RETRY_BASE_MS * 2 ** Math.max(0, report.attempts - 1), RETRY_MAX_MS);
    return this.deps.store.markRetry(report.id, message, new Date(this.deps.now().getTime() + delayMs));
  }

  /** The file itself was refused by the import (bad layout, truncated): final, the import records why. */
  refused(id: bigint, error: string): Promise<void> {
    return this.deps.store.markRefused(id, error.slice(0, ERROR_LENGTH_MAX));
  }
}
