// The ledger consistency check, one implementation for the scheduled worker (workers/ledger-check.ts), the CLI
// (`npm run cli -- ledger check [--full]`) and the console's buttons: debits equal credits per currency, every
// journal entry balances, every payment's captured and refunded amounts and every dispute's withdrawn amounts
// agree with their journal entries, and the journal's tamper-evidence chain verifies. Each run is stored; a run
// with findings is a needs-attention item until a later run is clean.
//
// A run is full or incremental (docs/operations.md, "The exception workbench"). A full run reads everything.
// An incremental run continues from the position the newest run verified the chain through, when that run was
// clean: it re-hashes only the seals after it (and checks the seal it stopped at is unchanged), and checks the
// balances, payments and disputes of the entries after it. A run after one with findings is always full, so a
// finding stays until a full run is clean; a full run also happens every `fullIntervalMs` and on demand.
import type {
  ChainPosition,
  ChainRangeVerification,
  ChainRepository,
} from "@paycore/db/repositories/chain.repository";
import { GENESIS_POSITION } from "@paycore/db/repositories/chain.repository";
import type { DisputeRepository } from "@paycore/db/repositories/dispute.repository";
import type { LedgerAuditRepository } from "@paycore/db/repositories/ledger-audit.repository";
import type {
  LedgerCheckRun,
  LedgerCheckRunRepository,
  LedgerCheckScope,
  LedgerCheckTrigger,
  LedgerFinding,
} from "@paycore/db/repositories/ledger-check-run.repository";

export interface LedgerCheckDeps {
  audit: Pick<
    LedgerAuditRepository,
    | "totalsByCurrency"
    | "unbalancedEntries"
    | "paymentsDisagreeingWithLedger"
    | "totalsByCurrencyAfter"
    | "unbalancedEntriesAfter"
    | "paymentsDisagreeingAfter"
  >;
  disputes: Pick<DisputeRepository, "disagreeingWithLedger" | "disagreeingWithLedgerAfter">;
  chains: Pick<ChainRepository, "verifyFrom">;
  runs: Pick<LedgerCheckRunRepository, "record" | "resumePoint">;
  /** A run is full when the newest full run finished longer ago than this (default 24 h). */
  fullIntervalMs?: number;
  now?: () => Date;
}

export const DEFAULT_LEDGER_CHECK_FULL_INTERVAL_MS = 24 * 60 * 60_000;

/**
 * An incremental run re-checks the payments and disputes updated since its basis run started, less this much:
 * updated_at is the writing transaction's start, so a transaction open across the basis run's start still
 * counts if it lasted less than this (the database ends idle transactions long before).
 */
export const UPDATED_SINCE_MARGIN_MS = 15 * 60_000;

/** Findings of each kind the check lists (the count of the rest is not needed to act: fix, then run again). */
const FINDINGS_PER_KIND = 100;

export interface LedgerCheckOptions {
  /** Re-read everything whatever the newest run left (the CLI's --full, the console's full check). */
  full?: boolean;
}

/** What one run found and where it leaves the chain. */
export interface LedgerCheckOutcome {
  scope: LedgerCheckScope;
  findings: LedgerFinding[];
  chain: ChainRangeVerification;
}

/** The incremental run's start, or null when the run must be full. */
interface IncrementalBasis {
  position: ChainPosition;
  updatedSince: Date;
}

