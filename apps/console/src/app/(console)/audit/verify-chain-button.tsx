"use client";
// Admins: recompute the hash chains of the journal and the audit log, and show what the check found.
import { useMutation } from "@tanstack/react-query";
import { errorMessage, useTRPC } from "../../../trpc/client";

const STREAM_NAMES: Record<string, string> = { journal: "Journal", operator_audit: "Audit log" };

export function VerifyChainButton() {
  const trpc = useTRPC();
  const verify = useMutation(trpc.audit.verifyChain.mutationOptions());
  return (
    <section className="card stack" aria-labelledby="chain-heading">
      <h2 id="chain-heading">Tamper evidence</h2>
      <p className="muted">
        Recomputes the hash chains over every sealed journal entry and audit row, and names the first row that
        was changed, deleted or inserted after it was sealed.
      </p>
      <div>
        <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? "Verifying…" : "Verify hash chains"}
        </button>
      </div>
      {verify.error ? (
        <p className="error" role="alert">
          {errorMessage(verify.error)}
        </p>
      ) : null}
      {verify.data ? (
        <ul
          role="status"
          data-testid="chain-verification"
          className="stack"
          style={{ listStyle: "none", padding: 0 }}
        >
          {verify.data.reports.map((report) => (
            <li key={report.stream} className={report.ok ? "notice" : "error"}>
              <strong>{STREAM_NAMES[report.stream] ?? report.stream}:</strong>{" "}
              {report.ok ? (
                <>
                  intact, {report.sealedCount} rows sealed, head <code>{report.headHash}</code>;{" "}
                  {report.unsealedRows} not sealed yet (oldest {report.lagSeconds} s)
                </>
              ) : (
                <>
                  broken at seal {report.firstBreak?.seq ?? "(none)"}, row{" "}
                  <code>{report.firstBreak?.rowId ?? "-"}</code>: {report.firstBreak?.kind}.{" "}
                  {report.firstBreak?.detail}
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
