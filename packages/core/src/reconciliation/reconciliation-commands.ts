// The one write path of reconciliation: importing a PSP's settlement report. The file's rows arrive one by one
// (the adapter streams and parses it) and are read into lines, chunk by chunk in file order; the pure matcher
// classifies each chunk's lines, the rules decide what happens automatically, and the items and their balanced
// postings are recorded with the import in one transaction, while the next chunks are read. A bad row refuses
// the whole file: the transaction is rolled back and only the refusal is recorded. The same file applies once.

import type { DisputeCommands } from "../disputes/dispute-commands";
import { DomainError } from "../errors/domain-error";
import { newId } from "../ids/ids";
import type { PaymentCommands } from "../payments/payment-commands";
import type { Actor, AuditValue } from "../ports/audit";
import type {
  CurrencyTotal,
  ExpectedWithMode,
  ReconciliationStore,
  ReconImportDraft,
  ReconImportRecord,
  ReconImportSession,
  ReconItemDraft,
  SettlementPostingDraft,
} from "../ports/reconciliation-store";
import { chargebackNotification } from "./chargeback-rows";
import {
  autoResolution,
  DEFAULT_PSP_FEE_SCHEDULES,
  type FeeSchedules,
  matchSettlementLines,
  type ReconCategory,
} from "./matching";
import { ReportChunks, type ReportRow } from "./report-chunks";
import {
  type SettlementLine,
  type SettlementPsp,
  SettlementReportError,
  settlementAvailableOn,
} from "./settlement-line";
import {
  allocateFee,
  bankCashCode,
  combineSettlementEntries,
  SETTLED_LINES_PER_ENTRY_MAX,
  type SettlementEntryDraft,
  settlementPosting,
} from "./settlement-posting";

/** An import chunk's settled lines posted together in one entry. */
interface SettledGroup {
  journalEntryId: string;
  merchantId: string;
  mode: "TEST" | "LIVE";
  bankCashCode: string;
  entries: SettlementEntryDraft[];
  items: ReconItemDraft[];
}

export type { ReportRow } from "./report-chunks";

export interface ReconciliationSettings {
  feeSchedules: FeeSchedules;
  /** Amount differences up to this many minor units are accepted automatically with an adjustment. */
  toleranceMinor: Readonly<Record<SettlementPsp, bigint>>;
  /** How long after a capture or refund the PSP settles it. */
  settlementDelayMs: Readonly<Record<SettlementPsp, number>>;
  /** Added to the delay before an unsettled item is MISSING_EXTERNAL rather than merely expected. */
  graceMs: number;
  /** Lines matched per chunk (default MATCH_CHUNK); tests set a small one to cross chunk boundaries. */
  chunkLines?: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_RECONCILIATION_SETTINGS: ReconciliationSettings = {
  feeSchedules: DEFAULT_PSP_FEE_SCHEDULES,
  toleranceMinor: { adyen: 0n, stripe: 0n },
  settlementDelayMs: { adyen: DAY_MS, stripe: 2 * DAY_MS },
  graceMs: DAY_MS,
};

/** Bounds: a report of a busy PSP account is large, but not unbounded. */
export const REPORT_LINES_MAX = 5_000_000;
export const FILE_NAME_LENGTH_MAX = 255;
/** Lines per matching chunk (5,000 raised the peak RSS at 100,000 lines from 209 to 305 MB). */
const MATCH_CHUNK = 2_000;
/** Chunks read from the file ahead of the one being matched, at most. */
const CHUNKS_AHEAD_MAX = 2;
/** Fee-only rows are one per account, currency and day: a handful per file. */
const FEE_ROWS_MAX = 10_000;
/** Confirmations made after one import (or one worker pass); the rest wait for the next. */
export const CONFIRMATIONS_PER_PASS_MAX = 500;
const RECONCILIATION_ACTOR: Actor = { operatorId: null, name: "system:reconciliation" };

/**
 * The promise, its rejection marked as handled: it is awaited later (or waited for when something else fails
 * first), so an error meanwhile must not count as an unhandled rejection.
 */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

export interface ImportReportInput {
  psp: SettlementPsp;
  fileName: string;
  fileSha256: string;
  rows: AsyncIterable<ReportRow>;
}

export interface ImportReportResult {
  import: ReconImportRecord;
  /** True when the same file had been applied before: nothing was done again. */
  replayed: boolean;
}

export class ReconciliationCommands {
  constructor(
    private readonly deps: {
      store: ReconciliationStore;
      now: () => Date;
      settings?: ReconciliationSettings;
      /**
       * Confirms a capture or refund we show in flight that a report shows settled (source RECONCILIATION). Without
       * one (the CLI), such items wait open for the next worker pass, which has it.
       */
      payments?: Pick<PaymentCommands, "confirmSettledModification">;
      /** Applies chargeback rows to their disputes; without it (the CLI) they wait for the worker's next pass. */
      disputes?: Pick<DisputeCommands, "applyNotification">;
      /**
       * A turn of the event loop, taken every few rows while the file is read so that the store's answers are
       * handled meanwhile (see ReportChunks); without it, none is taken.
       */
      yieldToEventLoop?: () => Promise<void>;
    },
  ) {}

