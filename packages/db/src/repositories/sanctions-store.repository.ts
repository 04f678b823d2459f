// Sanctions lists, screenings and hits (issue 22), on node-postgres. An import writes its version and every name in
// one transaction (multi-row inserts of a batch at a time); candidates are found with pg_trgm's % operator on the
// normalised names (a GIN index), bounded; a decision updates the hit conditionally on its version (the trigger
// checks the edge again) with its audit row and, for a confirmation, the merchant's freeze and outbox message.
import type { AuditDraft } from "@paycore/core/ports/audit";
import type {
  ListedNameDraft,
  SanctionsCandidate,
  SanctionsHitRecord,
  SanctionsListVersionRecord,
  SanctionsStore,
  ScreeningDraft,
  ScreeningSubjectRow,
} from "@paycore/core/ports/sanctions-store";
import type {
  SanctionsHitDecision,
  SanctionsHitStatus,
} from "@paycore/core/sanctions/sanctions-hit-state-machine";
import type { Sql } from "../sql";
import { insertOnboardingAudit } from "./onboarding-store.repository";

const VERSION_COLUMNS = `id, source, filename, sha256, entry_count AS "entryCount", name_count AS "nameCount",
  created_at AS "createdAt"`;

export const HIT_COLUMNS = `h.id, h.merchant_id AS "merchantId", h.source, h.entry_ref AS "entryRef",
  h.subject_type AS "subjectType", h.subject_id AS "subjectId", h.subject_name AS "subjectName",
  h.listed_name AS "listedName", h.score::text AS score, h.status, h.version, h.decided_by AS "decidedBy", h.note,
  h.decided_at AS "decidedAt", h.created_at AS "createdAt"`;

export class SanctionsStoreRepository implements SanctionsStore {
  constructor(private readonly sql: Sql) {}

  async importVersion(
    version: {
      id: string;
      source: SanctionsListVersionRecord["source"];
      filename: string;
      sha256: string;
      importedBy: string;
    },
    batches: AsyncIterable<ListedNameDraft[]>,
    audit: AuditDraft,
  ): Promise<SanctionsListVersionRecord> {
    return this.sql.transaction(async (tx) => {
      const entries = new Set<string>();
      let names = 0;
      for await (const batch of batches) {
        const values: unknown[] = [];
        const rows = batch.map((name, index) => {
          values.push(name.entryRef, name.entryType, name.programs, name.name, name.normalized);
          const at = index * 5;
          return `($1, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6})`;
        });
        for (const name of batch) entries.add(name.entryRef);
        names += batch.length;
        await tx.execute(
          `INSERT INTO sanctions_names (list_version_id, entry_ref, entry_type, programs, name, normalized)
           VALUES ${rows.join(", ")}`,
          [version.id, ...values],
        );
      }
      // The version row last, with its counts (the names' foreign key is checked at COMMIT).
      const [row] = await tx.query<SanctionsListVersionRecord>(
        `INSERT INTO sanctions_list_versions (id, source, filename, sha256, entry_count, name_count, imported_by)
         VALUES ($1, $2::"SanctionsSource", $3, $4, $5, $6, $7) RETURNING ${VERSION_COLUMNS}`,
        [
          version.id,
          version.source,
          version.filename,
          version.sha256,
          entries.size,
          names,
          version.importedBy,
        ],
      );
      await insertOnboardingAudit(tx, {
        ...audit,
        after: { ...audit.after, entryCount: entries.size, nameCount: names },
      });
      return row as SanctionsListVersionRecord;
    });
  }

  async currentVersions(): Promise<SanctionsListVersionRecord[]> {
    return this.sql.query<SanctionsListVersionRecord>(
      `SELECT DISTINCT ON (source) ${VERSION_COLUMNS}
         FROM sanctions_list_versions ORDER BY source, created_at DESC, id DESC`,
    );
  }

  async candidates(
    normalized: string,
    listVersionIds: readonly string[],
    limit: number,
  ): Promise<SanctionsCandidate[]> {
    return this.sql.query<SanctionsCandidate>(
      `SELECT n.id AS "nameId", n.list_version_id AS "listVersionId", v.source, n.entry_ref AS "entryRef", n.name,
              n.normalized
         FROM sanctions_names n JOIN sanctions_list_versions v ON v.id = n.list_version_id
        WHERE n.list_version_id = ANY($2::text[]) AND n.normalized % $1
        ORDER BY similarity(n.normalized, $1) DESC, n.id LIMIT $3`,
      [normalized, listVersionIds, Math.min(Math.max(limit, 1), 200)],
    );
  }

