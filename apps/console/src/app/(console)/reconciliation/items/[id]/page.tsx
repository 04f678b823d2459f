// One reconciliation item: the PSP's line and our record side by side, the payment it concerns (with a link to
// its timeline), its history in the operator audit log, and the actions an operator may take on it.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../../trpc/server";
import { Amount, DateTime, Status } from "../../../format";
import { categoryLabel, ReconNav } from "../../recon-nav";
import { ItemActions } from "./item-actions";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Reconciliation item ${(await params).id}` };
}

function Money({ minor, currency }: { minor: string | null; currency: string }) {
  return minor === null ? <>—</> : <Amount minor={minor} currency={currency} />;
}

export default async function ReconItemPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await requireOperator();
  const item = await (await serverCaller()).reconciliation.item({ id }).catch(handleProcedureError);
  const hasLine = item.lineKey !== null;
  const shadow = item.rule.startsWith("shadow.");
  return (
    <>
      <h1>
        {categoryLabel(item.category)} <Status status={item.status} />
      </h1>
      <ReconNav current="items" />
      <p className="muted mono">{item.id}</p>
      <div className="grid">
        <section className="card" aria-labelledby="psp-line-heading" data-testid="psp-line">
          <h2 id="psp-line-heading">{shadow && !hasLine ? "The PSP's message" : "The PSP's line"}</h2>
          {hasLine ? (
            <dl className="facts">
              <dt>PSP</dt>
              <dd>{item.psp}</dd>
              <dt>File</dt>
              <dd className="break">
                {item.importFileName ?? "—"}
                {item.lineNumber !== null ? `, line ${item.lineNumber}` : ""}
              </dd>
              <dt>Batch</dt>
              <dd className="mono">{item.batch ?? "—"}</dd>
              <dt>Type</dt>
              <dd>{item.rawType ?? "—"}</dd>
              <dt>PSP reference</dt>
              <dd className="mono break">{item.pspReference ?? "—"}</dd>
              <dt>Modification</dt>
              <dd className="mono break">{item.modificationReference ?? "—"}</dd>
              <dt>Gross</dt>
              <dd data-testid="psp-gross">
                <Money minor={item.grossMinor} currency={item.currency} />
              </dd>
              <dt>Fee</dt>
              <dd>
                <Money minor={item.feeMinor} currency={item.currency} />
              </dd>
              <dt>Net</dt>
              <dd>
                <Money minor={item.netMinor} currency={item.currency} />
              </dd>
              <dt>Booked</dt>
              <dd>{item.bookedAt ? <DateTime iso={item.bookedAt} /> : "—"}</dd>
            </dl>
          ) : shadow ? (
            // Shadow mode: no report line, the PSP's message that contradicts our record of the attempt.
            <dl className="facts" data-testid="psp-message">
              <dt>PSP</dt>
              <dd>{item.psp}</dd>
              <dt>Message</dt>
              <dd>{item.rawType ?? "—"}</dd>
              <dt>PSP reference</dt>
              <dd className="mono break">{item.pspReference ?? "—"}</dd>
              <dt>Modification</dt>
              <dd className="mono break">{item.modificationReference ?? "—"}</dd>
            </dl>
          ) : (
            <p className="muted">
              The PSP has no line for this: we {item.expectedKind === "REFUND" ? "refunded" : "captured"} it
              and no report settled it after the PSP&apos;s settlement delay and the grace period.
            </p>
          )}
        </section>
        <section className="card" aria-labelledby="our-record-heading" data-testid="our-record">
          <h2 id="our-record-heading">Our record</h2>
          {item.expectedKind !== null || item.payment !== null ? (
            <dl className="facts">
              <dt>What</dt>
              <dd>{item.expectedKind ? item.expectedKind.toLowerCase() : "payment (linked)"}</dd>
              {shadow && item.expectedId ? (
                <>
                  <dt>Attempt</dt>
                  <dd className="mono break">{item.expectedId}</dd>
                </>
              ) : null}
              <dt>Amount</dt>
              <dd data-testid="our-amount">
                <Money minor={item.expectedAmountMinor} currency={item.expectedCurrency ?? item.currency} />
              </dd>
              <dt>Difference</dt>
              <dd data-testid="difference">
                {item.differenceMinor === "0" ? (
                  "none"
                ) : (
                  <Amount minor={item.differenceMinor} currency={item.currency} />
                )}
              </dd>
              <dt>Payment</dt>
              <dd>
                {item.paymentId ? (
                  <Link className="mono" href={`/payments/${item.paymentId}`}>
                    {item.paymentId}
                  </Link>
                ) : (
                  "—"
                )}
              </dd>
              {item.payment ? (
                <>
                  <dt>Payment status</dt>
                  <dd>
                    <Status status={item.payment.status} />
                  </dd>
                  <dt>Captured / refunded</dt>
                  <dd>
                    <Amount minor={item.payment.capturedMinor} currency={item.payment.currency} /> /{" "}
                    <Amount minor={item.payment.refundedMinor} currency={item.payment.currency} />
                  </dd>
                  <dt>PSP</dt>
                  <dd className="mono break">
                    {item.payment.pspName ?? "—"} {item.payment.pspReference ?? ""}
                  </dd>
                  <dt>Merchant</dt>
                  <dd>{item.merchantName ?? "—"}</dd>
                </>
              ) : null}
            </dl>
          ) : (
            <p className="muted">We have no capture or refund for this line.</p>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="resolution-heading">
        <h2 id="resolution-heading">Resolution</h2>
        <dl className="facts">
          <dt>Rule</dt>
          <dd className="mono">{item.rule}</dd>
          <dt>Note</dt>
          <dd>{item.resolutionNote ?? "—"}</dd>
          <dt>Recorded</dt>
          <dd>
            <DateTime iso={item.createdAt} />
          </dd>
        </dl>
        {item.pendingApproval ? (
          <p className="notice" data-testid="pending-approval">
            Waiting for a second operator: {item.pendingApproval.requestedBy} asked to accept the PSP&apos;s
            figure (
            <Amount minor={item.pendingApproval.amountMinor} currency={item.pendingApproval.currency} />
            ). <Link href="/reconciliation/approvals">Approvals</Link>
          </p>
        ) : null}
        {me.role !== "VIEWER" ? (
          <ItemActions
            id={item.id}
            status={item.status}
            category={item.category}
            linked={item.paymentId !== null}
            awaitingApproval={item.pendingApproval !== null}
            fourEyesAbove={<Amount minor={item.fourEyesAboveMinor} currency={item.currency} />}
          />
        ) : null}
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {item.history.length === 0 ? (
          <p className="muted">No operator has acted on this item.</p>
        ) : (
          <ol className="timeline" data-testid="recon-history">
            {item.history.map((entry) => (
              <li key={entry.id}>
                <DateTime iso={entry.createdAt} />
                <span className="kind">operator</span>
                <div>
                  {entry.action}
                  <div className="details">
                    {String(entry.after?.actor ?? "")}
                    {entry.after?.reason ? `: ${String(entry.after.reason)}` : ""}
                    {entry.after?.note ? `: ${String(entry.after.note)}` : ""}
                  </div>
                </div>
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