  private get settings(): ReconciliationSettings {
    return this.deps.settings ?? DEFAULT_RECONCILIATION_SETTINGS;
  }

  async importReport(actor: Actor, input: ImportReportInput): Promise<ImportReportResult> {
    if (input.psp !== "adyen" && input.psp !== "stripe")
      throw new DomainError("INVALID_INPUT", "psp is adyen or stripe.", { field: ["psp"] });
    const fileName = input.fileName.trim();
    if (fileName === "" || fileName.length > FILE_NAME_LENGTH_MAX)
      throw new DomainError("INVALID_INPUT", `fileName is 1 to ${FILE_NAME_LENGTH_MAX} characters.`, {
        field: ["fileName"],
      });
    if (!/^[0-9a-f]{64}$/.test(input.fileSha256))
      throw new DomainError("INVALID_INPUT", "fileSha256 is 64 lower-case hex digits.", {
        field: ["fileSha256"],
      });
    const applied = await this.deps.store.findAppliedImport(input.psp, input.fileSha256);
    if (applied !== null) {
      await this.afterImport();
      return { import: applied, replayed: true };
    }

    const draft: ReconImportDraft = {
      id: newId("reconImport"),
      psp: input.psp,
      fileName,
      fileSha256: input.fileSha256,
      importedBy: actor.name,
    };
    try {
      // Two imports of the same file at once: the store serializes them on the file's identity, and the one that
      // waited finds the other's import applied and answers it as a replay (nothing is written twice).
      const result = await this.deps.store.applyImport(draft.id, async (session) => {
        const appliedMeanwhile = await session.claimFile(input.psp, input.fileSha256);
        if (appliedMeanwhile !== null) return { import: appliedMeanwhile, replayed: true };
        return { import: await this.apply(session, draft, input.rows), replayed: false };
      });
      await this.afterImport();
      return result;
    } catch (error) {
      if (!(error instanceof SettlementReportError)) throw error;
      const refused: ReconImportRecord = {
        ...draft,
        status: "REFUSED",
        refusedLine: error.lineNumber,
        refusedReason: error.reason,
        lineCount: 0,
        batches: [],
        categoryCounts: {},
        totals: [],
        createdAt: this.deps.now(),
      };
      await this.deps.store.recordRefusal(refused, {
        actor,
        action: "reconciliation.import_refused",
        targetId: draft.id,
        before: null,
        after: {
          psp: draft.psp,
          fileName,
          fileSha256: draft.fileSha256,
          line: error.lineNumber,
          reason: error.reason,
        },
      });
      throw error;
    }
  }

