// The onboarding's writes (issue 22), on node-postgres: each change is one transaction holding the conditional
// update of the merchant (version and status read; the database's trigger checks the edge again), its
// merchant_onboarding_events row, its operator audit row and, for a status change, its outbox message. Also the
// standing reads payments and payouts ask before they proceed.

import { newId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type {
  BusinessDetails,
  MerchantStanding,
  OnboardingRecord,
} from "@paycore/core/onboarding/onboarding";
import type { OnboardingStatus } from "@paycore/core/onboarding/onboarding-state-machine";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type {
  MerchantStandingReader,
  OnboardingDocumentDraft,
  OnboardingEventDraft,
  OnboardingStore,
} from "@paycore/core/ports/onboarding-store";
import type { Sql, SqlTransaction } from "../sql";

interface OnboardingRow {
  merchantId: string;
  status: OnboardingStatus;
  version: number;
  legalName: string | null;
  country: string | null;
  registrationNumber: string | null;
  representativeName: string | null;
  representativeBirthDate: string | null;
  website: string | null;
  expectedMonthlyVolumeMinor: bigint | null;
  expectedVolumeCurrency: string | null;
  detailsSubmittedAt: Date | null;
  decidedAt: Date | null;
}

const COLUMNS = `
  m.id AS "merchantId", m.onboarding_status AS status, m.onboarding_version AS version,
  m.legal_name AS "legalName", m.country, m.registration_number AS "registrationNumber",
  m.representative_name AS "representativeName",
  to_char(m.representative_birth_date, 'YYYY-MM-DD') AS "representativeBirthDate",
  m.website, m.expected_monthly_volume_minor AS "expectedMonthlyVolumeMinor",
  m.expected_volume_currency AS "expectedVolumeCurrency", m.details_submitted_at AS "detailsSubmittedAt",
  m.onboarding_decided_at AS "decidedAt"`;

export function toOnboardingRecord(row: OnboardingRow): OnboardingRecord {
  const complete =
    row.legalName !== null &&
    row.country !== null &&
    row.registrationNumber !== null &&
    row.representativeName !== null &&
    row.representativeBirthDate !== null &&
    row.website !== null &&
    row.expectedMonthlyVolumeMinor !== null &&
    row.expectedVolumeCurrency !== null;
  return {
    merchantId: row.merchantId,
    status: row.status,
    version: row.version,
    details: complete
      ? {
          legalName: row.legalName as string,
          country: row.country as string,
          registrationNumber: row.registrationNumber as string,
          representativeName: row.representativeName as string,
          representativeBirthDate: row.representativeBirthDate as string,
          website: row.website as string,
          expectedMonthlyVolume: {
            amountMinor: row.expectedMonthlyVolumeMinor as bigint,
            currency: row.expectedVolumeCurrency as CurrencyCode,
          },
        }
      : null,
    detailsSubmittedAt: row.detailsSubmittedAt,
    decidedAt: row.decidedAt,
  };
}

const INSERT_EVENT = `
INSERT INTO merchant_onboarding_events (merchant_id, type, old_status, new_status, source, actor, rule, note, data)
VALUES ($1, $2, $3::"OnboardingStatus", $4::"OnboardingStatus", $5::"EventSource", $6, $7, $8, $9::jsonb)`;

const INSERT_AUDIT = `
INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
VALUES ($1, $2, 'merchant', $3, $4::jsonb, $5::jsonb)`;

async function insertEvent(
  tx: SqlTransaction,
  merchantId: string,
  event: OnboardingEventDraft,
): Promise<void> {
  await tx.execute(INSERT_EVENT, [
    merchantId,
    event.type,
    event.oldStatus,
    event.newStatus,
    event.source,
    event.actor,
    event.rule,
    event.note,
    JSON.stringify(event.data),
  ]);
}

export async function insertOnboardingAudit(tx: SqlTransaction, audit: AuditDraft): Promise<void> {
  await tx.execute(INSERT_AUDIT, [
    audit.actor.operatorId,
    audit.action,
    audit.targetId,
    audit.before === null ? null : JSON.stringify(audit.before),
    JSON.stringify({ ...audit.after, actor: audit.actor.name }),
  ]);
}

/** A merchant's live total in one currency ($1, $2): what an unverified merchant's live limit bounds. */
export const LIVE_VOLUME_SQL = `SELECT COALESCE(sum(amount_minor), 0)::text AS total FROM payments
  WHERE merchant_id = $1 AND mode = 'LIVE' AND currency = $2 AND status NOT IN ('DECLINED', 'FAILED', 'CANCELLED')`;

export class OnboardingStoreRepository implements OnboardingStore, MerchantStandingReader {
  constructor(private readonly sql: Sql) {}

  async find(merchantId: string): Promise<OnboardingRecord | null> {
    const [row] = await this.sql.query<OnboardingRow>(`SELECT ${COLUMNS} FROM merchants m WHERE m.id = $1`, [
      merchantId,
    ]);
    return row ? toOnboardingRecord(row) : null;
  }

  async saveDetails(
    merchantId: string,
    fromVersion: number,
    details: BusinessDetails,
    event: OnboardingEventDraft,
    audit: AuditDraft,
  ): Promise<OnboardingRecord | null> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<OnboardingRow>(
        `UPDATE merchants m SET legal_name = $3, country = $4, registration_number = $5, representative_name = $6,
                representative_birth_date = $7::date, website = $8, expected_monthly_volume_minor = $9,
                expected_volume_currency = $10, details_submitted_at = now(), onboarding_version = onboarding_version + 1
          WHERE m.id = $1 AND m.onboarding_version = $2
        RETURNING ${COLUMNS}`,
        [
          merchantId,
          fromVersion,
          details.legalName,
          details.country,
          details.registrationNumber,
          details.representativeName,
          details.representativeBirthDate,
          details.website,
          details.expectedMonthlyVolume.amountMinor,
          details.expectedMonthlyVolume.currency,
        ],
      );
      if (!row) return null;
      await insertEvent(tx, merchantId, event);
      await insertOnboardingAudit(tx, audit);
      return toOnboardingRecord(row);
    });
  }

  async transition(
    merchantId: string,
    from: { version: number; status: OnboardingStatus },
    to: OnboardingStatus,
    event: OnboardingEventDraft,
    audit: AuditDraft,
    outbox: { topic: string; payload: Record<string, unknown> },
  ): Promise<OnboardingRecord | null> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<OnboardingRow>(
        `UPDATE merchants m SET onboarding_status = $4::"OnboardingStatus", onboarding_version = onboarding_version + 1,
                onboarding_decided_at = now()
          WHERE m.id = $1 AND m.onboarding_version = $2 AND m.onboarding_status = $3::"OnboardingStatus"
        RETURNING ${COLUMNS}`,
        [merchantId, from.version, from.status, to],
      );
      if (!row) return null;
      await insertEvent(tx, merchantId, event);
      await insertOnboardingAudit(tx, audit);
      // One message per mode: the account is the merchant's in both, and each mode's webhook endpoints and
      // events feed see its account.updated (a test-mode receiver on the developer's machine included).
      await tx.execute(
        `INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload)
         SELECT $1, mode, $2, $1, $3::jsonb FROM unnest(ARRAY['LIVE', 'TEST']::"Mode"[]) AS mode`,
        [merchantId, outbox.topic, JSON.stringify(outbox.payload)],
      );
      return toOnboardingRecord(row);
    });
  }

  async addDocuments(
    merchantId: string,
    documents: readonly OnboardingDocumentDraft[],
    event: OnboardingEventDraft,
    audit: AuditDraft,
  ): Promise<string[] | null> {
    return this.sql.transaction(async (tx) => {
      const [merchant] = await tx.query<{ id: string }>(`SELECT id FROM merchants WHERE id = $1 FOR SHARE`, [
        merchantId,
      ]);
      if (!merchant) return null;
      const ids: string[] = [];
      for (const document of documents) {
        const id = newId("storedFile");
        await tx.execute(
          `INSERT INTO stored_files (id, merchant_id, purpose, filename, content_type, size_bytes, sha256, content)
           VALUES ($1, $2, 'onboarding_document', $3, $4, $5, $6, $7)`,
          [
            id,
            merchantId,
            document.filename,
            document.contentType,
            document.sizeBytes,
            document.sha256,
            Buffer.from(document.bytes),
          ],
        );
        ids.push(id);
      }
      await insertEvent(tx, merchantId, { ...event, data: { ...event.data, fileIds: ids.join(" ") } });
      await insertOnboardingAudit(tx, { ...audit, after: { ...audit.after, fileIds: ids.join(" ") } });
      return ids;
    });
  }

  async standingOf(merchantId: string): Promise<MerchantStanding | null> {
    const [row] = await this.sql.query<{ status: OnboardingStatus; frozen: boolean; reviewOpen: boolean }>(
      `SELECT m.onboarding_status AS status, m.frozen_at IS NOT NULL AS frozen,
              EXISTS (SELECT 1 FROM sanctions_hits h WHERE h.merchant_id = m.id AND h.status = 'OPEN') AS "reviewOpen"
         FROM merchants m WHERE m.id = $1`,
      [merchantId],
    );
    return row
      ? { onboardingStatus: row.status, frozen: row.frozen, sanctionsReviewOpen: row.reviewOpen }
      : null;
  }

  async liveVolumeMinor(merchantId: string, currency: CurrencyCode): Promise<bigint> {
    const [row] = await this.sql.query<{ total: string }>(LIVE_VOLUME_SQL, [merchantId, currency]);
    return BigInt(row?.total ?? "0");
  }
}
