// The fraud review queue: held payments, oldest first (they expire first), with the signals that held them.

import { REVIEW_QUEUE_MAX } from "@paycore/db/repositories/console-query.repository";
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { Amount, DateTime } from "../format";
import { ReviewActions } from "./review-actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Fraud reviews" };

export default async function ReviewsPage() {
  const me = await requireOperator();
  const queue = await (await serverCaller()).reviews.queue().catch(handleProcedureError);
  return (
    <>
      <h1>Fraud reviews</h1>
      <div className="list-header">
        <p data-testid="result-count">
          {queue.length === 0
            ? "No payments are waiting for review."
            : `${queue.length}${queue.length >= REVIEW_QUEUE_MAX ? "+" : ""} ${queue.length === 1 ? "payment is" : "payments are"} waiting for review, oldest first.`}
        </p>
        <p>
          <a href="/reviews/export" download>
            Export CSV
          </a>
        </p>
      </div>
      <table className="responsive">
        <thead>
          <tr>
            <th scope="col">Payment</th>
            <th scope="col">Held since</th>
            <th scope="col">Expires</th>
            <th scope="col" className="amount">
              Amount
            </th>
            <th scope="col">Risk</th>
            {me.role !== "VIEWER" ? <th scope="col">Decision</th> : null}
          </tr>
        </thead>
        <tbody>
          {queue.map((item) => (
            <tr key={item.id} data-testid={`review-${item.id}`}>
              <td data-label="Payment">
                <Link className="mono" href={`/payments/${item.id}`}>
                  {item.id}
                </Link>
                <div className="muted">
                  {item.merchantName} · {item.cardBrand} ···· {item.cardLast4}
                  {item.customerEmail ? ` · ${item.customerEmail}` : ""}
                </div>
              </td>
              <td data-label="Held since">
                <DateTime iso={item.createdAt} />
              </td>
              <td data-label="Expires">
                {item.reviewExpiresAt ? <DateTime iso={item.reviewExpiresAt} /> : "—"}
              </td>
              <td className="amount" data-label="Amount">
                <Amount minor={item.amountMinor} currency={item.currency} />
              </td>
              <td data-label="Risk">
                <strong>{item.riskScore ?? "—"}</strong>
                <ul>
                  {item.riskSignals.map((signal) => (
                    <li key={signal.name}>
                      {signal.name} ({signal.score}): {signal.detail}
                    </li>
                  ))}
                </ul>
              </td>
              {me.role !== "VIEWER" ? (
                <td data-label="Decision">
                  {/* Always the same component, so a refresh keeps the operator's confirmation on screen. */}
                  <ReviewActions
                    paymentId={item.id}
                    waitingFor={
                      item.pendingOperation === null
                        ? null
                        : item.pendingOperation === "VOID"
                          ? "rejection"
                          : "approval"
                    }
                  />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
