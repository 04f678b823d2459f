// What the reconciliation commands need from storage. One import runs in one transaction (applyImport): lines
// are matched chunk by chunk against candidates fetched for the whole chunk, and the items,
// postings and the import's record commit together, or, when the file is refused, nothing but the refusal.
import type { CurrencyCode } from "../money/currency";
import type { ExpectedSettlement, ReconCategory } from "../reconciliation/matching";
import type { SettlementLine, SettlementPsp } from "../reconciliation/settlement-line";
import type { SettlementEntryDraft } from "../reconciliation/settlement-posting";
import type { AuditDraft } from "./audit";

export type ReconItemStatus = "OPEN" | "RESOLVED" | "IGNORED" | "CLOSED";

export interface CurrencyTotal {
  currency: CurrencyCode;
  grossMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
}

export interface ReconImportDraft {
  id: string;
  psp: SettlementPsp;
  fileName: string;
  fileSha256: string;
  importedBy: string;
}

export interface ReconImportRecord extends ReconImportDraft {
  status: "APPLIED" | "REFUSED";
  refusedLine: number | null;
  refusedReason: string | null;
  lineCount: number;
  batches: string[];
  categoryCounts: Partial<Record<ReconCategory, number>>;
  totals: CurrencyTotal[];
  createdAt: Date;
}

/** A settlement posting for one merchant and mode; bank cash goes to the PSP account's own account. */
export interface SettlementPostingDraft {
  journalEntryId: string;
  merchantId: string;
  mode: "TEST" | "LIVE";
  bankCashCode: string;
  entry: SettlementEntryDraft;
}

export interface ReconItemDraft {
  id: string;
  line: SettlementLine | null;
  expected: ExpectedSettlement | null;
  category: ReconCategory;
  status: ReconItemStatus;
  rule: string;
  differenceMinor: bigint;
  journalEntryId: string | null;
}

/** Expected items carry their merchant's mode for the postings. */
export type ExpectedWithMode = ExpectedSettlement & { mode: "TEST" | "LIVE" };

/**
 * One import's transaction. The command overlaps calls (it matches one chunk while the previous chunk's record is
 * still being written, and reads its candidates meanwhile): an implementation runs the calls in
 * the order they are made, or at least never lets one of them fail for another still running.
 */
export interface ReconImportSession {
  /**
   * Serializes imports of the same file (PSP and SHA-256) until this transaction ends, then answers the import
   * that applied it meanwhile, if one did: the second of two concurrent imports is a replay, never a failure.
   */
  claimFile(psp: SettlementPsp, fileSha256: string): Promise<ReconImportRecord | null>;
  /** Captures and refunds the chunk's references name, not yet settled by any recorded line. */
  expectedFor(lines: readonly SettlementLine[]): Promise<ExpectedWithMode[]>;
  /** The chunk's line keys already recorded (earlier imports, earlier chunks). */
  seenLineKeys(lines: readonly SettlementLine[]): Promise<Set<string>>;
  /** Lines of this import per merchant and mode that a fee row of (batch, account, currency) charges. */
  feeRowMerchants(
    line: SettlementLine,
  ): Promise<Array<{ merchantId: string; mode: "TEST" | "LIVE"; lineCount: number }>>;
  /**
   * Records the items and their postings, and moves the unreleased pending releases of `releaseMoves`' payments'
   * captures (the capture's entry and a conversion's settlement leg) to the settlement report's available time,
   * earlier or later; a release already posted is left as it is (never posted twice). Returns how many releases
   * moved.
   */
  record(
    items: readonly ReconItemDraft[],
    postings: readonly SettlementPostingDraft[],
    releaseMoves: ReadonlyArray<{ paymentId: string; availableOn: Date }>,
  ): Promise<number>;
  /**
   * Captures and refunds of this PSP that no line has settled although reports up to `coveredUntil` have come in
   * and their settlement delay plus grace has passed: recorded as MISSING_EXTERNAL items (once). Returns how many.
   */
  recordMissingExternal(psp: SettlementPsp, coveredUntil: Date, delayPlusGraceMs: number): Promise<number>;
  finish(record: ReconImportRecord, audit: AuditDraft): Promise<void>;
}

/** A settled line whose capture or refund we still show in flight: to confirm through the payment commands. */
export interface InFlightSettlement {
  itemId: string;
  psp: SettlementPsp;
  kind: "CAPTURE" | "REFUND";
  paymentPspReference: string;
  modificationReference: string | null;
  /** Our attempt's id, which the payment commands match exactly. */
  attemptId: string | null;
}

/** A chargeback row waiting for its dispute (rule `chargeback.to_dispute`). */
export interface ChargebackToApply {
  itemId: string;
  psp: SettlementPsp;
  rawType: string;
  pspReference: string | null;
  modificationReference: string | null;
  currency: string;
  grossMinor: bigint;
}

export interface ReconciliationStore {
  /** Open chargeback rows not applied to their disputes yet, oldest first. */
  chargebacksToApply(limit: number): Promise<ChargebackToApply[]>;
  /** Posts the row (bank against the receivable), names the dispute's payment and closes the item, audited. */
  closeChargeback(
    itemId: string,
    dispute: { id: string; paymentId: string; merchantId: string; mode: "TEST" | "LIVE" },
    audit: AuditDraft,
  ): Promise<boolean>;
  /** The dispute model did not take the row: the item stays open for an operator, in `category`, with the reason. */
  leaveChargebackOpen(
    itemId: string,
    category: ReconCategory,
    reason: string,
    audit: AuditDraft,
  ): Promise<void>;
  /** Open items of rule `settled.confirms_in_flight`, oldest first. */
  inFlightToConfirm(limit: number): Promise<InFlightSettlement[]>;
  /**
   * Once our record shows the capture or refund succeeded: posts the line (bank, fees, receivable) and closes the
   * item with its audit row, in one transaction. False while we still show it in flight (or it failed).
   */
  closeConfirmed(itemId: string, audit: AuditDraft): Promise<boolean>;
  findAppliedImport(psp: SettlementPsp, fileSha256: string): Promise<ReconImportRecord | null>;
  recordRefusal(record: ReconImportRecord, audit: AuditDraft): Promise<void>;
  applyImport<T>(importId: string, work: (session: ReconImportSession) => Promise<T>): Promise<T>;
}
