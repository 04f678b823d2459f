// Settlement reports the sandbox PSPs announce, each in its PSP's way (issue 16). Adyen-style: a signed
// REPORT_AVAILABLE notification whose pspReference is the file name and whose reason is the download URL, fetched
// with the report user's credentials (basic auth), as Adyen's report user does. Stripe-style: a report run
// (POST /v1/reporting/report_runs, or one the schedule starts) that succeeds a moment later and sends
// `reporting.report_run.succeeded`; its result file is downloaded from /v1/files/<id>/contents with the secret key.
// Reports are announced when a test (or an operator) asks (POST /__sandbox/reports/announce) or on the
// sandbox's schedule (`reportScheduleMs`, off by default): both announce the previous UTC day's report.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { PspName } from "./charge-ledger";
import { headerValue } from "./http-kit";
import { stripeId } from "./sandbox-ids";

/** Adyen's report user for the sandbox: basic auth on report downloads (its password is not a secret here). */
export const SANDBOX_REPORT_USER = "report@Company.PaycoreSandbox";
export const SANDBOX_REPORT_PASSWORD = "sandbox-report-password";

export interface ReportRun {
  readonly id: string;
  status: "pending" | "succeeded";
  /** UTC day (YYYY-MM-DD) the report covers. */
  readonly day: string;
  readonly created: number;
  fileId: string | null;
}

const RUNS_MAX = 10_000;
const DAY_MS = 86_400_000;

export class ReportAnnouncements {
  private readonly runs = new Map<string, ReportRun>();
  private readonly files = new Map<string, { psp: PspName; day: string }>();

  constructor(
    private readonly deps: {
      now: () => Date;
      /** Sends Adyen's REPORT_AVAILABLE for a file name and its download path (relative to the sandbox URL). */
      announceAdyen: (fileName: string, downloadPath: string) => void;
      /** Sends Stripe's reporting.report_run.succeeded for a run. */
      announceStripe: (run: ReportRun) => void;
      /** Runs later (a report run takes a moment). */
      later: (work: () => void) => void;
    },
  ) {}

  /** The previous UTC day on the sandbox's clock. */
  yesterday(): string {
    return new Date(Math.floor(this.deps.now().getTime() / DAY_MS) * DAY_MS - DAY_MS)
      .toISOString()
      .slice(0, 10);
  }

  /** Announces a day's report for one PSP; returns what was announced. */
  announce(psp: PspName, day: string): { psp: PspName; day: string; fileName?: string; reportRun?: string } {
    if (psp === "adyen") {
      const fileName = adyenReportFileName(day);
      this.deps.announceAdyen(fileName, adyenDownloadPath(fileName));
      return { psp, day, fileName };
    }
    const run = this.createRun(day);
    return { psp, day, reportRun: run.id };
  }

  /** A Stripe-style report run: pending now, succeeded (and announced) a moment later. */
  createRun(day: string): ReportRun {
    if (this.runs.size >= RUNS_MAX) {
      const oldest = this.runs.keys().next().value;
      if (oldest !== undefined) this.runs.delete(oldest);
    }
    const run: ReportRun = {
      id: stripeId("frr"),
      status: "pending",
      day,
      created: Math.floor(this.deps.now().getTime() / 1000),
      fileId: null,
    };
    this.runs.set(run.id, run);
    this.deps.later(() => {
      const fileId = `file_${run.id.slice(4)}`;
      this.files.set(fileId, { psp: "stripe", day });
      run.fileId = fileId;
      run.status = "succeeded";
      this.deps.announceStripe(run);
    });
    return run;
  }

  /** Runs created at or after `createdGte` (Unix seconds), newest first, at most `limit`. */
  recentRuns(limit: number, createdGte: number): ReportRun[] {
    return [...this.runs.values()]
      .filter((run) => run.created >= createdGte)
      .reverse()
      .slice(0, limit);
  }

  run(id: string): ReportRun | undefined {
    return this.runs.get(id);
  }

  /** The day of a Stripe result file, when it exists. */
  stripeFile(fileId: string): { day: string } | undefined {
    const file = this.files.get(fileId);
    return file?.psp === "stripe" ? { day: file.day } : undefined;
  }

  clear(): void {
    this.runs.clear();
    this.files.clear();
  }
}

export function adyenReportFileName(day: string): string {
  return `settlement_detail_report_${day}.csv`;
}

/** Where Adyen serves report files: /reports/download/MerchantAccount/<account>/<file> under its CA host. */
export function adyenDownloadPath(fileName: string): string {
  return `/adyen/reports/download/MerchantAccount/PaycoreSandboxECOM/${fileName}`;
}

/** Adyen's report downloads take the report user's basic auth and nothing else. */
export function adyenReportAuthorized(request: IncomingMessage): boolean {
  const header = headerValue(request, "authorization") ?? "";
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (match === null) return false;
  const given = Buffer.from(match[1]!, "base64");
  const expected = Buffer.from(`${SANDBOX_REPORT_USER}:${SANDBOX_REPORT_PASSWORD}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The report run object as Stripe's API and events carry it. */
export function reportRunJson(run: ReportRun, sandboxUrl: string): Record<string, unknown> {
  const dayStart = Math.floor(Date.parse(`${run.day}T00:00:00Z`) / 1000);
  return {
    id: run.id,
    object: "reporting.report_run",
    created: run.created,
    livemode: false,
    parameters: { interval_start: dayStart, interval_end: dayStart + 86_400 },
    report_type: "balance_change_from_activity.itemized.1",
    status: run.status,
    succeeded_at: run.status === "succeeded" ? run.created : null,
    result:
      run.fileId === null
        ? null
        : {
            id: run.fileId,
            object: "file",
            filename: `${run.fileId}.csv`,
            purpose: "finance_report_run",
            type: "csv",
            url: `${sandboxUrl}/v1/files/${run.fileId}/contents`,
          },
  };
}
