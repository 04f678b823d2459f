// The onboarding review queue (issue 22): merchants pending verification or restricted, oldest first, each
// linking to its review page.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, serverCaller } from "../../../trpc/server";
import { DateTime } from "../format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Onboarding" };

export default async function OnboardingQueuePage() {
  const queue = await (await serverCaller()).onboarding.queue().catch(handleProcedureError);
  return (
    <>
      <h1>Onboarding</h1>
      <p className="muted">
        Merchants waiting for a decision. Until verified a merchant takes live payments only up to its limit
        and its live payouts are held.
      </p>
      {queue.length === 0 ? <p className="muted">No merchant waits for a decision.</p> : null}
      <table className="responsive" data-testid="onboarding-queue">
        <thead>
          <tr>
            <th scope="col">Merchant</th>
            <th scope="col">Status</th>
            <th scope="col">Legal name</th>
            <th scope="col">Details</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {queue.map((row) => (
            <tr key={row.merchantId}>
              <td data-label="Merchant">
                <Link href={`/onboarding/${encodeURIComponent(row.merchantId)}`}>{row.name}</Link>
                <div className="muted mono">{row.merchantId}</div>
              </td>
              <td data-label="Status">{row.status.toLowerCase().replace(/_/g, " ")}</td>
              <td data-label="Legal name">
                {row.legalName ?? <span className="muted">—</span>}
                {row.country ? <span className="muted"> ({row.country})</span> : null}
              </td>
              <td data-label="Details">
                {row.detailsSubmittedAt ? <DateTime iso={row.detailsSubmittedAt} /> : "not submitted"}
              </td>
              <td data-label="Created">
                <DateTime iso={row.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
