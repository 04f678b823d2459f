// Sanctions hits (issue 22): possible matches of a merchant's names with the imported lists, open ones first. An
// open hit blocks the merchant's payouts until an operator decides it.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, serverCaller } from "../../../trpc/server";
import { DateTime } from "../format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sanctions" };

export default async function SanctionsPage() {
  const hits = await (await serverCaller()).sanctions.hits().catch(handleProcedureError);
  return (
    <>
      <h1>Sanctions hits</h1>
      <p className="muted">
        Names of merchants, representatives and payout account holders close to a listed name. An open hit
        blocks the merchant's payouts; a confirmed one freezes the merchant.
      </p>
      {hits.length === 0 ? <p className="muted">No hits.</p> : null}
      <table className="responsive" data-testid="sanctions-hits">
        <thead>
          <tr>
            <th scope="col">Hit</th>
            <th scope="col">Status</th>
            <th scope="col">Screened name</th>
            <th scope="col">Listed name</th>
            <th scope="col">Score</th>
            <th scope="col">Found</th>
          </tr>
        </thead>
        <tbody>
          {hits.map((hit) => (
            <tr key={hit.id}>
              <td data-label="Hit">
                <Link className="mono" href={`/sanctions/${encodeURIComponent(hit.id)}`}>
                  {hit.id}
                </Link>
                <div className="muted">{hit.merchantName}</div>
              </td>
              <td data-label="Status">{hit.status.toLowerCase().replace(/_/g, " ")}</td>
              <td data-label="Screened name" className="wrap">
                {hit.subjectName}{" "}
                <span className="muted">({hit.subjectType.toLowerCase().replace(/_/g, " ")})</span>
              </td>
              <td data-label="Listed name" className="wrap">
                {hit.listedName}{" "}
                <span className="muted">({hit.source === "OFAC_SDN" ? "OFAC SDN" : "EU"})</span>
              </td>
              <td data-label="Score">{hit.score}</td>
              <td data-label="Found">
                <DateTime iso={hit.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