  private async apply(
    session: ReconImportSession,
    draft: ReconImportDraft,
    rows: AsyncIterable<ReportRow>,
  ): Promise<ReconImportRecord> {
    const counts: Partial<Record<ReconCategory, number>> = {};
    const totals = new Map<string, CurrencyTotal>();
    const batches = new Set<string>();
    const feeRows: Array<{ line: SettlementLine; id: string }> = [];
    let releasesMoved = 0;
    // Pipelined: the file is read in chunks in file order, up to CHUNKS_AHEAD_MAX ahead, while the chunks before are
    // matched and written (ReportChunks); a chunk is matched here while the store writes the chunk before it and
    // then reads the next chunk's candidates and seen keys. Those are read once the chunk before this one is
    // written in full, but before (or while) this chunk's writes go in, so they may miss them; what this chunk
    // settled and recorded is dropped from them here, as the store's own filter would once the writes are in.
    // A line already recorded (an earlier import, an earlier chunk, or earlier in its chunk) is a DUPLICATE, and of
    // two lines that could settle the same capture the one earlier in the file does. A bad line anywhere refuses
    // the whole file: the transaction with what the chunks before it wrote is rolled back.
    const chunkLines = this.settings.chunkLines ?? MATCH_CHUNK;
    const chunks = new ReportChunks({
      psp: draft.psp,
      rows,
      chunkLines,
      aheadMax: CHUNKS_AHEAD_MAX,
      linesMax: REPORT_LINES_MAX,
      pause: this.deps.yieldToEventLoop ?? (() => Promise.resolve()),
    });
    const readCandidates = (lines: readonly SettlementLine[]) =>
      settledLater(Promise.all([session.expectedFor(lines), session.seenLineKeys(lines)]));
    // Declared before the loop so that a failure inside it waits for what is still running (below).
    let candidates: Promise<[ExpectedWithMode[], Set<string>]> | null = null;
    let writing: Promise<number> | null = null;
    let recordedBefore: { settledIds: Set<string>; lineKeys: string[] } | null = null;
    try {
      let chunk = await chunks.next();
      candidates = chunk.length === 0 ? null : readCandidates(chunk);
      let upcoming = chunk.length === 0 ? [] : await chunks.next();
      for (let chunkIndex = 0; chunkIndex <= Math.ceil(REPORT_LINES_MAX / chunkLines); chunkIndex++) {
        if (chunk.length === 0 || candidates === null) break;
        const [read, seenLineKeys] = await candidates;
        // The next chunk's candidates, read as soon as the chunk before this one is written (they see it), while
        // this one is matched; and the chunk after it from the file.
        const next = upcoming;
        const written: Promise<unknown> = writing ?? Promise.resolve();
        candidates = next.length === 0 ? null : settledLater(written.then(() => readCandidates(next)));
        const further = next.length === 0 ? null : settledLater(chunks.next());
        const previous = recordedBefore;
        const expected = previous === null ? read : read.filter((item) => !previous.settledIds.has(item.id));
        if (previous !== null) for (const key of previous.lineKeys) seenLineKeys.add(key);
        const result = matchSettlementLines({
          lines: chunk,
          expected,
          seenLineKeys,
          feeSchedules: this.settings.feeSchedules,
        });
        const expectedById = new Map(expected.map((item) => [item.id, item]));
        const lineByNumber = new Map(chunk.map((line) => [line.lineNumber, line]));
        const items: ReconItemDraft[] = [];
        const postings: SettlementPostingDraft[] = [];
        // One settlement entry per merchant, mode, currency and bank account for the chunk's settled lines, up to
        // SETTLED_LINES_PER_ENTRY_MAX lines each (rather than one per line): each item points at its group's entry,
        // which holds the item's psp_receivable line. `settled` holds each key's group still filling.
        const groups: SettledGroup[] = [];
        const settled = new Map<string, SettledGroup>();
        // Issue 18: a capture's settled line says when its money is available; its pending release moves there.
        const releaseMoves = new Map<string, Date>();
        for (const outcome of result.lines) {
          const line = lineByNumber.get(outcome.lineNumber) as SettlementLine;
          counts[outcome.category] = (counts[outcome.category] ?? 0) + 1;
          if (outcome.category !== "DUPLICATE") {
            batches.add(line.batch);
            const total = totals.get(line.currency) ?? {
              currency: line.currency,
              grossMinor: 0n,
              feeMinor: 0n,
              netMinor: 0n,
            };
            total.grossMinor += line.grossMinor;
            total.feeMinor += line.feeMinor;
            total.netMinor += line.netMinor;
            totals.set(line.currency, total);
          }
          const id = newId("reconItem");
          if (line.type === "FEE" && outcome.category === "MATCHED") {
            if (feeRows.length >= FEE_ROWS_MAX)
              throw new SettlementReportError(line.lineNumber, `more than ${FEE_ROWS_MAX} fee-only rows`);
            feeRows.push({ line, id });
            continue;
          }
          if (
            (line.type === "CHARGEBACK" || line.type === "CHARGEBACK_REVERSAL") &&
            outcome.category === "MATCHED"
          ) {
            // Applied to its dispute after the import commits (applyChargebacks), then posted and closed.
            items.push({
              id,
              line,
              expected: null,
              category: "MATCHED",
              status: "OPEN",
              rule: "chargeback.to_dispute",
              differenceMinor: 0n,
              journalEntryId: null,
            });
            continue;
          }
          const item = outcome.expectedId === null ? null : (expectedById.get(outcome.expectedId) ?? null);
          if (
            item !== null &&
            item.kind === "CAPTURE" &&
            line.type === "CAPTURE" &&
            outcome.category !== "DUPLICATE"
          )
            releaseMoves.set(item.paymentId, settlementAvailableOn(line));
          const resolution = autoResolution(outcome, item, this.settings.toleranceMinor[line.psp]);
          let journalEntryId: string | null = null;
          let pointing: ReconItemDraft[] | null = null;
          let status: ReconItemDraft["status"] = "OPEN";
          if (item !== null && (resolution.action === "POST" || resolution.action === "ADJUST_AND_POST")) {
            const sign = item.kind === "REFUND" ? -1n : 1n;
            const entry = settlementPosting({
              currency: line.currency,
              grossMinor: line.grossMinor,
              feeMinor: line.feeMinor,
              netMinor: line.netMinor,
              clearedMinor: sign * item.amountMinor,
            });
            if (entry !== null) {
              // Posted with the chunk's other settled lines of the same merchant, mode, currency and bank account.
              const cashCode = bankCashCode(line.psp, line.merchantAccount);
              const key = `${item.merchantId}|${item.mode}|${line.currency}|${cashCode}`;
              let group = settled.get(key);
              if (group === undefined || group.entries.length >= SETTLED_LINES_PER_ENTRY_MAX) {
                group = {
                  journalEntryId: newId("journalEntry"),
                  merchantId: item.merchantId,
                  mode: item.mode,
                  bankCashCode: cashCode,
                  entries: [],
                  items: [],
                };
                settled.set(key, group);
                groups.push(group);
              }
              group.entries.push(entry);
              journalEntryId = group.journalEntryId;
              pointing = group.items;
            }
            // A fee that differs from the schedule is posted as the PSP charged it, but stays open to query.
            status = outcome.category === "FEE_MISMATCH" ? "OPEN" : "CLOSED";
          } else if (resolution.action === "NONE") {
            status = "CLOSED";
          }
          const recorded: ReconItemDraft = {
            id,
            line,
            expected: item,
            category: outcome.category,
            status,
            // An in-flight capture or refund is confirmed after the import commits (confirmInFlight), then posted.
            rule: resolution.rule,
            differenceMinor: outcome.differenceMinor,
            journalEntryId,
          };
          items.push(recorded);
          pointing?.push(recorded);
        }
        for (const group of groups) {
          const entry = combineSettlementEntries(group.entries);
          if (entry === null) {
            // Everything the group's lines moved cancelled out: no entry, and its items point at none.
            for (const settledItem of group.items) settledItem.journalEntryId = null;
            continue;
          }
          postings.push({
            journalEntryId: group.journalEntryId,
            merchantId: group.merchantId,
            mode: group.mode,
            bankCashCode: group.bankCashCode,
            entry,
          });
        }
        if (writing !== null) releasesMoved += await writing;
        const moves = [...releaseMoves].map(([paymentId, availableOn]) => ({ paymentId, availableOn }));
        writing = settledLater(session.record(items, postings, moves));
        recordedBefore = {
          settledIds: new Set(
            items.flatMap((item) => (item.line !== null && item.expected !== null ? [item.expected.id] : [])),
          ),
          lineKeys: items.flatMap((item) =>
            item.line !== null && item.category !== "DUPLICATE" ? [item.line.lineKey] : [],
          ),
        };
        chunk = next;
        upcoming = further === null ? [] : await further;
      }
      if (writing !== null) releasesMoved += await writing;
    } catch (error) {
      // A write still running goes on statement by statement: it must finish (or fail) before the store rolls
      // the transaction back, or its later statements would run after the ROLLBACK, outside the transaction.
      chunks.stop();
      await Promise.allSettled([writing, candidates, chunks.done]);
      throw error;
    }
    const { lineCount, latestBookedAt } = await chunks.summary();
    await this.recordFeeRows(session, feeRows);
    const coveredUntil = latestBookedAt ?? this.deps.now();
    const missing = await session.recordMissingExternal(
      draft.psp,
      coveredUntil,
      this.settings.settlementDelayMs[draft.psp] + this.settings.graceMs,
    );
    if (missing > 0) counts.MISSING_EXTERNAL = (counts.MISSING_EXTERNAL ?? 0) + missing;
    const record: ReconImportRecord = {
      ...draft,
      status: "APPLIED",
      refusedLine: null,
      refusedReason: null,
      lineCount,
      batches: [...batches].sort(),
      categoryCounts: counts,
      totals: [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)),
      createdAt: this.deps.now(),
    };
    await session.finish(record, {
      actor: { operatorId: null, name: draft.importedBy },
      action: "reconciliation.import_applied",
      targetId: draft.id,
      before: null,
      after: {
        psp: draft.psp,
        fileName: draft.fileName,
        fileSha256: draft.fileSha256,
        lines: lineCount,
        counts: JSON.stringify(counts),
        releasesMoved,
      },
    });
    return record;
  }

