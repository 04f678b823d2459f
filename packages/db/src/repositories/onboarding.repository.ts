// The onboarding's reads for the console (issue 22): the review queue, a merchant's onboarding events and its
// documents (descriptions with their SHA-256, never the content). Bounded pages; writes go through the core's
// OnboardingCommands.
import type { OnboardingStatus } from "@paycore/core/onboarding/onboarding-state-machine";
import type { Sql } from "../sql";

export interface OnboardingQueueRow {
  merchantId: string;
  name: string;
  status: OnboardingStatus;
  legalName: string | null;
  country: string | null;
  detailsSubmittedAt: Date | null;
  createdAt: Date;
}

export interface OnboardingEventRow {
  id: bigint;
  type: string;
  oldStatus: OnboardingStatus | null;
  newStatus: OnboardingStatus;
  source: string;
  actor: string;
  rule: string | null;
  note: string | null;
  createdAt: Date;
}

export interface OnboardingDocumentRow {
  id: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  createdAt: Date;
}

export const ONBOARDING_PAGE_MAX = 200;

export class OnboardingRepository {
  constructor(private readonly sql: Sql) {}

  /** Merchants waiting for a decision (pending or restricted), oldest first. */
  async queue(limit = 100): Promise<OnboardingQueueRow[]> {
    return this.sql.query<OnboardingQueueRow>(
      `SELECT id AS "merchantId", name, onboarding_status AS status, legal_name AS "legalName", country,
              details_submitted_at AS "detailsSubmittedAt", created_at AS "createdAt"
         FROM merchants WHERE onboarding_status IN ('PENDING_VERIFICATION', 'RESTRICTED')
        ORDER BY created_at, id LIMIT $1`,
      [Math.min(Math.max(limit, 1), ONBOARDING_PAGE_MAX)],
    );
  }

  /** How many merchants wait for a decision (the overview's needs-attention count). */
  async countAwaitingDecision(): Promise<number> {
    const [row] = await this.sql.query<{ count: bigint }>(
      `SELECT count(*)::bigint AS count FROM merchants WHERE onboarding_status IN ('PENDING_VERIFICATION', 'RESTRICTED')`,
    );
    return Number(row?.count ?? 0n);
  }

  async events(merchantId: string, limit = 100): Promise<OnboardingEventRow[]> {
    return this.sql.query<OnboardingEventRow>(
      `SELECT id, type, old_status AS "oldStatus", new_status AS "newStatus", source, actor, rule, note,
              created_at AS "createdAt"
         FROM merchant_onboarding_events WHERE merchant_id = $1 ORDER BY id DESC LIMIT $2`,
      [merchantId, Math.min(Math.max(limit, 1), ONBOARDING_PAGE_MAX)],
    );
  }

  async documents(merchantId: string): Promise<OnboardingDocumentRow[]> {
    return this.sql.query<OnboardingDocumentRow>(
      `SELECT id, filename, content_type AS "contentType", size_bytes AS "sizeBytes", sha256, created_at AS "createdAt"
         FROM stored_files WHERE merchant_id = $1 AND purpose = 'onboarding_document'
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [merchantId, ONBOARDING_PAGE_MAX],
    );
  }
}
