// Erasing a customer's personal data on request (issue 22), admins only, four eyes: an admin previews what an
// erasure would change (counts per table, never the data) and requests it; another operator approves it in the
// ledger workbench's approvals, and the erasure runs in that approving transaction. The pending requests show
// their counts again: a request keeps the e-mail's blind index only, so no address is ever shown here.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { DateTime } from "../../format";
import { ErasureCounts, ErasureRequestForm } from "./erasure-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Customer erasure" };

export default async function CustomerErasurePage() {
  const me = await requireOperator();
  if (me.role !== "ADMIN") notFound();
  const pending = await (await serverCaller()).customers.erasureRequests().catch(handleProcedureError);
  return (
    <>
      <h1>Customer erasure</h1>
      <p className="muted">
        Erases one customer&apos;s e-mail, receipt address and IP at one merchant: payments, receipts, mails,
        invoices, checkout sessions, then the stored webhook events and idempotent responses. Amounts,
        statuses and the ledger stay. A second operator approves the request in{" "}
        <Link href="/ledger">Ledger</Link> approvals.
      </p>
      <ErasureRequestForm />
      <h2>Waiting for approval</h2>
      {pending.length === 0 ? (
        <p className="muted" data-testid="no-erasure-requests">
          No erasure request is waiting.
        </p>
      ) : (
        <div className="scroll-x">
          <table className="responsive" data-testid="erasure-requests">
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Merchant</th>
                <th scope="col">Requested by</th>
                <th scope="col">Reason</th>
                <th scope="col">Will erase</th>
              </tr>
            </thead>
            <tbody>
              {pending.map((request) => (
                <tr key={request.approvalId} data-testid={`erasure-${request.approvalId}`}>
                  <td data-label="Request">
                    <span className="mono">{request.approvalId}</span>
                    <div className="muted">
                      <DateTime iso={request.createdAt} />
                    </div>
                  </td>
                  <td data-label="Merchant">
                    {request.merchantName}
                    <div className="muted mono">{request.merchantId}</div>
                  </td>
                  <td data-label="Requested by">{request.requestedBy}</td>
                  <td data-label="Reason">{request.reason}</td>
                  <td data-label="Will erase">
                    <ErasureCounts counts={request.preview} />
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
