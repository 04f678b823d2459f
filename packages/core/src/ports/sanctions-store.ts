// Where sanctions lists, screenings and hits are kept (issue 22). An import is one transaction (the version and all
// its names); a screening is one transaction (its row and its new hits); a decision is one transaction (the hit's
// conditional update, its audit row and, for a confirmation, the merchant's freeze with its outbox message).
import type { SanctionsHitDecision, SanctionsHitStatus } from "../sanctions/sanctions-hit-state-machine";
import type { AuditDraft } from "./audit";

export type SanctionsSource = "OFAC_SDN" | "EU_CONSOLIDATED";
export type ScreeningSubject = "MERCHANT" | "LEGAL_NAME" | "REPRESENTATIVE" | "BANK_ACCOUNT_HOLDER";

export interface ListedNameDraft {
  entryRef: string;
  entryType: string;
  programs: string;
  name: string;
  normalized: string;
}

export interface SanctionsListVersionRecord {
  id: string;
  source: SanctionsSource;
  filename: string;
  sha256: string;
  entryCount: number;
  nameCount: number;
  createdAt: Date;
}

export interface SanctionsCandidate {
  nameId: bigint;
  listVersionId: string;
  source: SanctionsSource;
  entryRef: string;
  name: string;
  normalized: string;
}

export interface ScreeningSubjectRow {
  merchantId: string;
  subjectType: ScreeningSubject;
  subjectId: string;
  name: string;
}

export interface ScreeningDraft extends ScreeningSubjectRow {
  id: string;
  normalized: string;
  listVersionIds: string[];
  threshold: string;
  bestScore: string | null;
  reason: string;
  hits: Array<{ id: string; candidate: SanctionsCandidate; score: string }>;
}

export interface SanctionsHitRecord {
  id: string;
  merchantId: string;
  source: SanctionsSource;
  entryRef: string;
  subjectType: ScreeningSubject;
  subjectId: string;
  subjectName: string;
  listedName: string;
  score: string;
  status: SanctionsHitStatus;
  version: number;
  decidedBy: string | null;
  note: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

export interface SanctionsStore {
  /** Writes the version and its names (streamed in batches) in one transaction; throws (nothing kept) on error. */
  importVersion(
    version: Omit<SanctionsListVersionRecord, "createdAt" | "entryCount" | "nameCount"> & {
      importedBy: string;
    },
    batches: AsyncIterable<ListedNameDraft[]>,
    audit: AuditDraft,
  ): Promise<SanctionsListVersionRecord>;
  /** The newest version of each source. */
  currentVersions(): Promise<SanctionsListVersionRecord[]>;
  /** Names of the given versions whose normalised form is trigram-similar to `normalized`, best first. */
  candidates(
    normalized: string,
    listVersionIds: readonly string[],
    limit: number,
  ): Promise<SanctionsCandidate[]>;
  /** The names a merchant is screened under: its name, legal name, representative, bank account holders. */
  subjectsOf(merchantId: string): Promise<ScreeningSubjectRow[]>;
  /** Merchants with no screening against every one of the given versions yet (the worker's pass). */
  merchantsToScreen(listVersionIds: readonly string[], limit: number): Promise<string[]>;
  /** Records the screening and opens its hits (one per subject and listed party: an existing one is kept). */
  recordScreening(screening: ScreeningDraft): Promise<{ openedHits: number }>;
  findHit(id: string): Promise<SanctionsHitRecord | null>;
  decideHit(
    hit: SanctionsHitRecord,
    to: SanctionsHitStatus,
    decision: { decision: SanctionsHitDecision; decidedBy: string; note: string; freezeMerchant: boolean },
    audit: AuditDraft,
  ): Promise<SanctionsHitRecord | null>;
}