  /** What follows an import (or a replay, which retries what an earlier one left): confirmations, chargebacks. */
  private async afterImport(): Promise<void> {
    await this.confirmInFlight();
    await this.applyChargebacks();
  }

  /**
   * Chargeback rows (rule `chargeback.to_dispute`) opened or moved their disputes through the dispute commands,
   * with the notifications' ordering rules (a duplicate or stale row changes nothing, idempotently); then the row's
   * money is posted (bank against the receivable the dispute's withdrawal or reinstatement moved) and the item
   * closed (`chargeback.dispute_applied`). A row for a payment we do not have becomes MISSING_INTERNAL, one the
   * dispute model refuses stays open for an operator (rule `operator`), both with the reason.
   */
  async applyChargebacks(): Promise<{ applied: number; open: number }> {
    const disputes = this.deps.disputes;
    if (disputes === undefined) return { applied: 0, open: 0 };
    let applied = 0;
    let open = 0;
    for (const row of await this.deps.store.chargebacksToApply(CONFIRMATIONS_PER_PASS_MAX)) {
      const notification = chargebackNotification(row);
      const result =
        notification === null
          ? ({
              applied: false,
              reason: "invalid",
              detail: `cannot read a ${row.rawType} row`,
              dispute: null,
            } as const)
          : await disputes.applyNotification(notification);
      const dispute = result.dispute;
      const audit = (action: string, after: Record<string, AuditValue>) => ({
        actor: RECONCILIATION_ACTOR,
        action,
        targetId: row.itemId,
        before: { status: "OPEN", rule: "chargeback.to_dispute" },
        after,
      });
      if (
        dispute !== null &&
        (result.applied || result.reason === "duplicate" || result.reason === "stale")
      ) {
        const closed = await this.deps.store.closeChargeback(
          row.itemId,
          {
            id: dispute.id,
            paymentId: dispute.paymentId,
            merchantId: dispute.merchantId,
            mode: dispute.mode,
          },
          audit("reconciliation.chargeback_applied", {
            status: "CLOSED",
            rule: "chargeback.dispute_applied",
            disputeId: dispute.id,
            disputeStatus: dispute.status,
          }),
        );
        if (closed) applied++;
        continue;
      }
      open++;
      const detail = result.applied ? "" : result.detail;
      await this.deps.store.leaveChargebackOpen(
        row.itemId,
        !result.applied && result.reason === "unknown_payment" ? "MISSING_INTERNAL" : "MATCHED",
        detail,
        audit("reconciliation.chargeback_unapplied", { status: "OPEN", rule: "operator", reason: detail }),
      );
    }
    return { applied, open };
  }

