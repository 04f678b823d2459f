// Where disputes are kept. A change is written whole or not at all, in one transaction: the dispute (inserted, or
// updated only if its version is still the one the change was decided on), its audit event, its outbox messages,
// its journal entries, the payment's disputed amount, and an operator's audit row when an operator made it.
import type { DisputeRecord } from "../disputes/dispute";
import type { EvidenceFileDraft, EvidenceFileKind, EvidenceTexts } from "../disputes/dispute-evidence";
import type { DisputeStatus } from "../disputes/dispute-state-machine";
import type { FxConversionDraft } from "../fx/fx-postings";
import type { JournalEntryDraft } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import type { AuditDraft } from "./audit";

/** What a dispute needs of its payment. */
export interface DisputedPayment {
  id: string;
  merchantId: string;
  mode: "TEST" | "LIVE";
  currency: CurrencyCode;
  amountCapturedMinor: bigint;
  pspName: string | null;
}

export interface DisputeEventDraft {
  type: string;
  oldStatus: DisputeStatus | null;
  newStatus: DisputeStatus;
  source: "WEBHOOK" | "API" | "OPERATOR" | "SYSTEM";
  /** A PSP name, an API key id or an operator's name. */
  actor: string;
  data: Record<string, string | number | boolean | null>;
}

export interface DisputeChange {
  dispute: DisputeRecord;
  /** null: a new dispute (insert); otherwise the version the change was decided on. */
  expectedVersion: number | null;
  event: DisputeEventDraft;
  outbox: Array<{
    topic: "dispute.created" | "dispute.updated" | "dispute.closed";
    payload: Record<string, unknown>;
  }>;
  journal: JournalEntryDraft[];
  /**
   * A converted payment's dispute (multiple currencies, issue 18): instead of `journal`, the payment-currency leg,
   * and the conversion record whose settlementEntry is the settlement-currency leg, written together.
   */
  conversion?: { sourceEntry: JournalEntryDraft; draft: FxConversionDraft };
  /** How the payment's amountDisputed changes (may be negative, e.g. on a win). */
  disputedDeltaMinor: bigint;
  /** Set when an operator made the change. */
  operatorAudit: AuditDraft | null;
  /** Evidence stored with the change (its files in the file store), under its idempotency key. */
  evidence?: EvidenceDraft;
}

export interface EvidenceDraft {
  idempotencyKey: string;
  texts: EvidenceTexts;
  files: EvidenceFileDraft[];
  submittedBy: string;
}

/** Evidence as stored: its files by id, without their content. */
export interface StoredEvidence {
  id: bigint;
  idempotencyKey: string;
  texts: EvidenceTexts;
  files: Array<{
    id: string;
    filename: string;
    kind: EvidenceFileKind;
    contentType: string;
    sizeBytes: number;
    sha256: string;
  }>;
  submittedBy: string;
  createdAt: Date;
}

export type EvidenceForwardStatus = "PENDING" | "UNKNOWN" | "DELIVERED" | "REJECTED";

/** Evidence claimed for one forwarding try (a lease: no other process sends it meanwhile). */
export interface EvidenceForwardClaim {
  evidenceId: bigint;
  /** The key the PSP is called with on every try. */
  pspKey: string;
  /** Tries so far, this one included. */
  attempts: number;
  dispute: DisputeRecord;
  /** The payment's reference at the dispute's PSP. */
  paymentPspReference: string;
  texts: EvidenceTexts;
  files: Array<{ filename: string; kind: EvidenceFileKind; contentType: string; bytes: Uint8Array }>;
}

export interface DisputeStore {
  findById(id: string): Promise<DisputeRecord | null>;
  findByPspReference(pspName: string, pspReference: string): Promise<DisputeRecord | null>;
  findPaymentByPspReference(pspName: string, pspReference: string): Promise<DisputedPayment | null>;
  /**
   * The payment (and its authorization and capture attempts) a dispute may be about although no payment carries
   * its PSP reference: an attempt at this PSP with that reference, or our payment id as the PSP echoed it. Null:
   * none.
   */
  findAttemptsForDispute(
    pspName: string,
    paymentPspReference: string,
    paymentId: string | null,
  ): Promise<{
    paymentId: string;
    /** The PSP the payment went through in the end (null while undecided). */
    paymentPspName: string | null;
    attempts: Array<{ id: string; pspName: string; status: string; pspReference: string | null }>;
  } | null>;
  /**
   * Whether an authorization of ours at this PSP (in this mode; null: any) created since `since` is still PENDING
   * with no PSP reference recorded: a call whose answer has not arrived yet.
   */
  hasUnreferencedAuthorizationInFlight(
    pspName: string,
    mode: "TEST" | "LIVE" | null,
    since: Date,
  ): Promise<boolean>;
  /** The merchant's dispute fee in this currency, or null for the default. */
  disputeFeeMinor(merchantId: string, currency: CurrencyCode): Promise<bigint | null>;
  findEvidence(disputeId: string, idempotencyKey: string): Promise<StoredEvidence | null>;
  /** "conflict": the dispute changed since (or was created meanwhile): nothing was written. */
  write(change: DisputeChange): Promise<"written" | "conflict">;
  /**
   * Claims evidence still to forward (PENDING or UNKNOWN, no live lease) until `leaseUntil`, counting the try;
   * null when it is not to forward (sent already, or another process holds it).
   */
  claimEvidenceForwarding(evidenceId: bigint, leaseUntil: Date): Promise<EvidenceForwardClaim | null>;
  /**
   * Records a try's outcome under its claim (only from PENDING or UNKNOWN), with the dispute's audit event, in
   * one transaction; false when it was recorded already.
   */
  recordEvidenceForwarding(record: {
    evidenceId: bigint;
    status: Exclude<EvidenceForwardStatus, "PENDING">;
    error: string | null;
    dispute: DisputeRecord;
    event: DisputeEventDraft;
  }): Promise<boolean>;
  /** Evidence still to forward whose lease (if any) has run out, oldest first, at most `limit`. */
  evidenceToForward(limit: number): Promise<bigint[]>;
}
