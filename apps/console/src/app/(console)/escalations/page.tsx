// Escalated PSP attempts: calls whose outcome the resolver could not learn from the PSP. An operator who had the
// PSP confirm the outcome out of band records it here; it is applied through the core like the PSP's own answer.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { Amount, DateTime } from "../format";
import { ResolveAttemptForm } from "./resolve-attempt-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Escalated attempts" };

export default async function EscalationsPage() {
  const me = await requireOperator();
  const attempts = await (await serverCaller()).escalations.list().catch(handleProcedureError);
  return (
    <>
      <h1>Escalated PSP attempts</h1>
      <p className="muted">
        The PSP could not tell us these outcomes. Ask the PSP (support, dashboard), then record what it
        confirmed. A later PSP message that says otherwise is kept as a dead letter for an operator; it never
        changes the payment silently.
      </p>
      {attempts.length === 0 ? <p className="muted">No escalated attempts.</p> : null}
      <ul className="stack" data-testid="escalations">
        {attempts.map((attempt) => (
          <li key={attempt.attemptId} className="card">
            <p>
              <strong>{attempt.operation.toLowerCase()}</strong> of{" "}
              <Amount minor={attempt.amountMinor} currency={attempt.currency} /> at {attempt.pspName} for{" "}
              <Link className="mono" href={`/payments/${attempt.paymentId}`}>
                {attempt.paymentId}
              </Link>{" "}
              ({attempt.merchantName}, {attempt.mode.toLowerCase()}); the payment is{" "}
              {attempt.paymentStatus.toLowerCase().replace(/_/g, " ")}.
            </p>
            <p className="muted">
              Attempt <span className="mono">{attempt.attemptId}</span>, {attempt.status.toLowerCase()},
              escalated <DateTime iso={attempt.escalatedAt} />
              {attempt.pspReference ? (
                <>
                  , PSP reference <span className="mono">{attempt.pspReference}</span>
                </>
              ) : null}
            </p>
            {me.role !== "VIEWER" ? (
              <ResolveAttemptForm paymentId={attempt.paymentId} attemptId={attempt.attemptId} />
            ) : null}
          </li>
        ))}
      </ul>
    </>
  );
}
