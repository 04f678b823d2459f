// One dead letter: its payload, reason, first and last seen; replay (once the cause is fixed) or dismiss.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { DateTime } from "../../format";
import { DeadLetterActions } from "./dead-letter-actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Dead letter" };

export default async function DeadLetterPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await requireOperator();
  const letter = await (await serverCaller()).deadLetters.detail({ id }).catch(handleProcedureError);
  return (
    <>
      <p>
        <Link href="/dead-letters">← Dead letters</Link>
      </p>
      <h1>
        Dead letter #{letter.id} <span className="status">{letter.state.toLowerCase()}</span>
      </h1>
      <section className="card" aria-labelledby="letter-heading">
        <h2 id="letter-heading">Why it could not be applied</h2>
        <dl className="facts">
          <dt>Reason</dt>
          <dd data-testid="dead-letter-reason">{letter.reason}</dd>
          <dt>Source</dt>
          <dd className="mono">{letter.source}</dd>
          <dt>Reference</dt>
          <dd className="mono">{letter.reference ?? "—"}</dd>
          <dt>First seen</dt>
          <dd>
            <DateTime iso={letter.firstSeenAt} />
          </dd>
          <dt>Last seen</dt>
          <dd>
            <DateTime iso={letter.lastSeenAt} /> ({letter.seenCount}{" "}
            {letter.seenCount === 1 ? "time" : "times"})
          </dd>
          {letter.replayedAt ? (
            <>
              <dt>Replayed</dt>
              <dd>
                <DateTime iso={letter.replayedAt} /> by {letter.replayedBy}
              </dd>
            </>
          ) : null}
          {letter.dismissedAt ? (
            <>
              <dt>Dismissed</dt>
              <dd>
                <DateTime iso={letter.dismissedAt} /> by {letter.dismissedBy}: {letter.dismissNote}
              </dd>
            </>
          ) : null}
        </dl>
      </section>
      {letter.state === "OPEN" && me.role !== "VIEWER" ? (
        <section className="card" aria-labelledby="actions-heading">
          <h2 id="actions-heading">Replay or dismiss</h2>
          <DeadLetterActions id={letter.id} />
        </section>
      ) : null}
      <section className="card" aria-labelledby="payload-heading">
        <h2 id="payload-heading">Payload</h2>
        {/* Wrapped, not scrolled: no scrollable region that keyboard users could not reach. */}
        <pre className="payload" data-testid="dead-letter-payload">
          {letter.payload}
        </pre>
      </section>
    </>
  );
}
