// Announced settlement reports, write side: the queue behind the core's AnnouncedReportCommands. The unique
// (psp, file_name) makes a repeated announcement a no-op; claims, outcomes and retries are conditional updates
// on QUEUED rows (the table's trigger keeps IMPORTED and REFUSED final). A download without report credentials is
// parked (AWAITING_CREDENTIALS, its claim's try given back) until credentials for its origin appear.
import type {
  AnnouncedReportStore,
  QueuedReport,
  ReportAnnouncement,
} from "@paycore/core/reconciliation/announced-reports";
import { REPORT_DOWNLOAD_ATTEMPTS_MAX } from "@paycore/core/reconciliation/announced-reports";
import type { SettlementPsp } from "@paycore/core/reconciliation/settlement-line";
import type { Sql } from "../sql";

export class AnnouncedReportStoreRepository implements AnnouncedReportStore {
  constructor(private readonly sql: Sql) {}

  async enqueue(announcement: ReportAnnouncement): Promise<"queued" | "duplicate"> {
    const rows = await this.sql.query<{ id: string }>(
      `INSERT INTO psp_report_downloads (psp, file_name, url) VALUES ($1, $2, $3)
       ON CONFLICT (psp, file_name) DO NOTHING RETURNING id`,
      [announcement.psp, announcement.fileName, announcement.url],
    );
    return rows.length === 1 ? "queued" : "duplicate";
  }

  async claimDue(limit: number, now: Date, retryAt: Date): Promise<QueuedReport[]> {
    const rows = await this.sql.query<{
      id: string;
      psp: SettlementPsp;
      file_name: string;
      url: string;
      attempts: number;
    }>(
      `UPDATE psp_report_downloads SET attempts = attempts + 1, next_attempt_at = $3
        WHERE id IN (SELECT id FROM psp_report_downloads
                      WHERE status = 'QUEUED' AND next_attempt_at <= $2 AND attempts < $4
                      ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, psp, file_name, url, attempts`,
      [limit, now, retryAt, REPORT_DOWNLOAD_ATTEMPTS_MAX],
    );
    return rows.map((row) => ({
      id: BigInt(row.id),
      psp: row.psp,
      fileName: row.file_name,
      url: row.url,
      attempts: row.attempts,
    }));
  }

  async markImported(id: bigint, importId: string): Promise<void> {
    await this.sql.query(
      `UPDATE psp_report_downloads SET status = 'IMPORTED', import_id = $2, completed_at = now(), last_error = NULL
        WHERE id = $1 AND status = 'QUEUED'`,
      [id.toString(), importId],
    );
  }

  async markRetry(id: bigint, error: string, nextAttemptAt: Date): Promise<void> {
    await this.sql.query(
      `UPDATE psp_report_downloads SET last_error = $2, next_attempt_at = $3 WHERE id = $1 AND status = 'QUEUED'`,
      [id.toString(), error, nextAttemptAt],
    );
  }

  async markRefused(id: bigint, error: string): Promise<void> {
    await this.sql.query(
      `UPDATE psp_report_downloads SET status = 'REFUSED', last_error = $2, completed_at = now()
        WHERE id = $1 AND status = 'QUEUED'`,
      [id.toString(), error],
    );
  }

  async markAwaitingCredentials(id: bigint, error: string): Promise<void> {
    await this.sql.query(
      `UPDATE psp_report_downloads
          SET status = 'AWAITING_CREDENTIALS', attempts = greatest(attempts - 1, 0), last_error = $2
        WHERE id = $1 AND status = 'QUEUED'`,
      [id.toString(), error],
    );
  }

  async resumeAwaitingCredentials(
    psp: SettlementPsp,
    origin: string,
    noAccountError: string,
    now: Date,
    limit: number,
  ): Promise<number> {
    // The URL's origin is compared as a prefix up to its first path slash (no LIKE: an origin may hold '_').
    const rows = await this.sql.query<{ id: string }>(
      `UPDATE psp_report_downloads SET status = 'QUEUED', next_attempt_at = $3
        WHERE id IN (SELECT id FROM psp_report_downloads
                      WHERE status = 'AWAITING_CREDENTIALS' AND psp = $1
                        AND (left(url, length($2) + 1) = $2 || '/' OR last_error = $5)
                      ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [psp, origin, now, limit, noAccountError],
    );
    return rows.length;
  }
}
