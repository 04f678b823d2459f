// The ledger consistency check, one implementation for the scheduled worker (workers/ledger-check.ts), the CLI
// (`npm run cli -- ledger check`) and the console's button: debits equal credits per currency, every journal
// entry balances, every payment's captured and refunded amounts and every dispute's withdrawn amounts agree with
// their journal entries, and the journal's tamper-evidence chain verifies. Each run is stored; a run with
// findings is a needs-attention item until a later run is clean.
import type { ChainRepository } from "@paycore/db/repositories/chain.repository";
import type { DisputeRepository } from "@paycore/db/repositories/dispute.repository";
import type { LedgerAuditRepository } from "@paycore/db/repositories/ledger-audit.repository";
import type {
  LedgerCheckRun,
  LedgerCheckRunRepository,
  LedgerCheckTrigger,
  LedgerFinding,
} from "@paycore/db/repositories/ledger-check-run.repository";

export interface LedgerCheckDeps {
  audit: Pick<
    LedgerAuditRepository,
    "totalsByCurrency" | "unbalancedEntries" | "paymentsDisagreeingWithLedger"
  >;
  disputes: Pick<DisputeRepository, "disagreeingWithLedger">;
  chains: Pick<ChainRepository, "verify">;
  runs: Pick<LedgerCheckRunRepository, "record" | "latest">;
  now?: () => Date;
}

/** Findings of each kind the check lists (the count of the rest is not needed to act: fix, then run again). */
const FINDINGS_PER_KIND = 100;

export async function ledgerFindings(deps: LedgerCheckDeps): Promise<LedgerFinding[]> {
  const findings: LedgerFinding[] = [];
  for (const totals of await deps.audit.totalsByCurrency()) {
    if (totals.debitsMinor !== totals.creditsMinor) {
      findings.push({
        kind: "currency_unbalanced",
        subject: totals.currency,
        detail: `debits ${totals.debitsMinor} ≠ credits ${totals.creditsMinor} (minor units)`,
      });
    }
  }
  for (const id of await deps.audit.unbalancedEntries(FINDINGS_PER_KIND))
    findings.push({ kind: "entry_unbalanced", subject: id, detail: "its lines do not net to zero" });
  for (const id of await deps.audit.paymentsDisagreeingWithLedger(FINDINGS_PER_KIND)) {
    findings.push({
      kind: "payment_disagrees",
      subject: id,
      detail: "captured or refunded amount differs from its journal entries",
    });
  }
  for (const id of await deps.disputes.disagreeingWithLedger(FINDINGS_PER_KIND)) {
    findings.push({
      kind: "dispute_disagrees",
      subject: id,
      detail: "withdrawn or reinstated amount differs from its journal entries",
    });
  }
  const chain = await deps.chains.verify("journal");
  if (!chain.ok) {
    findings.push({
      kind: "journal_chain_broken",
      subject: chain.firstBreak.rowId ?? `seal ${chain.firstBreak.seq ?? "-"}`,
      detail: `${chain.firstBreak.kind}: ${chain.firstBreak.detail}`,
    });
  }
  return findings;
}

/** Runs the check and stores the run. */
export async function runLedgerCheck(
  deps: LedgerCheckDeps,
  trigger: LedgerCheckTrigger,
  requestedBy: string | null,
): Promise<LedgerCheckRun> {
  const startedAt = (deps.now ?? (() => new Date()))();
  const findings = await ledgerFindings(deps);
  return deps.runs.record({ trigger, startedAt, findings, requestedBy });
}

/** One line per finding, for people (the CLI). */
export function formatLedgerCheck(run: LedgerCheckRun): string {
  if (run.ok) return `OK ledger check ${run.id}: no disagreement`;
  return [
    `DISAGREEMENTS ledger check ${run.id}: ${run.findings.length}`,
    ...run.findings.map((finding) => `  ${finding.kind} ${finding.subject}: ${finding.detail}`),
  ].join("\n");
}
