// The ledger: the consistency check (its latest run and a button to run it now), manual adjustments between
// adjustable accounts, and the four-eyes requests waiting for a second operator.
import type { Metadata } from "next";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { Amount, DateTime } from "../format";
import { AdjustmentForm, ApprovalActions, LedgerCheckButton } from "./ledger-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Ledger" };

export default async function LedgerPage() {
  const me = await requireOperator();
  const caller = await serverCaller();
  const [ledger, merchants] = await Promise.all([
    caller.ledger.overview(),
    caller.payments.merchants(),
  ]).catch(handleProcedureError);
  const canAct = me.role !== "VIEWER";
  const check = ledger.latestCheck;
  return (
    <>
      <h1>Ledger</h1>
      <section className={`card${check && !check.ok ? " attention-on" : ""}`} aria-labelledby="check-heading">
        <h2 id="check-heading">Consistency check</h2>
        {check === null ? (
          <p className="muted">The check has not run yet.</p>
        ) : (
          <>
            <p data-testid="ledger-check-result">
              {check.ok ? "No disagreement" : `${check.findings.length} disagreements`} in run {check.id} (
              {check.scope}, {check.trigger}
              {check.requestedBy ? `, ${check.requestedBy}` : ""}), <DateTime iso={check.finishedAt} />;{" "}
              {check.chainSealsChecked} journal seals re-hashed.
            </p>
            {check.findings.length > 0 ? (
              <ul>
                {check.findings.map((finding) => (
                  <li key={`${finding.kind}-${finding.subject}`}>
                    <strong>{finding.kind.replace(/_/g, " ")}</strong>{" "}
                    <span className="mono">{finding.subject}</span>: {finding.detail}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        )}
        {canAct ? <LedgerCheckButton /> : null}
      </section>
      {canAct ? (
        <section className="card" aria-labelledby="adjust-heading">
          <h2 id="adjust-heading">Manual adjustment</h2>
          <p className="muted">
            One balanced entry between two adjustable accounts. Above {ledger.approvalAboveMajor} (in the
            currency's major units) a second operator approves it before it is posted.
          </p>
          <AdjustmentForm
            accounts={ledger.accounts}
            merchants={merchants.map((m) => ({ id: m.id, name: m.name }))}
          />
        </section>
      ) : null}
      <section className="card" aria-labelledby="approvals-heading" id="approvals">
        <h2 id="approvals-heading">Waiting for a second operator</h2>
        {ledger.pendingApprovals.length === 0 ? <p className="muted">Nothing is waiting.</p> : null}
        <ul className="stack" data-testid="pending-approvals">
          {ledger.pendingApprovals.map((request) => (
            <li key={request.id} className="card">
              <p>
                <strong>{request.kind}</strong>:{" "}
                <Amount minor={request.amountMinor} currency={request.currency} />, {request.summary}
              </p>
              <p className="muted">
                Asked by {request.requestedBy}, <DateTime iso={request.createdAt} />: {request.reason}
              </p>
              {canAct ? (
                <ApprovalActions
                  id={request.id}
                  requestedBy={request.requestedBy}
                  me={me.email}
                  canApprove={!request.adminOnly || me.role === "ADMIN"}
                />
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="adjustments-heading">
        <h2 id="adjustments-heading">Recent adjustments</h2>
        {ledger.adjustments.length === 0 ? <p className="muted">No manual adjustment yet.</p> : null}
        {ledger.adjustments.length === 0 ? null : (
          <div className="scroll-x">
            <table data-testid="adjustments" className="responsive">
              <thead>
                <tr>
                  <th scope="col">Posted</th>
                  <th scope="col">Entry</th>
                  <th scope="col">Debit → credit</th>
                  <th scope="col" className="amount">
                    Amount
                  </th>
                  <th scope="col">Reason</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {ledger.adjustments.map((row) => (
                  <tr key={row.journalEntryId}>
                    <td data-label="Posted">
                      <DateTime iso={row.createdAt} />
                    </td>
                    <td className="mono" data-label="Entry">
                      {row.journalEntryId}
                    </td>
                    <td data-label="Debit → credit">
                      {row.debitAccount} → {row.creditAccount}
                    </td>
                    <td className="amount" data-label="Amount">
                      <Amount minor={row.amountMinor} currency={row.currency} />
                    </td>
                    <td data-label="Reason">{row.reason}</td>
                    <td data-label="By">
                      {row.requestedBy}
                      {row.approvedBy ? `, approved by ${row.approvedBy}` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
