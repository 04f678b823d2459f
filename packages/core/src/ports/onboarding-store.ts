// Where merchants' onboarding is kept (issue 22). Every change is conditional on the onboarding version read, and
// written with its onboarding event, its operator audit row and (for status changes) its outbox message in one
// transaction; null answers mean the merchant is gone or the version moved (nothing written).

import type { CurrencyCode } from "../money/currency";
import type { BusinessDetails, MerchantStanding, OnboardingRecord } from "../onboarding/onboarding";
import type { OnboardingStatus } from "../onboarding/onboarding-state-machine";
import type { AuditDraft } from "./audit";

export interface OnboardingEventDraft {
  type: string;
  oldStatus: OnboardingStatus | null;
  newStatus: OnboardingStatus;
  source: "API" | "OPERATOR" | "SYSTEM";
  actor: string;
  rule: string | null;
  note: string | null;
  data: Record<string, string | number | boolean | null>;
}

export interface OnboardingDocumentDraft {
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  bytes: Uint8Array;
}

export interface OnboardingStore {
  find(merchantId: string): Promise<OnboardingRecord | null>;
  saveDetails(
    merchantId: string,
    fromVersion: number,
    details: BusinessDetails,
    event: OnboardingEventDraft,
    audit: AuditDraft,
  ): Promise<OnboardingRecord | null>;
  transition(
    merchantId: string,
    from: { version: number; status: OnboardingStatus },
    to: OnboardingStatus,
    event: OnboardingEventDraft,
    audit: AuditDraft,
    outbox: { topic: string; payload: Record<string, unknown> },
  ): Promise<OnboardingRecord | null>;
  /** Stores the files (stored_files, purpose "onboarding_document") and answers their ids, in order. */
  addDocuments(
    merchantId: string,
    documents: readonly OnboardingDocumentDraft[],
    event: OnboardingEventDraft,
    audit: AuditDraft,
  ): Promise<string[] | null>;
}

/** What payments and payouts ask before they proceed. */
export interface MerchantStandingReader {
  standingOf(merchantId: string): Promise<MerchantStanding | null>;
  /** The merchant's live payments in this currency that were not declined, failed or cancelled. */
  liveVolumeMinor(merchantId: string, currency: CurrencyCode): Promise<bigint>;
}
