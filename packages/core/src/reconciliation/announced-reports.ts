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
  /**
   * Parks a claimed download (QUEUED → AWAITING_CREDENTIALS) and gives back the try its claim counted: a download
   * that cannot be attempted without credentials uses none of its tries while it waits.
   */
  markAwaitingCredentials(id: bigint, error: string): Promise<void>;
  /**
   * Puts this PSP's parked downloads from `origin`, and those parked with exactly `noAccountError` (parked while
   * the PSP had no account at all, so their origin was never placed), back in the queue, due at `now`
   * (AWAITING_CREDENTIALS → QUEUED), at most `limit`; answers how many.
   */
  resumeAwaitingCredentials(
    psp: SettlementPsp,
    origin: string,
    noAccountError: string,
    now: Date,
    limit: number,
  ): Promise<number>;
}

/**
 * How a download waiting for report credentials is marked (its last error starts with it). Such a download is
 * parked (status AWAITING_CREDENTIALS, none of its tries used) and counted by the needs-attention item "settlement
 * reports parked until report credentials are set"; once the account's report credentials are set, the download
 * worker's next pass puts it back in the queue and downloads it.
 */
export const REPORT_CREDENTIALS_MISSING = "no report credentials configured";

/** The error a download is parked with while its PSP has no account at all to fetch it with. */
export function noAccountError(psp: SettlementPsp): string {
  return `${REPORT_CREDENTIALS_MISSING}: no ${psp} account`;
}

const FILE_NAME = /^[\w.-]{1,255}$/;
const URL_LENGTH_MAX = 2_000;
const ERROR_LENGTH_MAX = 500;
/** After this many tries a download is refused for good (an operator imports the file by hand). */
export const REPORT_DOWNLOAD_ATTEMPTS_MAX = 12;
const RETRY_BASE_MS = 60_000;
/** Parked downloads put back in the queue per PSP origin and pass (the rest follow on the next passes). */
export const REPORT_DOWNLOADS_RESUMED_MAX = 1_000;
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
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new DomainError("INVALID_INPUT", "The report's URL is not a URL.", { field: ["url"] });
  }
  if (url.href.length > URL_LENGTH_MAX)
    throw new DomainError("INVALID_INPUT", "The report's URL is longer than 2,000 characters.", {
      field: ["url"],
    });
  // Stored as the WHATWG form (host in lower case, default port dropped), so its origin is a plain prefix.
  return { psp: input.psp, fileName: input.fileName, url: url.href };
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

  /**
   * The download cannot be attempted: no report credentials for the account it comes from. Parked, not failed:
   * it keeps all its tries and waits for `credentialsAvailable`.
   */
  awaitCredentials(report: QueuedReport, error: string): Promise<void> {
    invariant(
      error.startsWith(REPORT_CREDENTIALS_MISSING),
      "a parked download names the missing credentials",
    );
    return this.deps.store.markAwaitingCredentials(report.id, error.slice(0, ERROR_LENGTH_MAX));
  }

  /**
   * Report credentials are configured for this PSP's `origin`: its parked downloads are due now, and so are those
   * parked while the PSP had no account at all (the next try fetches them, or refuses a URL off every account's
   * report host). Answers how many were put back (bounded per call).
   */
  credentialsAvailable(psp: SettlementPsp, origin: string): Promise<number> {
    const parsed = new URL(origin);
    invariant(parsed.origin === origin, "a report origin is scheme, host and port only");
    return this.deps.store.resumeAwaitingCredentials(
      psp,
      origin,
      noAccountError(psp),
      this.deps.now(),
      REPORT_DOWNLOADS_RESUMED_MAX,
    );
  }

  /** The file itself was refused by the import (bad layout, truncated): final, the import records why. */
  refused(id: bigint, error: string): Promise<void> {
    return this.deps.store.markRefused(id, error.slice(0, ERROR_LENGTH_MAX));
  }
}