  /**
   * Settled lines whose capture or refund we showed in flight (lost notifications): each is confirmed through the
   * payment commands with source RECONCILIATION, then, once our record shows it succeeded, posted and closed with
   * rule `settled.confirmed_in_flight`. What is still in flight (our own call still running) or failed stays open
   * for the next pass or an operator. Idempotent: a confirmed attempt is not confirmed again.
   */
  async confirmInFlight(): Promise<{ confirmed: number; waiting: number }> {
    const payments = this.deps.payments;
    if (payments === undefined) return { confirmed: 0, waiting: 0 };
    let confirmed = 0;
    let waiting = 0;
    for (const item of await this.deps.store.inFlightToConfirm(CONFIRMATIONS_PER_PASS_MAX)) {
      await payments.confirmSettledModification({
        kind: item.kind === "CAPTURE" ? "capture" : "refund",
        pspName: item.psp,
        paymentPspReference: item.paymentPspReference,
        modificationReference: item.modificationReference,
        attemptReference: item.attemptId,
      });
      const closed = await this.deps.store.closeConfirmed(item.itemId, {
        actor: RECONCILIATION_ACTOR,
        action: "reconciliation.confirmed_in_flight",
        targetId: item.itemId,
        before: { status: "OPEN", rule: "settled.confirms_in_flight" },
        after: { status: "CLOSED", rule: "settled.confirmed_in_flight", kind: item.kind },
      });
      if (closed) confirmed++;
      else waiting++;
    }
    return { confirmed, waiting };
  }

