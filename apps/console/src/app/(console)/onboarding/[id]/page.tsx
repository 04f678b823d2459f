// One merchant's onboarding review (issue 22): its status, business details, documents with their SHA-256, the
// onboarding's events, and (for operators) the details form, the document upload and the decision form.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { Amount, DateTime } from "../../format";
import { DecisionForm, DetailsForm, DocumentsForm } from "./onboarding-forms";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Onboarding ${id.slice(0, 64)}` };
}

const label = (status: string) => status.toLowerCase().replace(/_/g, " ");

export default async function OnboardingPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await requireOperator();
  const caller = await serverCaller();
  const onboarding = await caller.onboarding.detail({ merchantId: id }).catch(handleProcedureError);
  const canAct = me.role !== "VIEWER";
  const details = onboarding.details;
  return (
    <>
      <p>
        <Link href="/onboarding">← Onboarding</Link> ·{" "}
        <Link href={`/merchants/${encodeURIComponent(onboarding.merchantId)}`}>Merchant</Link>
      </p>
      <h1>Onboarding of {onboarding.name}</h1>
      <section className="card" aria-labelledby="status-heading">
        <h2 id="status-heading">Status: {label(onboarding.status)}</h2>
        <dl className="facts">
          <dt>Merchant</dt>
          <dd className="mono">{onboarding.merchantId}</dd>
          <dt>Decided</dt>
          <dd>{onboarding.decidedAt ? <DateTime iso={onboarding.decidedAt} /> : "not yet"}</dd>
        </dl>
        {canAct && onboarding.status !== "REJECTED" ? (
          <DecisionForm merchantId={onboarding.merchantId} status={onboarding.status} />
        ) : null}
      </section>
      <section className="card" aria-labelledby="details-heading">
        <h2 id="details-heading">Business details</h2>
        {details ? (
          <dl className="facts" data-testid="business-details">
            <dt>Legal name</dt>
            <dd>{details.legalName}</dd>
            <dt>Country</dt>
            <dd>{details.country}</dd>
            <dt>Registration</dt>
            <dd>{details.registrationNumber}</dd>
            <dt>Representative</dt>
            <dd>
              {details.representativeName} (born {details.representativeBirthDate})
            </dd>
            <dt>Website</dt>
            <dd className="wrap">{details.website}</dd>
            <dt>Expected volume</dt>
            <dd>
              <Amount
                minor={details.expectedMonthlyVolume.amountMinor}
                currency={details.expectedMonthlyVolume.currency}
              />{" "}
              a month
            </dd>
            <dt>Submitted</dt>
            <dd>{onboarding.detailsSubmittedAt ? <DateTime iso={onboarding.detailsSubmittedAt} /> : "—"}</dd>
          </dl>
        ) : (
          <p className="muted">Not submitted yet.</p>
        )}
        {canAct && (onboarding.status === "PENDING_VERIFICATION" || onboarding.status === "RESTRICTED") ? (
          <DetailsForm merchantId={onboarding.merchantId} />
        ) : null}
      </section>
      <section className="card" aria-labelledby="documents-heading">
        <h2 id="documents-heading">Documents</h2>
        {onboarding.documents.length === 0 ? <p className="muted">No documents yet.</p> : null}
        <ul className="stack" data-testid="onboarding-documents">
          {onboarding.documents.map((document) => (
            <li key={document.id}>
              {document.filename}{" "}
              <span className="muted">
                ({document.contentType}, {document.sizeBytes} bytes)
              </span>
              <div className="mono muted wrap">SHA-256 {document.sha256}</div>
            </li>
          ))}
        </ul>
        {canAct ? <DocumentsForm merchantId={onboarding.merchantId} /> : null}
      </section>
      <section className="card" aria-labelledby="events-heading">
        <h2 id="events-heading">History</h2>
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">By</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {onboarding.events.map((event) => (
              <tr key={event.id}>
                <td data-label="When">
                  <DateTime iso={event.createdAt} />
                </td>
                <td data-label="Event">{event.type.replace("onboarding.", "").replace(/_/g, " ")}</td>
                <td data-label="Status">
                  {event.oldStatus && event.oldStatus !== event.newStatus
                    ? `${label(event.oldStatus)} → ${label(event.newStatus)}`
                    : label(event.newStatus)}
                </td>
                <td data-label="By">
                  {event.actor}
                  {event.rule ? <span className="muted"> (rule {event.rule})</span> : null}
                </td>
                <td data-label="Note" className="wrap">
                  {event.note ?? ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {onboarding.events.length === 0 ? <p className="muted">Nothing yet.</p> : null}
      </section>
    </>
  );
}
