// One payment: amounts, card (brand and last 4 only, and its fingerprint for the deny list), metadata, risk, the
// refund form for operators, operator actions (before and after side by side), and the timeline.
import type { Metadata } from "next";
import Link from "next/link";
import { failureReasonText } from "../../../../lib/failure-reason";
import { formatAmount } from "../../../../lib/money";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { AuditChange } from "../../audit-change";
import { ActionName, Amount, DateTime, Status } from "../../format";
import { ReviewActions } from "../../reviews/review-actions";
import { AuthorizationActions } from "./authorization-actions";
import { RefundForm } from "./refund-form";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Payment ${id.slice(0, 64)}` };
}

export default async function PaymentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await requireOperator();
  const caller = await serverCaller();
  const { payment, risk, timeline, audit } = await caller.payments.detail({ id }).catch(handleProcedureError);
  const canAct = me.role !== "VIEWER";
  const currency = payment.currency;
  return (
    <>
      <p>
        <Link href="/payments">← Payments</Link>
      </p>
      <h1>
        Payment <span className="mono">{payment.id}</span> <Status status={payment.status} />
      </h1>
      <div className="grid">
        <section className="card" aria-labelledby="amounts-heading">
          <h2 id="amounts-heading">Amounts</h2>
          <dl className="facts figures">
            <dt>Authorized</dt>
            <dd data-testid="amount-authorized">
              <Amount minor={payment.amountAuthorizedMinor} currency={currency} />
            </dd>
            <dt>Captured</dt>
            <dd data-testid="amount-captured">
              <Amount minor={payment.amountCapturedMinor} currency={currency} />
            </dd>
            <dt>Refunded</dt>
            <dd data-testid="amount-refunded">
              <Amount minor={payment.amountRefundedMinor} currency={currency} />
            </dd>
            {payment.amountRefundPendingMinor !== "0" ? (
              <>
                <dt>Refund pending</dt>
                <dd>
                  <Amount minor={payment.amountRefundPendingMinor} currency={currency} />
                </dd>
              </>
            ) : null}
            <dt>Refundable</dt>
            <dd data-testid="amount-refundable">
              <Amount minor={payment.amountRefundableMinor} currency={currency} />
            </dd>
            <dt>Capture</dt>
            <dd>{payment.captureMethod.toLowerCase()}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="payment-heading">
          <h2 id="payment-heading">Payment</h2>
          <dl className="facts">
            <dt>Merchant</dt>
            <dd>
              {payment.merchantName} <span className="mono muted">{payment.merchantId}</span>
            </dd>
            <dt>Mode</dt>
            <dd>{payment.mode.toLowerCase()}</dd>
            <dt>Created</dt>
            <dd>
              <DateTime iso={payment.createdAt} />
            </dd>
            <dt>Card</dt>
            <dd data-testid="card">
              {payment.cardBrand} ···· {payment.cardLast4}
              {payment.cardExpiry ? ` (exp. ${payment.cardExpiry})` : ""}
              {payment.cardCountry ? `, ${payment.cardCountry}` : ""}
            </dd>
            {payment.cardFingerprint ? (
              <>
                <dt>Card fingerprint</dt>
                <dd>
                  <span className="mono" data-testid="card-fingerprint">
                    {payment.cardFingerprint}
                  </span>
                  {canAct ? (
                    <>
                      {" "}
                      <Link
                        data-testid="deny-card"
                        href={`/reviews/lists?${new URLSearchParams({
                          list: "DENY",
                          kind: "FINGERPRINT",
                          value: payment.cardFingerprint,
                          merchant: payment.merchantId,
                        })}#add-heading`}
                      >
                        Add this card to the deny list
                      </Link>
                    </>
                  ) : null}
                </dd>
              </>
            ) : null}
            <dt>Customer</dt>
            <dd>{payment.customerEmail ?? "—"}</dd>
            <dt>IP / billing country</dt>
            <dd>
              {payment.ipAddress ?? "—"} / {payment.billingCountry ?? "—"}
            </dd>
            <dt>PSP</dt>
            <dd className="mono">
              {payment.pspName ?? "—"} {payment.pspReference ?? ""}
            </dd>
            {payment.threeDSecure ? (
              <>
                <dt>3-D Secure</dt>
                <dd data-testid="three-d-secure">
                  {payment.threeDSecure.status.toLowerCase().replace("_", " ")},{" "}
                  {payment.threeDSecure.flow.toLowerCase()} (version {payment.threeDSecure.version}
                  {payment.threeDSecure.eci ? `, ECI ${payment.threeDSecure.eci}` : ""}).{" "}
                  {payment.threeDSecure.liabilityShift
                    ? "Liability shifted to the card issuer."
                    : "No liability shift."}
                  {payment.actionExpiresAt ? (
                    <div className="muted">
                      Waiting for the customer's challenge until <DateTime iso={payment.actionExpiresAt} />.
                    </div>
                  ) : null}
                </dd>
              </>
            ) : null}
            {payment.failureCode ? (
              <>
                <dt>Failure</dt>
                <dd data-testid="failure">
                  {failureReasonText(payment.failureCode)}{" "}
                  <span className="mono muted">{payment.failureCode}</span>
                  {payment.failureMessage ? <div className="muted">{payment.failureMessage}</div> : null}
                </dd>
              </>
            ) : null}
            {payment.description ? (
              <>
                <dt>Description</dt>
                <dd>{payment.description}</dd>
              </>
            ) : null}
          </dl>
        </section>
        <section className="card" aria-labelledby="metadata-heading">
          <h2 id="metadata-heading">Metadata</h2>
          {payment.metadata.length === 0 ? (
            <p className="muted">No metadata.</p>
          ) : (
            <dl className="facts" data-testid="metadata">
              {payment.metadata.map((entry) => (
                <div key={entry.key} className="contents">
                  <dt className="mono">{entry.key}</dt>
                  <dd>{entry.value}</dd>
                </div>
              ))}
            </dl>
          )}
        </section>
        <section className="card" aria-labelledby="risk-heading">
          <h2 id="risk-heading">Risk</h2>
          {risk ? (
            <>
              <p>
                Score <strong>{risk.score}</strong> / 100, decision{" "}
                <strong>{risk.decision.toLowerCase()}</strong>
                {risk.degraded ? " (degraded: velocity data was missing)" : ""}
              </p>
              <ul>
                {risk.signals
                  .filter((signal) => signal.score > 0)
                  .map((signal) => (
                    <li key={signal.name}>
                      <strong>{signal.name}</strong> ({signal.score}): {signal.detail}
                    </li>
                  ))}
              </ul>
            </>
          ) : (
            <p className="muted">Not scored.</p>
          )}
          {payment.status === "REQUIRES_REVIEW" && canAct ? (
            <ReviewActions paymentId={payment.id} refreshWhenDecided />
          ) : null}
        </section>
      </div>
      {canAct && payment.status === "AUTHORIZED" ? (
        <section className="card" aria-labelledby="authorization-heading">
          <h2 id="authorization-heading">Capture or cancel</h2>
          {payment.pendingOperation !== null ? (
            <p className="muted">
              A {payment.pendingOperation.toLowerCase()} is in flight at the PSP; wait for its outcome.
            </p>
          ) : (
            <AuthorizationActions
              paymentId={payment.id}
              currency={currency}
              capturableMinor={payment.amountCapturableMinor}
            />
          )}
        </section>
      ) : null}
      {canAct && payment.amountCapturedMinor !== "0" ? (
        <section className="card" aria-labelledby="refund-heading">
          <h2 id="refund-heading">Refund</h2>
          {payment.amountRefundableMinor === "0" ? (
            <p className="muted">Nothing left to refund.</p>
          ) : (
            <RefundForm
              paymentId={payment.id}
              currency={currency}
              refundableMinor={payment.amountRefundableMinor}
              refundableText={formatAmount(payment.amountRefundableMinor, currency)}
            />
          )}
        </section>
      ) : null}
      {audit.length > 0 ? (
        <section className="card" aria-labelledby="operator-actions-heading">
          <h2 id="operator-actions-heading">Operator actions</h2>
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {audit.map((entry) => (
                <tr key={entry.id}>
                  <td data-label="When">
                    <DateTime iso={entry.createdAt} />
                  </td>
                  <td data-label="Who">{entry.operatorEmail ?? "—"}</td>
                  <td className="mono" data-label="Action">
                    <ActionName action={entry.action} />
                  </td>
                  <td data-label="Change">
                    <AuditChange before={entry.before} after={entry.after} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section className="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <ol className="timeline">
          {timeline.map((item) => (
            <li key={item.key}>
              <DateTime iso={item.at} />
              <span className="kind">{item.kind}</span>
              <div>
                <div>{item.title}</div>
                <div className="details">
                  {item.details.map((detail) => (
                    <span key={detail.label}>
                      {detail.label}:{" "}
                      {item.kind === "ledger" ? formatAmount(detail.value, currency) : detail.value}
                      {"  "}
                    </span>
                  ))}
                </div>
              </div>
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
