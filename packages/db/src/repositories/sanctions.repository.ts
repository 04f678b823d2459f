// Sanctions screening's reads for the console and the CLI (issue 22): hits to review (open first), a hit with its
// screening, a merchant's screenings with the list versions they used, and the imported versions. Bounded pages.
import type { SanctionsHitRecord, SanctionsListVersionRecord } from "@paycore/core/ports/sanctions-store";
import type { Sql } from "../sql";
import { HIT_COLUMNS } from "./sanctions-store.repository";

export const SANCTIONS_PAGE_MAX = 200;

export interface ScreeningRow {
  id: string;
  subjectType: string;
  subjectId: string;
  name: string;
  listVersionIds: string[];
  threshold: string;
  bestScore: string | null;
  hits: number;
  reason: string;
  createdAt: Date;
}

export class SanctionsRepository {
  constructor(private readonly sql: Sql) {}

  /** Hits, open ones first (oldest first), then the decided ones newest first. */
  async hits(limit = 100): Promise<Array<SanctionsHitRecord & { merchantName: string }>> {
    return this.sql.query(
      `SELECT ${HIT_COLUMNS}, m.name AS "merchantName" FROM sanctions_hits h JOIN merchants m ON m.id = h.merchant_id
        ORDER BY (h.status = 'OPEN') DESC, CASE WHEN h.status = 'OPEN' THEN h.created_at END ASC,
                 h.decided_at DESC NULLS LAST, h.id LIMIT $1`,
      [Math.min(Math.max(limit, 1), SANCTIONS_PAGE_MAX)],
    );
  }

  async openCount(): Promise<number> {
    const [row] = await this.sql.query<{ count: bigint }>(
      `SELECT count(*)::bigint AS count FROM sanctions_hits WHERE status = 'OPEN'`,
    );
    return Number(row?.count ?? 0n);
  }

  async hit(id: string): Promise<
    | (SanctionsHitRecord & {
        merchantName: string;
        frozen: boolean;
        screeningId: string;
        listVersionIds: string[];
      })
    | null
  > {
    const [row] = await this.sql.query<
      SanctionsHitRecord & {
        merchantName: string;
        frozen: boolean;
        screeningId: string;
        listVersionIds: string[];
      }
    >(
      `SELECT ${HIT_COLUMNS}, m.name AS "merchantName", m.frozen_at IS NOT NULL AS frozen, s.id AS "screeningId",
              s.list_version_ids AS "listVersionIds"
         FROM sanctions_hits h JOIN merchants m ON m.id = h.merchant_id
         JOIN sanctions_screenings s ON s.id = h.screening_id WHERE h.id = $1`,
      [id],
    );
    return row ?? null;
  }

  async screeningsOf(merchantId: string, limit = 50): Promise<ScreeningRow[]> {
    return this.sql.query<ScreeningRow>(
      `SELECT id, subject_type AS "subjectType", subject_id AS "subjectId", name, list_version_ids AS "listVersionIds",
              threshold::text AS threshold, best_score::text AS "bestScore", hits, reason, created_at AS "createdAt"
         FROM sanctions_screenings WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [merchantId, Math.min(Math.max(limit, 1), SANCTIONS_PAGE_MAX)],
    );
  }

  async versions(limit = 20): Promise<SanctionsListVersionRecord[]> {
    return this.sql.query<SanctionsListVersionRecord>(
      `SELECT id, source, filename, sha256, entry_count AS "entryCount", name_count AS "nameCount",
              created_at AS "createdAt"
         FROM sanctions_list_versions ORDER BY created_at DESC, id DESC LIMIT $1`,
      [Math.min(Math.max(limit, 1), SANCTIONS_PAGE_MAX)],
    );
  }
}
