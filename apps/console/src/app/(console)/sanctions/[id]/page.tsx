// One sanctions hit (issue 22): the screened name, the listed name and party, the score and threshold's screening
// with the list versions it used, and (for operators) the decision with a note.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { DateTime } from "../../format";
import { HitDecisionForm } from "./hit-decision-form";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Sanctions hit ${id.slice(0, 64)}` };
}

export default async function SanctionsHitPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await requireOperator();
  const hit = await (await serverCaller()).sanctions.hit({ hitId: id }).catch(handleProcedureError);
  return (
    <>
      <p>
        <Link href="/sanctions">← Sanctions hits</Link> ·{" "}
        <Link href={`/onboarding/${encodeURIComponent(hit.merchantId)}`}>Merchant's onboarding</Link>
      </p>
      <h1>Sanctions hit</h1>
      <section className="card" aria-labelledby="hit-heading">
        <h2 id="hit-heading">Status: {hit.status.toLowerCase().replace(/_/g, " ")}</h2>
        <dl className="facts" data-testid="sanctions-hit">
          <dt>Merchant</dt>
          <dd>
            {hit.merchantName} <span className="mono muted wrap">{hit.merchantId}</span>
            {hit.frozen ? <strong> (frozen)</strong> : null}
          </dd>
          <dt>Screened name</dt>
          <dd className="wrap">
            {hit.subjectName} ({hit.subjectType.toLowerCase().replace(/_/g, " ")})
          </dd>
          <dt>Listed name</dt>
          <dd className="wrap">
            {hit.listedName} ({hit.source === "OFAC_SDN" ? "OFAC SDN" : "EU consolidated"}, {hit.entryRef})
          </dd>
          <dt>Score</dt>
          <dd>{hit.score} (Jaro-Winkler on normalised names)</dd>
          <dt>List versions</dt>
          <dd className="mono wrap">{hit.listVersionIds.join(", ")}</dd>
          <dt>Found</dt>
          <dd>
            <DateTime iso={hit.createdAt} />
          </dd>
          {hit.decidedAt ? (
            <>
              <dt>Decided</dt>
              <dd className="wrap">
                <DateTime iso={hit.decidedAt} /> by {hit.decidedBy}: {hit.note}
              </dd>
            </>
          ) : null}
        </dl>
        {me.role !== "VIEWER" && hit.status === "OPEN" ? <HitDecisionForm hitId={hit.id} /> : null}
      </section>
    </>
  );
}
