// One dispute: what is at stake, its outcome so far and its events, the payment's timeline, and (while it waits for
// a response) evidence on the merchant's behalf or acceptance.
import { EVIDENCE_FILE_KIND_LABELS, EVIDENCE_FILE_KINDS } from "@paycore/core/disputes/dispute-evidence";
import type { Metadata } from "next";
import Link from "next/link";
import { formatAmount } from "../../../../lib/money";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { Amount, DateTime } from "../../format";
import { DisputeResponse } from "./dispute-response";

export const dynamic = "force-dynamic";

/** The kinds an evidence document may have, for the form's chooser (the core's list, in its order). */
const FILE_KINDS = EVIDENCE_FILE_KINDS.map((value) => ({ value, label: EVIDENCE_FILE_KIND_LABELS[value] }));
export const metadata: Metadata = { title: "Dispute" };

const OUTCOMES: Record<string, string> = {
  WON: "Won: the disputed amount came back to the merchant (the fee stays charged).",
  LOST: "Lost: the disputed amount stays with the cardholder.",
  ACCEPTED: "Accepted: the merchant conceded; the amount stays with the cardholder.",
  UNDER_REVIEW: "Under review: the card network decides on the evidence.",
};

export default async function DisputePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await requireOperator();
  const caller = await serverCaller();
  const { dispute, events } = await caller.disputes.detail({ id }).catch(handleProcedureError);
  const { timeline } = await caller.payments.detail({ id: dispute.paymentId }).catch(handleProcedureError);
  const currency = dispute.currency;
  return (
    <>
      <p>
        <Link href="/disputes">← Disputes</Link>
      </p>
      <h1>
        Dispute <span className="mono">{dispute.id}</span>{" "}
        <span className="status" data-testid="dispute-status">
          {dispute.status.toLowerCase().replace(/_/g, " ")}
        </span>
      </h1>
      <div className="grid">
        <section className="card" aria-labelledby="stake-heading">
          <h2 id="stake-heading">At stake</h2>
          <dl className="facts">
            <dt>Disputed</dt>
            <dd>
              <Amount minor={dispute.amountMinor} currency={currency} />
              {dispute.fundsWithdrawn ? " (withdrawn from the merchant's balance)" : " (not withdrawn yet)"}
            </dd>
            <dt>Dispute fee</dt>
            <dd>{formatAmount(dispute.feeMinor, currency)}</dd>
            <dt>Evidence due</dt>
            <dd>{dispute.evidenceDueBy ? <DateTime iso={dispute.evidenceDueBy} /> : "—"}</dd>
            <dt>Reason</dt>
            <dd>
              {dispute.reason.replace(/_/g, " ")} {dispute.reasonCode ? `(${dispute.reasonCode})` : ""}
            </dd>
            <dt>Stage</dt>
            <dd>
              {dispute.stage.replace(/_/g, " ")} at {dispute.pspName} ({dispute.pspStage})
            </dd>
            <dt>Payment</dt>
            <dd>
              <Link className="mono" href={`/payments/${dispute.paymentId}`}>
                {dispute.paymentId}
              </Link>
            </dd>
          </dl>
          {OUTCOMES[dispute.status] ? <p data-testid="dispute-outcome">{OUTCOMES[dispute.status]}</p> : null}
        </section>
        <section className="card" aria-labelledby="dispute-events-heading">
          <h2 id="dispute-events-heading">Dispute events</h2>
          <ol className="timeline">
            {events.map((event) => (
              <li key={event.id}>
                <DateTime iso={event.createdAt} />
                <span className="kind">{event.source.toLowerCase()}</span>
                <div>
                  {event.type}
                  {event.oldStatus !== event.newStatus
                    ? ` (${event.oldStatus?.toLowerCase() ?? "new"} → ${event.newStatus.toLowerCase()})`
                    : ""}
                  {event.actor ? <span className="muted"> by {event.actor}</span> : null}
                </div>
              </li>
            ))}
          </ol>
        </section>
      </div>
      {dispute.canRespond && me.role !== "VIEWER" ? (
        <section className="card" aria-labelledby="respond-heading">
          <h2 id="respond-heading">Respond on the merchant's behalf</h2>
          <DisputeResponse disputeId={dispute.id} fileKinds={FILE_KINDS} />
        </section>
      ) : null}
      <section className="card" aria-labelledby="payment-timeline-heading">
        <h2 id="payment-timeline-heading">The payment's timeline</h2>
        <ol className="timeline">
          {timeline.map((item) => (
            <li key={item.key}>
              <DateTime iso={item.at} />
              <span className="kind">{item.kind}</span>
              <div>{item.title}</div>
              <span className="amount">
                {item.amountMinor ? <Amount minor={item.amountMinor} currency={currency} /> : null}
              </span>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
