// The ledger consistency check's runs (worker, CLI, console button), append-only: the newest run's findings are
// the workbench's needs-attention item until a later run is clean.
import type { Sql } from "../sql";

export type LedgerCheckTrigger = "worker" | "cli" | "console";

/** One disagreement the check found, JSON-safe. */
export interface LedgerFinding {
  kind:
    | "currency_unbalanced"
    | "entry_unbalanced"
    | "payment_disagrees"
    | "dispute_disagrees"
    | "journal_chain_broken";
  /** The journal entry, payment, dispute or currency concerned. */
  subject: string;
  detail: string;
}

/** full: everything re-read; incremental: only the journal after the basis run's verified position. */
export type LedgerCheckScope = "full" | "incremental";

/** The journal chain's head a run verified through (see ChainPosition in chain.repository.ts). */
export interface LedgerCheckChainPosition {
  seq: bigint;
  hash: string;
  lastTxid: bigint;
  lastRowId: string;
}

export interface LedgerCheckRun {
  id: bigint;
  trigger: LedgerCheckTrigger;
  scope: LedgerCheckScope;
  startedAt: Date;
  finishedAt: Date;
  ok: boolean;
  findings: LedgerFinding[];
  requestedBy: string | null;
  /** The newest run when this one read its position (null: there was none). */
  basisRunId: bigint | null;
  /** Where this run's chain verification ended; null when the chain did not verify. */
  chainVerifiedThrough: LedgerCheckChainPosition | null;
  /** Seals whose rows this run re-read and re-hashed. */
  chainSealsChecked: bigint;
}

/** Where the next run may start: the newest run, and whether an incremental run may continue from it. */
export interface LedgerCheckResumePoint {
  /** The newest run's id: the next run's basis. */
  basisRunId: bigint;
  /**
   * The newest run's position and start, when an incremental run may continue from it: that run found
   * nothing, verified the chain, and no run recorded between its own basis and it found anything (so a break
   * found by a concurrent run is never stepped over). Null: the next run must be full.
   */
  resumable: { startedAt: Date; position: LedgerCheckChainPosition } | null;
  /** When the newest full run finished (null: none yet). */
  lastFullFinishedAt: Date | null;
}

interface Row {
  id: bigint;
  trigger: LedgerCheckTrigger;
  scope: LedgerCheckScope;
  started_at: Date;
  finished_at: Date;
  ok: boolean;
  findings: LedgerFinding[];
  requested_by: string | null;
  basis_run_id: bigint | null;
  chain_seq: bigint | null;
  chain_hash: string | null;
  chain_last_txid: bigint | null;
  chain_last_row_id: string | null;
  chain_seals_checked: bigint;
}

const COLUMNS = `id, trigger, scope, started_at, finished_at, ok, findings, requested_by, basis_run_id, chain_seq,
  chain_hash, chain_last_txid, chain_last_row_id, chain_seals_checked`;

function positionOf(row: Row): LedgerCheckChainPosition | null {
  if (row.chain_seq === null || row.chain_hash === null || row.chain_last_txid === null) return null;
  return {
    seq: row.chain_seq,
    hash: row.chain_hash,
    lastTxid: row.chain_last_txid,
    lastRowId: row.chain_last_row_id ?? "",
  };
}

const toRun = (row: Row): LedgerCheckRun => ({
  id: row.id,
  trigger: row.trigger,
  scope: row.scope,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  ok: row.ok,
  findings: row.findings,
  requestedBy: row.requested_by,
  basisRunId: row.basis_run_id,
  chainVerifiedThrough: positionOf(row),
  chainSealsChecked: row.chain_seals_checked,
});

/** At most this many findings are kept per run (the check's own queries are bounded too). */
export const LEDGER_FINDINGS_MAX = 500;

export class LedgerCheckRunRepository {
  constructor(private readonly sql: Sql) {}

  async record(run: {
    trigger: LedgerCheckTrigger;
    scope: LedgerCheckScope;
    startedAt: Date;
    findings: LedgerFinding[];
    requestedBy: string | null;
    basisRunId: bigint | null;
    chainVerifiedThrough: LedgerCheckChainPosition | null;
    chainSealsChecked: number;
  }): Promise<LedgerCheckRun> {
    const findings = run.findings.slice(0, LEDGER_FINDINGS_MAX);
    const position = run.chainVerifiedThrough;
    const [row] = await this.sql.query<Row>(
      `INSERT INTO ledger_check_runs (trigger, scope, started_at, ok, findings, requested_by, basis_run_id,
                                      chain_seq, chain_hash, chain_last_txid, chain_last_row_id, chain_seals_checked)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12)
       RETURNING ${COLUMNS}`,
      [
        run.trigger,
        run.scope,
        run.startedAt,
        findings.length === 0,
        JSON.stringify(findings),
        run.requestedBy,
        run.basisRunId,
        position?.seq ?? null,
        position?.hash ?? null,
        position?.lastTxid ?? null,
        position?.lastRowId ?? null,
        run.chainSealsChecked,
      ],
    );
    if (!row) throw new Error("ledger check run not stored");
    return toRun(row);
  }

  async latest(): Promise<LedgerCheckRun | null> {
    const [row] = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM ledger_check_runs ORDER BY finished_at DESC, id DESC LIMIT 1`,
    );
    return row === undefined ? null : toRun(row);
  }

  /** Where the next run starts (null: no run yet). One statement, so the three answers agree. */
  async resumePoint(): Promise<LedgerCheckResumePoint | null> {
    const [row] = await this.sql.query<Row & { resumable: boolean; last_full_finished_at: Date | null }>(
      `SELECT ${COLUMNS},
              r.ok AND r.chain_seq IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM ledger_check_runs x
                 WHERE x.id > COALESCE(r.basis_run_id, 0) AND x.id < r.id AND NOT x.ok) AS resumable,
              (SELECT max(f.finished_at) FROM ledger_check_runs f WHERE f.scope = 'full') AS last_full_finished_at
         FROM ledger_check_runs r ORDER BY r.id DESC LIMIT 1`,
    );
    if (row === undefined) return null;
    const position = positionOf(row);
    return {
      basisRunId: row.id,
      resumable: row.resumable && position ? { startedAt: row.started_at, position } : null,
      lastFullFinishedAt: row.last_full_finished_at,
    };
  }
}
