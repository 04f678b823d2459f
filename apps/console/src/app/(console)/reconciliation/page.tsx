// Settlement report runs, newest first: the file, PSP, batches and day, counts per category, totals gross, fee
// and net per currency, and what is still open (items and the money at stake in them).
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { Amount, DateTime } from "../format";
import { categoryLabel, ReconNav } from "./recon-nav";
import { ReportUploadForm } from "./report-upload-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Reconciliation runs" };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function ReconciliationRunsPage({
  searchParams,
}: {
  searchParams: Promise<SearchParams>;
}) {
  const params = await searchParams;
  const before = typeof params.before === "string" ? params.before : null;
  const caller = await serverCaller();
  const me = await requireOperator();
  const { runs, nextCursor } = await caller.reconciliation.runs({ before }).catch(handleProcedureError);
  return (
    <>
      <h1>Reconciliation</h1>
      <ReconNav current="runs" />
      {me.role === "VIEWER" ? null : (
        <section className="card" aria-labelledby="report-upload-heading">
          <h2 id="report-upload-heading">Import a settlement report</h2>
          <p className="muted">
            The PSP&apos;s file as downloaded (Adyen&apos;s settlement details report, Stripe&apos;s itemized
            balance change report). A file with an error is refused whole with its line; the same file again
            changes nothing.
          </p>
          <ReportUploadForm />
        </section>
      )}
      <h2>Settlement report runs</h2>
      {runs.length === 0 ? (
        <p className="muted">No settlement report has been imported yet.</p>
      ) : (
        <div className="scroll-x">
          <table data-testid="recon-runs" className="responsive">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">PSP</th>
                <th scope="col">Batches</th>
                <th scope="col">Imported</th>
                <th scope="col">Lines by category</th>
                {/* One figure a column, one line a currency: "a / b / c" in one cell did not line up. */}
                <th scope="col" className="amount">
                  Gross
                </th>
                <th scope="col" className="amount">
                  Fee
                </th>
                <th scope="col" className="amount">
                  Net
                </th>
                <th scope="col">Left open</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} data-testid={`recon-run-${run.id}`}>
                  <td data-label="File">
                    <span className="break">{run.fileName}</span>
                    <div className="muted mono" title={run.fileSha256}>
                      {run.fileSha256.slice(0, 12)}…
                    </div>
                    {run.status === "REFUSED" ? (
                      <div className="error">
                        Refused at line {run.refusedLine}: {run.refusedReason}
                      </div>
                    ) : null}
                  </td>
                  <td data-label="PSP">{run.psp}</td>
                  <td className="mono" data-label="Batches">
                    {run.batches.join(", ") || "—"}
                  </td>
                  <td data-label="Imported">
                    <DateTime iso={run.createdAt} />
                    <div className="muted">by {run.importedBy}</div>
                  </td>
                  <td data-label="Lines by category">
                    <ul>
                      {Object.entries(run.categoryCounts).map(([category, count]) => (
                        <li key={category}>
                          <Link
                            href={`/reconciliation/items?category=${category}&status=OPEN&status=RESOLVED&status=IGNORED&status=CLOSED`}
                          >
                            {categoryLabel(category)}
                          </Link>
                          : {count}
                        </li>
                      ))}
                    </ul>
                    <div className="muted">
                      {run.lineCount} {run.lineCount === 1 ? "line" : "lines"}
                    </div>
                  </td>
                  <td className="amount" data-label="Gross">
                    {run.totals.map((total) => (
                      <div key={total.currency}>
                        <Amount minor={total.grossMinor} currency={total.currency} />
                      </div>
                    ))}
                  </td>
                  <td className="amount" data-label="Fee">
                    {run.totals.map((total) => (
                      <div key={total.currency}>
                        <Amount minor={total.feeMinor} currency={total.currency} />
                      </div>
                    ))}
                  </td>
                  <td className="amount" data-label="Net">
                    {run.totals.map((total) => (
                      <div key={total.currency}>
                        <Amount minor={total.netMinor} currency={total.currency} />
                      </div>
                    ))}
                  </td>
                  <td data-label="Left open">
                    {run.openLeft.length === 0 ? (
                      <span className="muted">nothing</span>
                    ) : (
                      run.openLeft.map((left) => (
                        <div key={left.currency}>
                          {left.open} open, <Amount minor={left.atStakeMinor} currency={left.currency} /> at
                          stake
                        </div>
                      ))
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {nextCursor && runs.length >= 50 ? (
        <p className="pager">
          <Link href={`/reconciliation?before=${encodeURIComponent(nextCursor)}`}>Older runs</Link>
        </p>
      ) : null}
    </>
  );
}