export async function ledgerFindings(
  deps: LedgerCheckDeps,
  basis: IncrementalBasis | null,
): Promise<LedgerCheckOutcome> {
  const findings: LedgerFinding[] = [];
  // The chain first: the run stores the head it verifies through as the next run's start, so every entry up to
  // that head must be seen by the queries below, and it is, since those entries committed before this snapshot.
  const chain = await deps.chains.verifyFrom("journal", basis?.position ?? GENESIS_POSITION);
  if (!chain.verification.ok) {
    const { firstBreak } = chain.verification;
    findings.push({
      kind: "journal_chain_broken",
      subject: firstBreak.rowId ?? `seal ${firstBreak.seq ?? "-"}`,
      detail: `${firstBreak.kind}: ${firstBreak.detail}`,
    });
  }
  const totals = basis
    ? await deps.audit.totalsByCurrencyAfter(basis.position)
    : await deps.audit.totalsByCurrency();
  for (const currency of totals) {
    if (currency.debitsMinor !== currency.creditsMinor) {
      findings.push({
        kind: "currency_unbalanced",
        subject: currency.currency,
        detail: basis
          ? `the entries since the last clean run add debits ${currency.debitsMinor} ≠ credits ${currency.creditsMinor} (minor units)`
          : `debits ${currency.debitsMinor} ≠ credits ${currency.creditsMinor} (minor units)`,
      });
    }
  }
  const unbalanced = basis
    ? await deps.audit.unbalancedEntriesAfter(basis.position, FINDINGS_PER_KIND)
    : await deps.audit.unbalancedEntries(FINDINGS_PER_KIND);
  for (const id of unbalanced)
    findings.push({ kind: "entry_unbalanced", subject: id, detail: "its lines do not net to zero" });
  const payments = basis
    ? await deps.audit.paymentsDisagreeingAfter(basis.position, basis.updatedSince, FINDINGS_PER_KIND)
    : await deps.audit.paymentsDisagreeingWithLedger(FINDINGS_PER_KIND);
  for (const id of payments) {
    findings.push({
      kind: "payment_disagrees",
      subject: id,
      detail: "captured or refunded amount differs from its journal entries",
    });
  }
  const disputes = basis
    ? await deps.disputes.disagreeingWithLedgerAfter(basis.position, basis.updatedSince, FINDINGS_PER_KIND)
    : await deps.disputes.disagreeingWithLedger(FINDINGS_PER_KIND);
  for (const id of disputes) {
    findings.push({
      kind: "dispute_disagrees",
      subject: id,
      detail: "withdrawn or reinstated amount differs from its journal entries",
    });
  }
  return { scope: basis ? "incremental" : "full", findings, chain };
}

/** Runs the check (full or incremental, see the file's head) and stores the run. */
export async function runLedgerCheck(
  deps: LedgerCheckDeps,
  trigger: LedgerCheckTrigger,
  requestedBy: string | null,
  options: LedgerCheckOptions = {},
): Promise<LedgerCheckRun> {
  const startedAt = (deps.now ?? (() => new Date()))();
  const fullIntervalMs = deps.fullIntervalMs ?? DEFAULT_LEDGER_CHECK_FULL_INTERVAL_MS;
  const resume = await deps.runs.resumePoint();
  const fullDue =
    !resume?.lastFullFinishedAt ||
    startedAt.getTime() - resume.lastFullFinishedAt.getTime() >= fullIntervalMs;
  const basis: IncrementalBasis | null =
    options.full || fullDue || !resume?.resumable
      ? null
      : {
          position: resume.resumable.position,
          updatedSince: new Date(resume.resumable.startedAt.getTime() - UPDATED_SINCE_MARGIN_MS),
        };
  const outcome = await ledgerFindings(deps, basis);
  return deps.runs.record({
    trigger,
    scope: outcome.scope,
    startedAt,
    findings: outcome.findings,
    requestedBy,
    basisRunId: resume?.basisRunId ?? null,
    chainVerifiedThrough: outcome.chain.verifiedThrough,
    chainSealsChecked: outcome.chain.sealsChecked,
  });
}

/** One line per finding, for people (the CLI). */
export function formatLedgerCheck(run: LedgerCheckRun): string {
  const scope = `${run.scope}, ${run.chainSealsChecked} journal seals re-hashed`;
  if (run.ok) return `OK ledger check ${run.id} (${scope}): no disagreement`;
  return [
    `DISAGREEMENTS ledger check ${run.id} (${scope}): ${run.findings.length}`,
    ...run.findings.map((finding) => `  ${finding.kind} ${finding.subject}: ${finding.detail}`),
  ].join("\n");
}
