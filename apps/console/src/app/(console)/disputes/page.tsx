// The disputes queue: disputes waiting for a response or under review, soonest evidence due date first, with
// what is at stake and how many are open.
import type { Metadata } from "next";
import Link from "next/link";
import { DISPUTE_QUEUE_SHOWN_MAX } from "../../../server/api/routers/workbench/disputes";
import { handleProcedureError, serverCaller } from "../../../trpc/server";
import { Amount, DateTime } from "../format";
import { ResultCount } from "../result-count";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Disputes" };

export default async function DisputesPage() {
  const {
    disputes: queue,
    count,
    countCapped,
  } = await (await serverCaller()).disputes.queue().catch(handleProcedureError);
  return (
    <>
      <h1>Disputes</h1>
      <p className="muted">Open disputes, the soonest evidence deadline first.</p>
      <div className="list-header">
        <ResultCount
          count={count}
          capped={countCapped}
          singular="dispute is open"
          plural="disputes are open"
        />
        {queue.length >= DISPUTE_QUEUE_SHOWN_MAX && count > queue.length ? (
          <p className="muted small">
            The {queue.length.toLocaleString("en-US")} with the soonest deadlines are listed.
          </p>
        ) : null}
      </div>
      {queue.length === 0 ? <p className="muted">No open disputes.</p> : null}
      {/* Cards at 390 px (table.responsive): the status and the amount at stake stay on screen, not off to the right. */}
      {queue.length === 0 ? null : (
        <div className="scroll-x">
          <table data-testid="disputes-queue" className="responsive">
            <thead>
              <tr>
                <th scope="col">Dispute</th>
                <th scope="col">Evidence due</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col" className="amount">
                  At stake
                </th>
              </tr>
            </thead>
            <tbody>
              {queue.map((dispute) => (
                <tr key={dispute.id}>
                  <td data-label="Dispute">
                    <Link className="mono" href={`/disputes/${dispute.id}`}>
                      {dispute.id}
                    </Link>
                    <div className="muted">
                      {dispute.merchantName} · {dispute.mode.toLowerCase()} · {dispute.pspName}
                    </div>
                  </td>
                  <td data-label="Evidence due">
                    {dispute.evidenceDueBy ? <DateTime iso={dispute.evidenceDueBy} /> : "—"}
                  </td>
                  <td data-label="Status">
                    {dispute.status.toLowerCase().replace(/_/g, " ")} ({dispute.stage.replace(/_/g, " ")})
                  </td>
                  <td data-label="Reason">
                    {dispute.reason.replace(/_/g, " ")}
                    {dispute.reasonCode ? <span className="muted"> ({dispute.reasonCode})</span> : null}
                  </td>
                  <td className="amount" data-label="At stake">
                    <Amount minor={dispute.amountMinor} currency={dispute.currency} />
                    <div className="muted">
                      {dispute.fundsWithdrawn ? "withdrawn" : "not withdrawn yet"}
                      {dispute.feeMinor !== "0" ? (
                        <>
                          , fee <Amount minor={dispute.feeMinor} currency={dispute.currency} />
                        </>
                      ) : null}
                    </div>
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