  /** Fee-only rows charge the merchants whose lines of the same batch, account and currency they cover. */
  private async recordFeeRows(
    session: ReconImportSession,
    feeRows: ReadonlyArray<{ line: SettlementLine; id: string }>,
  ): Promise<void> {
    const items: ReconItemDraft[] = [];
    const postings: SettlementPostingDraft[] = [];
    for (const { line, id } of feeRows) {
      const merchants = await session.feeRowMerchants(line);
      if (merchants.length === 0) {
        items.push({
          id,
          line,
          expected: null,
          category: "MATCHED",
          status: "OPEN",
          rule: "fee.no_line_of_ours",
          differenceMinor: 0n,
          journalEntryId: null,
        });
        continue;
      }
      const key = (m: { merchantId: string; mode: string }) => `${m.merchantId}|${m.mode}`;
      const shares = allocateFee(line.feeMinor, new Map(merchants.map((m) => [key(m), m.lineCount])));
      const grossShares = allocateFee(line.grossMinor, new Map(merchants.map((m) => [key(m), m.lineCount])));
      let firstEntryId: string | null = null;
      for (const merchant of merchants) {
        const feeMinor = shares.get(key(merchant)) ?? 0n;
        const grossMinor = grossShares.get(key(merchant)) ?? 0n;
        const entry = settlementPosting({
          currency: line.currency,
          grossMinor,
          feeMinor,
          netMinor: grossMinor - feeMinor,
        });
        if (entry === null) continue;
        const journalEntryId = newId("journalEntry");
        firstEntryId ??= journalEntryId;
        postings.push({
          journalEntryId,
          merchantId: merchant.merchantId,
          mode: merchant.mode,
          bankCashCode: bankCashCode(line.psp, line.merchantAccount),
          entry,
        });
      }
      items.push({
        id,
        line,
        expected: null,
        category: "MATCHED",
        status: "CLOSED",
        rule: "fee.allocated_by_line_count",
        differenceMinor: 0n,
        journalEntryId: firstEntryId,
      });
    }
    if (items.length > 0) await session.record(items, postings, []);
  }
}
