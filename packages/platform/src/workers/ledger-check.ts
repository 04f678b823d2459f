// The ledger consistency check as a scheduled job (issue 17): every LEDGER_CHECK_INTERVAL_MINUTES one process runs
// the check (../ledger-check.ts) and stores the run; a run with findings is the workbench's needs-attention item.
// Several API processes share it: a pass skips when any process stored a run within the last half interval.
import type {
  LedgerCheckRun,
  LedgerCheckTrigger,
} from "@paycore/db/repositories/ledger-check-run.repository";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

export function ledgerCheckJob(options: {
  intervalMs: number;
  check(trigger: LedgerCheckTrigger, requestedBy: string | null): Promise<LedgerCheckRun>;
  latest(): Promise<Pick<LedgerCheckRun, "finishedAt"> | null>;
  log: Pick<Logger, "info" | "warn">;
  now?: () => Date;
}): WorkerJob {
  const now = options.now ?? (() => new Date());
  return {
    name: "ledger-check",
    schedule: {
      intervalMs: options.intervalMs,
      firstPassDelayMs: Math.min(options.intervalMs, 60_000),
      backoff: { initialDelayMs: 60_000, maxDelayMs: options.intervalMs },
    },
    failureMessage: "the ledger consistency check failed to run: retried; the last stored run stays current",
    async pass(): Promise<PassResult> {
      const latest = await options.latest();
      if (latest && now().getTime() - latest.finishedAt.getTime() < options.intervalMs / 2) {
        return { done: 0, more: false };
      }
      const run = await options.check("worker", null);
      const fields = {
        run: run.id.toString(),
        scope: run.scope,
        chainSealsChecked: run.chainSealsChecked.toString(),
      };
      if (run.ok) options.log.info(fields, "ledger check: no disagreement");
      else
        options.log.warn(
          { ...fields, findings: run.findings.length },
          "ledger check found disagreements: see the console's ledger page",
        );
      return { done: 1, more: false };
    },
  };
}
