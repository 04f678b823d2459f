// One payment: amounts, card (brand and last 4 only), risk, the refund form for operators, and the timeline.
import Link from "next/link";
import { formatAmount } from "../../../../lib/money";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { Amount, DateTime, Status } from "../../format";
import { ReviewActions } from "../../reviews/review-actions";
import { AuthorizationActions } from "./authorization-actions";
import { RefundForm } from "./refund-form";

export const dynamic = "force-dynamic";

export default async function PaymentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await requireOperator();
  const caller = await serverCaller();
  const { payment, risk, timeline } = await caller.payments.detail({ id }).catch(handleProcedureError);
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
          <dl className="facts">
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
            {payment.failureCode ? (
              <>
                <dt>Failure</dt>
                <dd>{payment.failureCode}</dd>
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
