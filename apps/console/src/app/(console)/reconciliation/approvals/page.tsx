// Four eyes: the adjustments waiting for a second operator, oldest first, which a different operator approves
// (the adjustment is posted in the same transaction) or rejects; and the latest decisions.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { Amount, DateTime, Status } from "../../format";
import { categoryLabel, ReconNav } from "../recon-nav";
import { ApprovalActions } from "./approval-actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Reconciliation approvals" };

export default async function ApprovalsPage() {
  const me = await requireOperator();
  const { pending, decided } = await (await serverCaller()).reconciliation
    .approvals()
    .catch(handleProcedureError);
  return (
    <>
      <h1>Approvals</h1>
      <ReconNav current="approvals" />
      <h2>Waiting for a second operator</h2>
      {pending.length === 0 ? <p className="muted">Nothing is waiting for approval.</p> : null}
      {pending.length > 0 ? (
        <div className="scroll-x">
          <table data-testid="approvals-pending" className="responsive">
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Asked</th>
                <th scope="col" className="amount">
                  Amount
                </th>
                <th scope="col">Reason</th>
                {me.role !== "VIEWER" ? <th scope="col">Decision</th> : null}
              </tr>
            </thead>
            <tbody>
              {pending.map((request) => (
                <tr key={request.id} data-testid={`approval-${request.id}`}>
                  <td data-label="Request">
                    <Link href={`/reconciliation/items/${request.targetId}`}>
                      {request.kind === "recon.accept_psp_figure"
                        ? `Accept the PSP's figure (${categoryLabel(request.itemCategory ?? "item")})`
                        : request.kind}
                    </Link>
                    <div className="muted mono">{request.id}</div>
                  </td>
                  <td data-label="Asked">
                    <DateTime iso={request.createdAt} />
                    <div className="muted">by {request.requestedBy}</div>
                  </td>
                  <td className="amount" data-label="Amount">
                    <Amount minor={request.amountMinor} currency={request.currency} />
                  </td>
                  <td className="break" data-label="Reason">
                    {request.reason}
                  </td>
                  {me.role !== "VIEWER" ? (
                    <td data-label="Decision">
                      {request.requestedBy === me.email ? (
                        <span className="muted">Your request: another operator decides it.</span>
                      ) : (
                        <ApprovalActions id={request.id} />
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Latest decisions</h2>
      {decided.length === 0 ? (
        <p className="muted">No request has been decided yet.</p>
      ) : (
        <div className="scroll-x">
          <table data-testid="approvals-decided" className="responsive">
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Asked by</th>
                <th scope="col">Decided</th>
                <th scope="col" className="amount">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {decided.map((request) => (
                <tr key={request.id}>
                  <td data-label="Request">
                    <Link href={`/reconciliation/items/${request.targetId}`}>{request.kind}</Link>
                  </td>
                  <td data-label="Status">
                    <Status status={request.status} />
                  </td>
                  <td data-label="Asked by">{request.requestedBy}</td>
                  <td data-label="Decided">
                    {request.decidedAt ? <DateTime iso={request.decidedAt} /> : "—"}
                    <div className="muted">
                      by {request.decidedBy}: {request.decisionNote}
                    </div>
                  </td>
                  <td className="amount" data-label="Amount">
                    <Amount minor={request.amountMinor} currency={request.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
