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

export interface LedgerCheckRun {
  id: bigint;
  trigger: LedgerCheckTrigger;
  startedAt: Date;
  finishedAt: Date;
  ok: boolean;
  findings: LedgerFinding[];
  requestedBy: string | null;
}

interface Row {
  id: bigint;
  trigger: LedgerCheckTrigger;
  started_at: Date;
  finished_at: Date;
  ok: boolean;
  findings: LedgerFinding[];
  requested_by: string | null;
}

const toRun = (row: Row): LedgerCheckRun => ({
  id: row.id,
  trigger: row.trigger,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  ok: row.ok,
  findings: row.findings,
  requestedBy: row.requested_by,
});

/** At most this many findings are kept per run (the check's own queries are bounded too). */
export const LEDGER_FINDINGS_MAX = 500;

export class LedgerCheckRunRepository {
  constructor(private readonly sql: Sql) {}

  async record(run: {
    trigger: LedgerCheckTrigger;
    startedAt: Date;
    findings: LedgerFinding[];
    requestedBy: string | null;
  }): Promise<LedgerCheckRun> {
    const findings = run.findings.slice(0, LEDGER_FINDINGS_MAX);
    const [row] = await this.sql.query<Row>(
      `INSERT INTO ledger_check_runs (trigger, started_at, ok, findings, requested_by)
       VALUES ($1, $2, $3, $4::jsonb, $5)
       RETURNING id, trigger, started_at, finished_at, ok, findings, requested_by`,
      [run.trigger, run.startedAt, findings.length === 0, JSON.stringify(findings), run.requestedBy],
    );
    if (!row) throw new Error("ledger check run not stored");
    return toRun(row);
  }

  async latest(): Promise<LedgerCheckRun | null> {
    const [row] = await this.sql.query<Row>(
      `SELECT id, trigger, started_at, finished_at, ok, findings, requested_by
         FROM ledger_check_runs ORDER BY finished_at DESC, id DESC LIMIT 1`,
    );
    return row === undefined ? null : toRun(row);
  }
}