  async subjectsOf(merchantId: string): Promise<ScreeningSubjectRow[]> {
    return this.sql.query<ScreeningSubjectRow>(
      `SELECT m.id AS "merchantId", 'MERCHANT' AS "subjectType", m.id AS "subjectId", m.name FROM merchants m WHERE m.id = $1
       UNION ALL
       SELECT m.id, 'LEGAL_NAME', m.id, m.legal_name FROM merchants m WHERE m.id = $1 AND m.legal_name IS NOT NULL
       UNION ALL
       SELECT m.id, 'REPRESENTATIVE', m.id, m.representative_name FROM merchants m
        WHERE m.id = $1 AND m.representative_name IS NOT NULL
       UNION ALL
       SELECT b.merchant_id, 'BANK_ACCOUNT_HOLDER', b.id, b.holder_name FROM bank_accounts b WHERE b.merchant_id = $1`,
      [merchantId],
    );
  }

  async merchantsToScreen(listVersionIds: readonly string[], limit: number): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `SELECT m.id FROM merchants m
        WHERE NOT EXISTS (SELECT 1 FROM sanctions_screenings s
                           WHERE s.merchant_id = m.id AND s.subject_type = 'MERCHANT'
                             AND s.list_version_ids @> $1::text[])
        ORDER BY m.created_at, m.id LIMIT $2`,
      [listVersionIds, Math.min(Math.max(limit, 1), 500)],
    );
    return rows.map((row) => row.id);
  }

  async recordScreening(screening: ScreeningDraft): Promise<{ openedHits: number }> {
    return this.sql.transaction(async (tx) => {
      await tx.execute(
        `INSERT INTO sanctions_screenings (id, merchant_id, subject_type, subject_id, name, normalized, list_version_ids,
                                           threshold, best_score, hits, reason)
         VALUES ($1, $2, $3::"ScreeningSubject", $4, $5, $6, $7::text[], $8::numeric, $9::numeric, $10, $11)`,
        [
          screening.id,
          screening.merchantId,
          screening.subjectType,
          screening.subjectId,
          screening.name.slice(0, 500),
          screening.normalized.slice(0, 500),
          screening.listVersionIds,
          screening.threshold,
          screening.bestScore,
          screening.hits.length,
          screening.reason,
        ],
      );
      let opened = 0;
      for (const hit of screening.hits) {
        opened += await tx.execute(
          `INSERT INTO sanctions_hits (id, merchant_id, screening_id, sanctions_name_id, source, entry_ref, subject_type,
                                       subject_id, subject_name, listed_name, score)
           VALUES ($1, $2, $3, $4, $5::"SanctionsSource", $6, $7::"ScreeningSubject", $8, $9, $10, $11::numeric)
           ON CONFLICT (merchant_id, subject_type, subject_id, source, entry_ref) DO NOTHING`,
          [
            hit.id,
            screening.merchantId,
            screening.id,
            hit.candidate.nameId,
            hit.candidate.source,
            hit.candidate.entryRef,
            screening.subjectType,
            screening.subjectId,
            screening.name.slice(0, 500),
            hit.candidate.name,
            hit.score,
          ],
        );
      }
      return { openedHits: opened };
    });
  }

  async findHit(id: string): Promise<SanctionsHitRecord | null> {
    const [row] = await this.sql.query<SanctionsHitRecord>(
      `SELECT ${HIT_COLUMNS} FROM sanctions_hits h WHERE h.id = $1`,
      [id],
    );
    return row ?? null;
  }

  async decideHit(
    hit: SanctionsHitRecord,
    to: SanctionsHitStatus,
    decision: { decision: SanctionsHitDecision; decidedBy: string; note: string; freezeMerchant: boolean },
    audit: AuditDraft,
  ): Promise<SanctionsHitRecord | null> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<SanctionsHitRecord>(
        `UPDATE sanctions_hits h SET status = $3::"SanctionsHitStatus", version = version + 1, decided_by = $4, note = $5,
                decided_at = now()
          WHERE h.id = $1 AND h.version = $2 AND h.status = 'OPEN'
        RETURNING ${HIT_COLUMNS}`,
        [hit.id, hit.version, to, decision.decidedBy, decision.note],
      );
      if (!row) return null;
      await insertOnboardingAudit(tx, audit);
      if (decision.freezeMerchant) {
        await tx.execute(`UPDATE merchants SET frozen_at = now() WHERE id = $1 AND frozen_at IS NULL`, [
          hit.merchantId,
        ]);
        await tx.execute(
          `INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload)
           SELECT m.id, mode, 'account.updated', m.id,
                  jsonb_build_object('id', m.id, 'onboardingStatus', m.onboarding_status, 'frozen', true)
             FROM merchants m CROSS JOIN unnest(ARRAY['LIVE', 'TEST']::"Mode"[]) AS mode WHERE m.id = $1`,
          [hit.merchantId],
        );
      }
      return row;
    });
  }
}
